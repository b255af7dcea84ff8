import type { FlightClaim, FlightRepo } from '../store/index.js'
import type { RunResult } from './result.js'

/**
 * How often a waiter looks for the entry and tries the claim without being told: it finds a claimer
 * that died (its claim went with its connection) or an announcement it missed (its own connection to
 * the store broke) this soon.
 */
export const FLIGHT_POLL_MS = 500
/** How long a waiter waits for a live claimer in all (an upstream that slow): then it runs the query itself. */
export const FLIGHT_WAIT_MS = 60_000

/**
 * Single flight across the servers of one store (issue 18): of the servers missing the same cache
 * entry at once, one claims the run (FlightRepo.claim), runs it and stores the entry; the others wait
 * for its announcement and read the entry. Never a hang: a claimer that fails wakes the waiters, who
 * then run the query themselves (so each reports its own coded error, or its own rows); a claimer that
 * dies loses its claim with its connection, found by the next poll (FLIGHT_POLL_MS); and a waiter gives
 * up waiting after FLIGHT_WAIT_MS. When the claims cannot be reached (the store is down), the run goes
 * ahead alone.
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
      const claim = await flights.claim(key).catch(() => null)
      if (claim === null) return await runAndStore()
      if (claim !== undefined) return await asClaimer(claim, lookup, runAndStore)
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
  claim: FlightClaim,
  lookup: () => Promise<RunResult | undefined>,
  runAndStore: () => Promise<RunResult>,
): Promise<RunResult> {
  let ended: 'done' | 'failed' = 'failed'
  try {
    // The claim may be free because a claimer just finished: its entry is then there to read.
    const result = (await lookup()) ?? (await runAndStore())
    ended = 'done'
    return result
  } finally {
    // Not told, the waiters find out at their next poll.
    await claim.finish(ended).catch(() => {})
  }
}
