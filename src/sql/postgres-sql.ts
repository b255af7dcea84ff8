import pg from 'pg'
import type { PostgresDatasource } from '../domain/datasource.js'
import type { BoundSql, SqlValue } from './bind-sql.js'
import { exactDecimal, exactInteger, isoTimestamp, jsonFloat } from './json-types.js'
import { sqlError } from './sql-errors.js'
import { urlWithFields } from '../domain/database-url.js'
import type { ReadOptions, SqlDriver, SqlRow } from './sql-driver.js'

/**
 * PostgreSQL through `pg`. Rows stream from a named portal a batch at a time
 * (the extended protocol's Execute with a row count, as pg-cursor does), so a
 * large result never sits in memory. Each statement runs in `BEGIN READ ONLY`
 * with `SET LOCAL statement_timeout`, and timestamps are read in UTC.
 *
 * The server times the statement from Parse to Sync, so the timeout covers the
 * whole streamed read, including time a slow consumer takes between batches.
 */

/** Connecting (and TLS, and login) has its own limit, apart from the statement timeout. */
const CONNECT_TIMEOUT_MS = 10_000

type Parser = (text: string) => unknown

/** Type OIDs (pg_type.oid) whose JSON form differs from pg's defaults; see json-types.ts. */
const PARSERS: Readonly<Record<number, Parser>> = {
  20: exactInteger, // int8
  1700: exactDecimal, // numeric
  700: (text) => jsonFloat(Number(text)), // float4
  701: (text) => jsonFloat(Number(text)), // float8
  1114: isoTimestamp, // timestamp
  1184: isoTimestamp, // timestamptz
  1082: (text) => text, // date: as is, never shifted by a local time zone
  1083: (text) => text, // time
  1266: (text) => text, // timetz
  1186: (text) => text, // interval
  790: (text) => text, // money
  17: (text) => Buffer.from(text.slice(2), 'hex').toString('base64'), // bytea, hex output (\x…)
  114: (text) => JSON.parse(text) as unknown, // json
  3802: (text) => JSON.parse(text) as unknown, // jsonb
}

/** Arrays: pg's own parser for the array, our parser for its elements. */
const ARRAYS: Readonly<Record<number, number>> = {
  1016: 20,
  1231: 1700,
  1115: 1114,
  1185: 1184,
  1182: 1082,
  1001: 17,
}

function parserFor(oid: number): Parser {
  const own = PARSERS[oid]
  if (own) return own
  const element = ARRAYS[oid]
  if (element !== undefined) {
    const parse = PARSERS[element] as Parser
    const parseArray = pg.types.getTypeParser(1009 as never, 'text') as (text: string) => unknown // text[]
    const map = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(map) : value === null ? null : parse(value as string)
    return (text) => map(parseArray(text))
  }
  return pg.types.getTypeParser(oid as never, 'text') as Parser
}

interface Field {
  readonly name: string
  readonly dataTypeID: number
}

let portals = 0

/**
 * A named portal read `rows` at a time: pg's client hands this object the
 * backend's messages (the Submittable protocol; pg-cursor is the reference).
 */
class PortalReader implements pg.Submittable {
  readonly #text: string
  readonly #values: (string | null)[]
  readonly #types: number[]
  readonly #portal = `quarry_${++portals}`
  #connection: pg.Connection | undefined
  #fields: Field[] = []
  #parsers: Parser[] = []
  #rows: SqlRow[] = []
  #error: unknown
  #complete = false
  /** close() sent Close + Sync: no further Sync may go out (each Sync gets a ReadyForQuery). */
  #closing = false
  #described: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void }
  #batch: { resolve: (rows: SqlRow[]) => void; reject: (error: unknown) => void } | undefined
  #ready: { promise: Promise<void>; resolve: () => void }

  constructor(bound: BoundSql) {
    this.#text = bound.text
    this.#values = bound.values.map(textValue)
    this.#types = bound.values.map(typeOid)
    this.#described = Promise.withResolvers<void>()
    this.#described.promise.catch(() => undefined)
    this.#ready = Promise.withResolvers<void>()
  }

