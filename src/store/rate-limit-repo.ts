import { sql } from 'kysely'
import type { StoreContext } from './context.js'
import type { RateLimitRepo } from './types.js'

/**
 * Fixed-window counters in the store (issue 10): sign-in attempts, Refresh presses and API runs are
 * counted per client or user across every server on one database, not per process. A hit is one
 * upsert whose new values are computed from the old row in SQL, so two servers cannot both read
 * "9 of 10" and both let the 10th through.
 */
export class SqlRateLimitRepo implements RateLimitRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async hit(
    key: string,
    max: number,
    windowMs: number,
    now: Date,
  ): Promise<{ allowed: boolean; retryAfterMs: number }> {
    const at = now.getTime()
    const resetAt = at + windowMs
    const row = await this.#context.run('rateLimits.hit', 'write', () =>
      this.#context.db
        .insertInto('rate_limits')
        .values({ key, hits: 1, reset_at: resetAt })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            // Both right-hand sides read the row as it was (SQL's rule for SET), on both dialects.
            hits: sql<number>`case when rate_limits.reset_at <= ${at} then 1 else rate_limits.hits + 1 end`,
            reset_at: sql<number>`case when rate_limits.reset_at <= ${at} then ${resetAt} else rate_limits.reset_at end`,
          }),
        )
        .returning(['hits', 'reset_at'])
        .executeTakeFirstOrThrow(),
    )
    const hits = Number(row.hits)
    return { allowed: hits <= max, retryAfterMs: Math.max(0, Number(row.reset_at) - at) }
  }

  async purge(now: Date): Promise<number> {
    return this.#context.run('rateLimits.purge', 'write', async () => {
      const result = await this.#context.db
        .deleteFrom('rate_limits')
        .where('reset_at', '<=', now.getTime())
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    })
  }
}
