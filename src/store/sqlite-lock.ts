import { datasourceNotFound } from './datasource-repo.js'
import type { ConnectionKey } from './connection-key.js'
import type { LockBackend, LockTimeoutError } from './lock-backend.js'
import { retryWhileBusy } from './retry.js'
import { openSqlite, type SqliteHandle } from './sqlite-dialect.js'
import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * SQLite's lock: BEGIN IMMEDIATE on a connection of its own. IMMEDIATE takes SQLite's write lock at
 * once; it is held until COMMIT or ROLLBACK, by this connection only, and SQLite drops it when the
 * process dies. A connection of its own, because the store's main connection is shared by every task
 * of the process: holding a transaction open on it during a token refresh would stall them all.
 *
 * SQLite has one writer per database, so this lock covers every datasource at once: withLock on
 * another datasource (and any write) waits until the holder commits. Waiting is a loop of jittered
 * asynchronous sleeps (retry.ts), never SQLite's busy_timeout, which would block the event loop.
 *
 * The caller (connection-repo.ts) admits one withLock of the process at a time to this connection.
 *
 * @example
 * const backend = new SqliteLockBackend('/tmp/quarry.db', 30_000, timeoutError)
 * await backend.locked({ datasource: 'jira', user: '' }, Date.now() + 30_000, async (tx) => …)
 */
export class SqliteLockBackend implements LockBackend {
  readonly #path: string
  readonly #busyTimeoutMs: number
  readonly #timeout: LockTimeoutError
  #handle: Promise<SqliteHandle> | undefined

  constructor(path: string, busyTimeoutMs: number, timeout: LockTimeoutError) {
    this.#path = path
    this.#busyTimeoutMs = busyTimeoutMs
    this.#timeout = timeout
  }

  async locked<T>(
    key: ConnectionKey,
    deadline: number,
    body: (tx: Kysely<Database>) => Promise<T>,
  ): Promise<T> {
    const { database, db } = await this.#open()
    await retryWhileBusy(
      () => database.exec('begin immediate'),
      deadline,
      (cause) => this.#timeout(key, cause),
    )
    try {
      const known = await db
        .selectFrom('datasources')
        .select('name')
        .where('name', '=', key.datasource)
        .executeTakeFirst()
      if (known === undefined) throw datasourceNotFound(key.datasource)
      const result = await body(db)
      // In WAL mode COMMIT does not wait for anyone; where WAL is unavailable it may have to wait for
      // readers, and the transaction stays open meanwhile: wait with it rather than lose the save.
      await retryWhileBusy(
        () => database.exec('commit'),
        Date.now() + this.#busyTimeoutMs,
        (cause) => this.#timeout(key, cause),
      )
      return result
    } catch (error) {
      if (database.isTransaction) database.exec('rollback')
      throw error
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle
    this.#handle = undefined
    if (handle !== undefined) await (await handle.catch(() => undefined))?.db.destroy()
  }

  #open(): Promise<SqliteHandle> {
    if (this.#handle === undefined) {
      const opening = openSqlite(this.#path, this.#busyTimeoutMs)
      // A failed open is not remembered: the next withLock tries again.
      opening.catch(() => {
        if (this.#handle === opening) this.#handle = undefined
      })
      this.#handle = opening
    }
    return this.#handle
  }
}