  submit(connection: pg.Connection): void {
    this.#connection = connection
    connection.parse({ text: this.#text, types: this.#types } as never, true)
    connection.bind({ portal: this.#portal, values: this.#values } as never, true)
    connection.describe({ type: 'P', name: this.#portal }, true)
    connection.flush()
    const noData = () => this.#described.resolve()
    connection.once('noData', noData)
    this.#ready.promise.finally(() => connection.removeListener('noData', noData)).catch(() => undefined)
  }

  handleRowDescription(message: { fields: Field[] }): void {
    this.#fields = message.fields
    this.#parsers = message.fields.map((field) => parserFor(field.dataTypeID))
    this.#described.resolve()
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    const row: SqlRow = {}
    const values = message.fields
    for (let i = 0; i < values.length; i++) {
      const text = values[i]
      row[(this.#fields[i] as Field).name] = text == null ? null : (this.#parsers[i] as Parser)(text)
    }
    this.#rows.push(row)
  }

  handlePortalSuspended(): void {
    this.#deliver()
  }

  handleCommandComplete(): void {
    this.#complete = true
    if (!this.#closing) {
      this.#connection?.close({ type: 'P', name: this.#portal }, true)
      this.#connection?.sync()
    }
    this.#deliver()
  }

  handleEmptyQuery(): void {
    this.#complete = true
    this.#connection?.sync()
    this.#described.resolve()
    this.#deliver()
  }

  handleReadyForQuery(): void {
    this.#ready.resolve()
  }

  handleError(error: unknown): void {
    // pg's client forgets this reader before calling here: no ReadyForQuery will come to it.
    this.#error = error
    this.#complete = true
    this.#described.reject(error)
    this.#batch?.reject(error)
    this.#batch = undefined
    // After an error the server skips to the next Sync: close() may have sent it already.
    if (!this.#closing) this.#connection?.sync()
    this.#ready.resolve()
  }

  #deliver(): void {
    const rows = this.#rows
    this.#rows = []
    this.#batch?.resolve(rows)
    this.#batch = undefined
  }

  /** The next batch of at most `count` rows; an empty batch when the portal is exhausted. */
  async read(count: number): Promise<SqlRow[]> {
    await this.#described.promise
    if (this.#error !== undefined) throw this.#error
    if (this.#complete) return []
    const batch = Promise.withResolvers<SqlRow[]>()
    this.#batch = batch
    this.#connection?.execute({ portal: this.#portal, rows: count } as never, true)
    this.#connection?.flush()
    return batch.promise
  }

  get complete(): boolean {
    return this.#complete
  }

  /**
   * Closes the portal if rows are left, and waits until the connection is free again. A batch
   * still in flight is fine: the server answers in order — its rows, then Close, then Sync.
   */
  async close(): Promise<void> {
    if (!this.#complete && this.#connection) {
      await this.#described.promise.catch(() => undefined)
      if (!this.#complete && this.#error === undefined) {
        this.#closing = true
        this.#complete = true
        this.#connection.close({ type: 'P', name: this.#portal }, true)
        this.#connection.sync()
      }
    }
    if (this.#connection) await this.#ready.promise
  }
}

/**
 * Parameter types for Parse: numbers and booleans are declared (int8, numeric, bool), so `age < :limit`
 * with 40.5 compares as numeric instead of failing as an int4 the server inferred from `age`; text stays
 * untyped (0), so the server reads it as whatever the context needs — a date, a timestamptz, an enum.
 */
function typeOid(value: SqlValue): number {
  if (typeof value === 'boolean') return 16
  if (typeof value === 'number') return Number.isInteger(value) ? 20 : 1700
  return 0
}

function textValue(value: SqlValue): string | null {
  if (value === null) return null
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return String(value)
}

function poolConfig(datasource: PostgresDatasource): pg.PoolConfig {
  const ssl =
    datasource.tls.mode === 'disable'
      ? false
      : datasource.tls.mode === 'require'
        ? { rejectUnauthorized: false }
        : { rejectUnauthorized: true, ...(datasource.tls.ca ? { ca: datasource.tls.ca } : {}) }
  return {
    ...(datasource.url ? { connectionString: urlWithFields(datasource) } : {}),
    ...(datasource.host ? { host: datasource.host } : {}),
    ...(datasource.port ? { port: datasource.port } : {}),
    ...(datasource.database ? { database: datasource.database } : {}),
    ...(datasource.user ? { user: datasource.user } : {}),
    ...(datasource.password ? { password: datasource.password } : {}),
    ssl,
    max: datasource.poolSize,
    // The CLI must exit as soon as a run ends, even before close().
    allowExitOnIdle: true,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'quarry',
  }
}

/**
 * A driver for one PostgreSQL datasource.
 *
 * @example const driver = postgresDriver(datasource); for await (const rows of driver.read(bound, { batchRows: 1000 })) …
 */
export function postgresDriver(datasource: PostgresDatasource): SqlDriver {
  const pool = new pg.Pool(poolConfig(datasource))
  // An idle client whose server went away must not crash the process; the next checkout reconnects.
  pool.on('error', () => undefined)
  const connect = async () => {
    try {
      return await pool.connect()
    } catch (error) {
      throw sqlError(datasource, error)
    }
  }
  const begin = [
    datasource.readOnly ? 'BEGIN READ ONLY' : 'BEGIN',
    // Integers validated by the schema: SET takes no bound parameters.
    `SET LOCAL statement_timeout = ${datasource.statementTimeoutMs}`,
    `SET LOCAL TIME ZONE 'UTC'`,
  ].join('; ')
  return {
    async *read(bound: BoundSql, options: ReadOptions) {
      const client = await connect()
      if (options.signal?.aborted) {
        client.release()
        throw options.signal.reason
      }
      let committed = false
      let broken: Error | undefined
      const abort = () => {
        broken = new Error('aborted')
        client.release(broken)
      }
      options.signal?.addEventListener('abort', abort, { once: true })
      const reader = new PortalReader(bound)
      try {
        await client.query(begin)
        client.query(reader)
        // The next batch is asked for before this one is handed on: the server sends while we render.
        let next = reader.read(options.batchRows)
        for (;;) {
          const rows = await next
          if (reader.complete) {
            if (rows.length > 0) yield rows
            break
          }
          next = reader.read(options.batchRows)
          next.catch(() => undefined)
          yield rows
        }
        await reader.close()
        await client.query('COMMIT')
        committed = true
      } catch (error) {
        broken = error instanceof Error ? error : new Error(String(error))
        // Aborted by the caller: the dropped connection's error is not the news.
        if (options.signal?.aborted) throw options.signal.reason
        throw sqlError(datasource, error)
      } finally {
        options.signal?.removeEventListener('abort', abort)
        if (!options.signal?.aborted) {
          if (!committed) {
            // Stopped early (row limit, consumer gone) or failed: end the portal and the transaction,
            // so the connection goes back to the pool outside any transaction.
            await reader.close().catch(() => undefined)
            await client.query('ROLLBACK').catch(() => (broken ??= new Error('rollback failed')))
            client.release(broken instanceof Error && !isServerError(broken) ? broken : undefined)
          } else {
            client.release()
          }
        }
      }
    },
    async version() {
      const client = await connect()
      try {
        const result = await client.query<{ version: string }>('SELECT version() AS version')
        return (result.rows[0]?.version ?? '').split(' on ')[0] ?? ''
      } catch (error) {
        throw sqlError(datasource, error)
      } finally {
        client.release()
      }
    },
    close: () => pool.end(),
  }
}

/** An error the server sent (the connection is fine after ROLLBACK), as opposed to a broken socket. */
function isServerError(error: Error): boolean {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)
}
