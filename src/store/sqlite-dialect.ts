import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite'
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from 'kysely'
import { StoreError } from './errors.js'
import { retryWhileBusy } from './retry.js'
import type { Database } from './schema.js'

/** Prepared statements kept per connection. */
const MAX_PREPARED = 500

/** SQLite's result code for "file is not a database". */
const SQLITE_NOTADB = 26

/**
 * Adapts node:sqlite's DatabaseSync to the better-sqlite3-shaped interface Kysely's SqliteDialect
 * expects. `reader` tells Kysely whether to call `all` (rows come back: SELECT, PRAGMA, … RETURNING)
 * or `run` (changes and last rowid come back); a statement reads exactly when it has result columns.
 *
 * @example
 * const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: nodeSqliteDatabase(db) }) })
 */
export function nodeSqliteDatabase(database: DatabaseSync): SqliteDatabase {
  // Kysely prepares every statement it runs; the store runs the same few hundred texts over and over,
  // and compiling one is most of a small query's cost. Bounded, in case a caller builds texts freely.
  const prepared = new Map<string, StatementSync>()
  const values = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[]
  return {
    close() {
      prepared.clear()
      if (database.isOpen) database.close()
    },
    prepare(sql: string): SqliteStatement {
      let statement = prepared.get(sql)
      if (statement === undefined) {
        statement = database.prepare(sql)
        if (prepared.size >= MAX_PREPARED) prepared.clear()
        prepared.set(sql, statement)
      }
      const ready = statement
      return {
        reader: ready.columns().length > 0,
        all: (parameters) => ready.all(...values(parameters)),
        run: (parameters) => ready.run(...values(parameters)),
        iterate: (parameters) => ready.iterate(...values(parameters)),
      }
    },
  }
}

/**
 * Kysely's SqliteDriver, except that transactions start with BEGIN IMMEDIATE. A deferred BEGIN takes
 * the write lock only at the first write; if another process wrote in between, SQLite answers
 * SQLITE_BUSY_SNAPSHOT, which no amount of waiting fixes. IMMEDIATE takes the write lock up front, so
 * the only place a transaction can meet "database is locked" is its first statement, and retrying the
 * whole transaction from there is safe (context.ts does it, outside Kysely's connection mutex).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

/**
 * Kysely's SqliteDialect over node:sqlite, with BEGIN IMMEDIATE transactions.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new NodeSqliteDialect(new DatabaseSync('quarry.db')) })
 */
export class NodeSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig

  constructor(database: DatabaseSync) {
    const config = { database: nodeSqliteDatabase(database) }
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}

/** One open SQLite connection: the raw handle (for BEGIN/COMMIT by hand) and Kysely over it. */
export interface SqliteHandle {
  readonly path: string
  readonly database: DatabaseSync
  readonly db: Kysely<Database>
}

/**
 * Opens (creating if needed) the SQLite store at `path` with WAL and foreign keys on. The directory is
 * created with mode 0700 and a new file with mode 0600: the file holds datasource configuration in
 * plain text next to the encrypted secrets. Waits (asynchronously) up to `busyTimeoutMs` when another
 * process holds the file locked while WAL is switched on.
 *
 * Durability stays at SQLite's default (synchronous=FULL): a committed token rotation must survive a
 * power cut, or the old refresh token would be used after a newer one exists (the token invariant).
 *
 * @example
 * const { db } = await openSqlite('/tmp/quarry.db', 30_000)
 */
export async function openSqlite(path: string, busyTimeoutMs: number): Promise<SqliteHandle> {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) {
    throw new StoreError(
      'QUARRY_STORE_OPEN_FAILED',
      `SQLite store path "${path}" is not a file path: the store needs a file that several connections ` +
        `(and processes) can open. Use a path such as /tmp/quarry-test.db.`,
    )
  }
  const absolute = resolve(path)
  const directory = dirname(absolute)
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 })
  } catch (error) {
    throw new StoreError(
      'QUARRY_STORE_OPEN_FAILED',
      `Cannot open the SQLite store ${absolute}: its directory ${directory} does not exist and cannot be ` +
        `created (${reason(error)}). Create it, or choose another path with --db.`,
      { cause: error },
    )
  }
  try {
    // 'wx' creates with our mode or fails with EEXIST; SQLite's -wal and -shm files copy the mode.
    closeSync(openSync(absolute, 'wx', 0o600))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new StoreError(
        'QUARRY_STORE_OPEN_FAILED',
        `Cannot create the SQLite store ${absolute} (${reason(error)}). Check the permissions of ${directory}, ` +
          `or choose another path with --db.`,
        { cause: error },
      )
    }
  }

  let database: DatabaseSync
  try {
    // timeout 0: never let SQLite sleep synchronously on a lock (see retry.ts).
    database = new DatabaseSync(absolute, { timeout: 0, enableForeignKeyConstraints: true })
  } catch (error) {
    throw new StoreError(
      'QUARRY_STORE_OPEN_FAILED',
      `Cannot open the SQLite store ${absolute} (${reason(error)}). Check that it is a file you can read and ` +
        `write, or choose another path with --db.`,
      { cause: error },
    )
  }
  try {
    await retryWhileBusy(
      () => {
        database.prepare('pragma journal_mode = wal').get()
        database.exec('pragma foreign_keys = on')
      },
      Date.now() + busyTimeoutMs,
      (cause) =>
        new StoreError(
          'QUARRY_STORE_BUSY',
          `The SQLite store ${absolute} stayed locked by another process for ${busyTimeoutMs / 1000} s while ` +
            `opening it. Try again when the other Quarry process has finished.`,
          { cause },
        ),
    )
  } catch (error) {
    database.close()
    if (error instanceof StoreError) throw error
    const notADatabase = (error as { errcode?: number }).errcode === SQLITE_NOTADB
    throw new StoreError(
      'QUARRY_STORE_OPEN_FAILED',
      notADatabase
        ? `${absolute} is not a SQLite database (SQLite says: ${reason(error)}). Point --db at a Quarry ` +
            `store or at a path that does not exist yet.`
        : `Cannot open the SQLite store ${absolute} (${reason(error)}). Check the file and its permissions, ` +
            `or choose another path with --db.`,
      { cause: error },
    )
  }
  const db = new Kysely<Database>({ dialect: new NodeSqliteDialect(database) })
  return { path: absolute, database, db }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
