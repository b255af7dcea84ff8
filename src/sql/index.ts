import { createHash } from 'node:crypto'
import type { SqlDatasource } from '../domain/datasource.js'
import type { ParamValue } from '../domain/params.js'
import type { ParamSpec } from '../domain/query.js'
import { bindSql, type BoundSql } from './bind-sql.js'
import type { SqlDriver, SqlRow } from './sql-driver.js'

/**
 * The SQL stage: a query's statement bound, run on the datasource's pool,
 * rows streamed out as JSON text in batches. The engine loads this module only
 * when a SQL query runs.
 */

export { bindSql, quoteIdentifier, type BoundSql, type SqlDialect } from './bind-sql.js'
export type { SqlDriver, SqlRow } from './sql-driver.js'

/** Rows per round trip and per batch handed on. */
export const BATCH_ROWS = 2000

/** Open drivers (connection pools), per datasource definition: an edited datasource gets a new pool. */
const drivers = new Map<string, Promise<SqlDriver>>()
/** The definition each datasource name last used, so an edit closes the pool of the old one. */
const current = new Map<string, { readonly key: string; readonly timeoutMs: number }>()

function driverKey(datasource: SqlDatasource): string {
  return createHash('sha256').update(JSON.stringify(datasource)).digest('base64url')
}

/**
 * The datasource's driver, its pool opened on first use and shared after.
 *
 * @example const driver = await sqlDriver(datasource); console.log(await driver.version())
 */
export function sqlDriver(datasource: SqlDatasource): Promise<SqlDriver> {
  const key = driverKey(datasource)
  let driver = drivers.get(key)
  if (!driver) {
    const previous = current.get(datasource.name)
    const stale = previous === undefined ? undefined : drivers.get(previous.key)
    if (previous !== undefined && stale) {
      drivers.delete(previous.key)
      // Closed once any read still running on it has hit its statement timeout at the latest.
      const grace = previous.timeoutMs + 5000
      setTimeout(() => stale.then((old) => old.close()).catch(() => undefined), grace).unref()
    }
    current.set(datasource.name, { key, timeoutMs: datasource.statementTimeoutMs })
    driver = load(datasource)
    drivers.set(key, driver)
    driver.catch(() => drivers.delete(key))
  }
  return driver
}

async function load(datasource: SqlDatasource): Promise<SqlDriver> {
  // Each driver module (and its npm package) is loaded only when a datasource of its kind is used.
  switch (datasource.type) {
    case 'postgres':
      return (await import('./postgres-sql.js')).postgresDriver(datasource)
    case 'mysql':
      return (await import('./mysql-sql.js')).mysqlDriver(datasource)
    case 'sqlite':
      return (await import('./sqlite-sql.js')).sqliteDriver(datasource)
  }
}

/** Closes every pool, so a CLI run can exit at once. */
export async function closeSqlDrivers(): Promise<void> {
  const open = [...drivers.values()]
  drivers.clear()
  current.clear()
  await Promise.all(open.map(async (driver) => (await driver.catch(() => undefined))?.close()))
}

export function bindFor(
  datasource: SqlDatasource,
  sql: string,
  specs: readonly ParamSpec[],
  values: ReadonlyMap<string, ParamValue>,
): BoundSql {
  return bindSql(datasource.type, sql, specs, values)
}

export interface SqlBatch {
  /** The batch's rows as JSON values (json-types.ts): handed on as they are where no text is needed. */
  readonly rows: readonly SqlRow[]
  /** The batch's rows as one JSON array text, made on first use (a CSV run streamed straight never needs it). */
  readonly rowsJson: string
  readonly rowCount: number
}

/** A batch whose JSON text is made only when asked for, once. */
function sqlBatch(rows: readonly SqlRow[]): SqlBatch {
  let json: string | undefined
  return {
    rows,
    get rowsJson() {
      return (json ??= JSON.stringify(rows))
    },
    rowCount: rows.length,
  }
}

/**
 * Runs a bound statement and yields its rows as JSON text, batch by batch, at
 * most `maxRows` of them; when the statement has more, `onLimit` is called
 * (so the caller can say so — never a silent truncation) and the statement is ended.
 *
 * @example for await (const batch of sqlRows(ds, bound, { maxRows: 1000, onLimit })) out.write(batch.rowsJson)
 */
export async function* sqlRows(
  datasource: SqlDatasource,
  bound: BoundSql,
  options: { readonly maxRows: number; readonly onLimit: () => void; readonly signal?: AbortSignal },
): AsyncGenerator<SqlBatch> {
  const driver = await sqlDriver(datasource)
  let total = 0
  for await (const rows of driver.read(bound, {
    batchRows: Math.min(BATCH_ROWS, options.maxRows + 1),
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    const room = options.maxRows - total
    if (rows.length > room) {
      // One row past the limit proves there are more: report it, keep exactly maxRows.
      if (room > 0) yield sqlBatch(rows.slice(0, room))
      options.onLimit()
      return
    }
    total += rows.length
    yield sqlBatch(rows)
  }
}
