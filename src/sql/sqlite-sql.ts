import { constants, DatabaseSync } from 'node:sqlite'
import type { SqliteDatasource } from '../domain/datasource.js'
import type { BoundSql } from './bind-sql.js'
import { jsonValue } from './json-types.js'
import { sqlError } from './sql-errors.js'
import type { ReadOptions, SqlDriver, SqlRow } from './sql-driver.js'

/**
 * SQLite files through Node's built-in `node:sqlite`. The file is opened
 * read-only (and `query_only`), so a write fails in SQLite itself. Integers are
 * read as bigint and mapped exactly (json-types.ts).
 *
 * node:sqlite cannot interrupt a running step, so the statement timeout is
 * checked between rows: a scan that returns rows stops in time, a single step
 * that computes for long (a huge aggregate) cannot be cut short. Rows are read
 * synchronously, a batch at a time, with the event loop free in between.
 */

const CHECK_EVERY = 256

/**
 * A driver for one SQLite datasource.
 *
 * @example const driver = sqliteDriver({ type: 'sqlite', path: 'data.db', … })
 */
/** The authorizer actions a read-only SQLite datasource allows (sqlite3_set_authorizer). */
const READ_ONLY_ACTIONS = new Set([
  constants.SQLITE_SELECT,
  constants.SQLITE_READ,
  constants.SQLITE_FUNCTION,
  constants.SQLITE_RECURSIVE,
  constants.SQLITE_TRANSACTION,
  constants.SQLITE_SAVEPOINT,
])

export function sqliteDriver(datasource: SqliteDatasource): SqlDriver {
  let db: DatabaseSync | undefined
  const open = (): DatabaseSync => {
    if (db) return db
    try {
      // No ATTACH ever: it would reach any database file the server can read (the store's included).
      db = new DatabaseSync(datasource.path, {
        readOnly: datasource.readOnly,
        timeout: 5_000,
        limits: { attach: 0 },
      })
      if (datasource.readOnly) {
        db.exec('PRAGMA query_only = ON')
        // Read-only means reading: selects, the columns and functions they use, CTEs and transactions.
        // Everything else (PRAGMA that could undo query_only, VACUUM INTO a new file, …) is refused by
        // SQLite itself before the statement runs.
        db.setAuthorizer((action) =>
          READ_ONLY_ACTIONS.has(action) ? constants.SQLITE_OK : constants.SQLITE_DENY,
        )
      }
      return db
    } catch (error) {
      throw sqlError(datasource, error)
    }
  }
  return {
    async *read(bound: BoundSql, options: ReadOptions) {
      const deadline = Date.now() + datasource.statementTimeoutMs
      let rows: Iterator<unknown>
      try {
        const statement = open().prepare(bound.text)
        statement.setReadBigInts(true)
        rows = statement.iterate(...(bound.values as (string | number | null)[]))
      } catch (error) {
        throw sqlError(datasource, error)
      }
      try {
        let batch: SqlRow[] = []
        let count = 0
        for (;;) {
          let next: IteratorResult<unknown>
          try {
            next = rows.next()
          } catch (error) {
            throw sqlError(datasource, error)
          }
          if (next.done) break
          const raw = next.value as Record<string, unknown>
          const row: SqlRow = {}
          for (const key in raw) row[key] = jsonValue(raw[key])
          batch.push(row)
          if (++count % CHECK_EVERY === 0 && Date.now() > deadline)
            throw sqlError(datasource, new Error(`statement timeout (${datasource.statementTimeoutMs} ms)`))

          if (batch.length >= options.batchRows) {
            yield batch
            batch = []
            // node:sqlite steps synchronously: let timers, sockets and an abort in between batches.
            await new Promise((resolve) => setImmediate(resolve))
            if (options.signal?.aborted) throw options.signal.reason
          }
        }
        if (batch.length > 0) yield batch
      } finally {
        // Resets the statement when the consumer stopped early.
        rows.return?.()
      }
    },
    async version() {
      const row = open().prepare('SELECT sqlite_version() AS v').get() as { v: string } | undefined
      return `SQLite ${row?.v ?? ''}`
    },
    async close() {
      db?.close()
      db = undefined
    },
  }
}
