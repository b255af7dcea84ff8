import type { StoreContext } from './context.js'
import { fromDbTime, toDbTime } from './schema.js'
import type { CacheEntry, CacheRepo } from './types.js'

/**
 * The result cache: text values by key, each with the time it was stored and the time it expires.
 * Values are not secret (they are what a query shows), so they are stored as they are.
 *
 * @example
 * await store.cache.set(key, rowsJson, now, new Date(now.getTime() + 5 * 60_000))
 * const hit = await store.cache.get(key, new Date())
 */
export class SqlCacheRepo implements CacheRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async get(key: string, now: Date): Promise<CacheEntry | undefined> {
    const at = toDbTime(now, 'now')
    return this.#context.run('cache.get', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('cache')
        .selectAll()
        .where('key', '=', key)
        .where('expires_at', '>', at)
        .executeTakeFirst()
      if (row === undefined) return undefined
      return Object.freeze({
        value: row.value,
        storedAt: fromDbTime(row.stored_at),
        expiresAt: fromDbTime(row.expires_at),
      })
    })
  }

  async set(key: string, value: string, storedAt: Date, expiresAt: Date): Promise<void> {
    const entry = {
      value,
      stored_at: toDbTime(storedAt, 'storedAt'),
      expires_at: toDbTime(expiresAt, 'expiresAt'),
    }
    return this.#context.run('cache.set', 'write', async () => {
      await this.#context.db
        .insertInto('cache')
        .values({ key, ...entry })
        .onConflict((conflict) => conflict.column('key').doUpdateSet(entry))
        .execute()
    })
  }

  async purgeExpired(now: Date): Promise<number> {
    const at = toDbTime(now, 'now')
    return this.#context.run('cache.purgeExpired', 'write', async () => {
      const result = await this.#context.db
        .deleteFrom('cache')
        .where('expires_at', '<=', at)
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    })
  }
}
