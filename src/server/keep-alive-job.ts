import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { refreshIdle } from '../auth/keep-alive.js'
import { pruneAllSnapshots } from '../engine/index.js'
import type { Store } from '../store/index.js'

const LEASE = 'keep-alive'

export interface KeepAliveJob {
  /** Runs one round now (if this process wins the lease); resolves to whether it ran. */
  runOnce(): Promise<boolean>
  stop(): Promise<void>
}

/**
 * The token invariant's rule 6 inside the server: every `intervalMs`, the process that takes the
 * store's keep-alive lease refreshes idle connections, so several servers on one PostgreSQL run it
 * once per round, not once each. The lease outlives a round, so a slow round is never run twice.
 */
export function startKeepAlive(
  store: Store,
  log: FastifyBaseLogger,
  options: { intervalMs: number; now?: () => Date },
): KeepAliveJob {
  const holder = randomUUID()
  const now = options.now ?? (() => new Date())
  let running: Promise<boolean> | undefined
  const runOnce = async (): Promise<boolean> => {
    const at = now()
    const won = await store.leases.take(LEASE, holder, at, new Date(at.getTime() + options.intervalMs - 1000))
    if (!won) return false
    for (const result of await refreshIdle(store, { now: () => now().getTime(), audience: 'ui' })) {
      if (
        result.outcome === 'refreshed' ||
        result.outcome === 'needs_consent' ||
        result.outcome === 'failed'
      ) {
        log.info(
          { datasource: result.datasource, user: result.user, outcome: result.outcome },
          `keep-alive: ${result.message}`,
        )
      }
    }
    // Rate-limit windows that ended are kept by nobody; the round that holds the lease sweeps them.
    await store.rateLimits.purge(now())
    // Snapshots past their query's maximum age go even when no new one is taken (issue 16).
    const pruned = await pruneAllSnapshots(store, now())
    if (pruned > 0) log.info({ pruned }, `maintenance: removed ${pruned} snapshots by their retention rules`)
    return true
  }
  const tick = () => {
    running ??= runOnce()
      .catch((error: unknown) => {
        log.error({ err: error }, 'keep-alive round failed')
        return false
      })
      .finally(() => {
        running = undefined
      })
  }
  const timer = setInterval(tick, options.intervalMs)
  timer.unref()
  return {
    runOnce,
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
