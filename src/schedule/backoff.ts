import { nextFire } from '../domain/schedule.js'

/** How a failing schedule waits: doubling from `baseMs`, never more than `maxMs` (an upstream's Retry-After may ask for more). */
export interface BackoffPolicy {
  readonly baseMs: number
  readonly maxMs: number
}

/** 30 s, 1 min, 2 min … up to an hour between tries of a failing schedule. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 3600_000 }

/**
 * When a schedule runs again after its `failures`-th failure in a row. It tries again after the
 * backoff (and never before the upstream's Retry-After, treated as a minimum, as DESIGN.md asks of
 * 429s) when that comes before its next cron time; otherwise it waits for the first cron time at or
 * after then, so a failing every-minute schedule is not run every minute.
 *
 * @example
 * retryAt({ cron: '0 * * * *', timeZone: 'UTC', failures: 1, now: new Date('2026-12-03T10:00:05Z') })
 * // 2026-12-03T10:00:35.000Z: 30 s later, before the 11:00 run
 */
export function retryAt(options: {
  readonly cron: string
  readonly timeZone: string
  readonly failures: number
  readonly retryAfterSeconds?: number | undefined
  readonly now: Date
  readonly policy?: BackoffPolicy
}): Date | null {
  const { baseMs, maxMs } = options.policy ?? DEFAULT_BACKOFF
  const exponent = Math.min(Math.max(options.failures - 1, 0), 30)
  const backoffMs = Math.min(maxMs, baseMs * 2 ** exponent)
  const waitMs = Math.max(backoffMs, (options.retryAfterSeconds ?? 0) * 1000)
  const earliest = new Date(options.now.getTime() + waitMs)
  const scheduled = nextFire(options.cron, options.timeZone, options.now)
  if (scheduled === null || earliest.getTime() < scheduled.getTime()) return earliest
  // The first cron time at or after `earliest` (nextFire is strictly after its argument).
  return nextFire(options.cron, options.timeZone, new Date(earliest.getTime() - 1))
}
