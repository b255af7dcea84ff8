import { setTimeout as sleep } from 'node:timers/promises'

/** SQLite's primary result code for "another connection holds the lock" (extended codes share the low byte). */
const SQLITE_BUSY = 5

/**
 * True for node:sqlite's "database is locked" (SQLITE_BUSY and its extended codes). Such a statement
 * had no effect, so running it again is safe.
 *
 * @example
 * isSqliteBusy(Object.assign(new Error('database is locked'), { errcode: 5 })) // true
 */
export function isSqliteBusy(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const errcode = (error as { errcode?: unknown }).errcode
  return typeof errcode === 'number' && (errcode & 0xff) === SQLITE_BUSY
}

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY, sleeping between tries without blocking the
 * event loop. SQLite's own busy_timeout would sleep synchronously inside the driver call and freeze
 * every other task of the process (a server, a progress bar) for as long as another process holds the
 * lock — for the token lock that can be a whole token refresh. Sleeps grow from 2 ms to 100 ms with full
 * jitter so that several waiting processes do not retry in lockstep.
 *
 * `onTimeout` builds the error thrown once `deadline` (a `Date.now()` value) has passed.
 *
 * @example
 * await retryWhileBusy(() => connection.executeQuery(query), Date.now() + 30_000, () => new Error('busy'))
 */
export async function retryWhileBusy<T>(
  attempt: () => Promise<T> | T,
  deadline: number,
  onTimeout: (cause: unknown) => Error,
): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await attempt()
    } catch (error) {
      if (!isSqliteBusy(error)) throw error
      const left = deadline - Date.now()
      if (left <= 0) throw onTimeout(error)
      const ceiling = Math.min(100, 2 * 2 ** Math.min(round, 6))
      await sleep(Math.min(left, 1 + Math.random() * ceiling))
    }
  }
}
