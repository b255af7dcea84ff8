import type { BoundSql } from './bind-sql.js'

/** A row as JSON values (see json-types.ts), column name → value. */
export type SqlRow = Record<string, unknown>

export interface ReadOptions {
  /** Rows fetched from the server per round trip (and handed on per batch). */
  readonly batchRows: number
  readonly signal?: AbortSignal
}

/**
 * One dialect's connection handling, the same shape for each (postgres-sql.ts,
 * mysql-sql.ts, sqlite-sql.ts): a pool opened lazily, a read that streams
 * batches of rows inside a (read-only) transaction with the datasource's
 * statement timeout, and a close that lets the process exit.
 */
export interface SqlDriver {
  /**
   * Runs one bound statement and yields its rows in batches as they arrive.
   * Stopping early (a `return` from the consumer, the row limit) ends the
   * statement on the server and gives the connection back.
   */
  read(bound: BoundSql, options: ReadOptions): AsyncGenerator<SqlRow[], void, undefined>
  /** The server's version text, e.g. "PostgreSQL 17.2" or "11.8.3-MariaDB". */
  version(): Promise<string>
  close(): Promise<void>
}
