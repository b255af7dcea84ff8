import { randomUUID } from 'node:crypto'
import type { FlightOutcome, FlightRepo } from '../store/index.js'
import type { RunResult } from './result.js'

/**
 * How long a claim lasts unless its claimer renews it (every third of it while the run goes on): a
 * claimer that dies keeps the others waiting at most this long before one of them claims the run.
 */
export const FLIGHT_LEASE_MS = 10_000
/** How often a waiter looks for the entry and the claim without being told (an announcement missed while the listening connection was down). */
export const FLIGHT_POLL_MS = 1_000
/** How long a waiter waits for a live claimer in all; then it runs the query itself. */
export const FLIGHT_WAIT_MS = 60_000

/**
 * Single flight across the servers of one store (issue 18): of the servers missing the same cache
 * entry at once, one claims the run (FlightRepo.claim), runs it and stores the entry; the others wait
 * for its announcement and read the entry. Never a hang: a claimer that fails wakes the waiters, who
 * then run the query themselves (so each reports its own coded error, or its own rows); a claimer
 * that dies loses its claim after FLIGHT_LEASE_MS, and a waiter gives up waiting after FLIGHT_WAIT_MS.
 * When the claims cannot be watched (the store is unreachable), the run goes ahead alone.
 *
 * @example
 * const result = await sharedFlight(store.flights, key, readEntry, runAndStore)
 */
export async function sharedFlight(
  flights: FlightRepo,
  key: string,
  /** The stored entry, if any. */
  lookup: () => Promise<RunResult | undefined>,
  /** Runs the query and stores its entry. */
  runAndStore: () => Promise<RunResult>,
): Promise<RunResult> {
  let watch
  try {
    watch = await flights.watch(key)
  } catch {
    return runAndStore()
  }
  try {
    const deadline = Date.now() + FLIGHT_WAIT_MS
    for (;;) {
      const holder = randomUUID()
      if (await flights.claim(key, holder, new Date(), new Date(Date.now() + FLIGHT_LEASE_MS)))
        return await asClaimer(flights, key, holder, lookup, runAndStore)
      const outcome = await watch.next(Math.min(FLIGHT_POLL_MS, deadline - Date.now()))
      if (outcome === 'failed') return await runAndStore()
      const stored = await lookup()
      if (stored !== undefined) return stored
      // Done but no entry (it expired at once), or waited long enough: run it ourselves.
      if (outcome === 'done' || Date.now() >= deadline) return await runAndStore()
      // Not told yet: claim again (the claimer may have died) or wait on.
    }
  } finally {
    watch.close()
  }
}

async function asClaimer(
  flights: FlightRepo,
  key: string,
  holder: string,
  lookup: () => Promise<RunResult | undefined>,
  runAndStore: () => Promise<RunResult>,
): Promise<RunResult> {
  let outcome: FlightOutcome = 'failed'
  const renew = setInterval(() => {
    flights.claim(key, holder, new Date(), new Date(Date.now() + FLIGHT_LEASE_MS)).catch(() => {})
  }, FLIGHT_LEASE_MS / 3)
  try {
    // The claim may be free because a claimer just finished: its entry is then there to read.
    const result = (await lookup()) ?? (await runAndStore())
    outcome = 'done'
    return result
  } finally {
    clearInterval(renew)
    // Not told, the waiters find out at their next poll.
    await flights.finish(key, holder, outcome).catch(() => {})
  }
}
