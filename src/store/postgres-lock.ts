import { sql, type Kysely } from 'kysely'
import { datasourceNotFound } from './datasource-repo.js'
import type { ConnectionKey } from './connection-key.js'
import type { LockBackend, LockTimeoutError } from './lock-backend.js'
import type { Database } from './schema.js'
import { isForeignKeyViolation, isLockNotAvailable } from './sql-errors.js'

/**
 * PostgreSQL's lock: SELECT … FOR UPDATE on the (datasource, user)'s connection row, in a transaction. Other
 * datasources' rows stay free. When no connection is stored yet, a lock-only row (version 0, no
 * tokens; readers skip it) is inserted first with ON CONFLICT DO NOTHING: of two transactions racing
 * to insert it, the second waits for the first to end and then finds the row, so both lock the same
 * row. If the row vanishes while we wait for it (the connection was removed, or the datasource
 * renamed), FOR UPDATE returns nothing; then we insert again and retry, because a lock on no row is no
 * lock. The deadline becomes the transaction's lock_timeout.
 *
 * @example
 * const backend = new PostgresLockBackend(db, timeoutError)
 * await backend.locked({ datasource: 'jira', user: '' }, Date.now() + 30_000, async (tx) => …)
 */
export class PostgresLockBackend implements LockBackend {
  readonly #db: Kysely<Database>
  readonly #timeout: LockTimeoutError

  constructor(db: Kysely<Database>, timeout: LockTimeoutError) {
    this.#db = db
    this.#timeout = timeout
  }

  locked<T>(key: ConnectionKey, deadline: number, body: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(async (tx) => {
      for (;;) {
        const wait = deadline - Date.now()
        if (wait <= 0) throw this.#timeout(key)
        await sql`select set_config('lock_timeout', ${`${Math.ceil(wait)}ms`}, true)`.execute(tx)
        try {
          await tx
            .insertInto('connections')
            .values({
              datasource: key.datasource,
              user_name: key.user,
              version: 0,
              tokens: null,
              status: 'needs_consent',
              updated_at: new Date().toISOString(),
            })
            .onConflict((conflict) => conflict.columns(['datasource', 'user_name']).doNothing())
            .execute()
          const row = await tx
            .selectFrom('connections')
            .select('version')
            .where('datasource', '=', key.datasource)
            .where('user_name', '=', key.user)
            .forUpdate()
            .executeTakeFirst()
          if (row !== undefined) break
        } catch (error) {
          if (isForeignKeyViolation(error)) throw datasourceNotFound(key.datasource)
          if (isLockNotAvailable(error)) throw this.#timeout(key, error)
          throw error
        }
      }
      // The holder's own statements must not time out on locks: it holds the one that matters. Nor may
      // the server end its transaction while it waits for a slow token endpoint (a deployment's
      // idle_in_transaction_session_timeout): the lock must outlast the request it guards.
      await sql`select set_config('lock_timeout', '0', true), set_config('idle_in_transaction_session_timeout', '0', true)`.execute(
        tx,
      )
      return body(tx)
    })
  }

  async close(): Promise<void> {
    // The lock shares the store's pool, which the store closes.
  }
}
