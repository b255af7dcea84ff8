import type { Readable } from 'node:stream'
import mysql from 'mysql2'
import type { MysqlDatasource } from '../domain/datasource.js'
import type { BoundSql } from './bind-sql.js'
import { exactDecimal, isoTimestamp, jsonFloat, jsonValue, shortFloat32 } from './json-types.js'
import { sqlError } from './sql-errors.js'
import { urlWithFields } from '../domain/database-url.js'
import type { ReadOptions, SqlDriver, SqlRow } from './sql-driver.js'

/**
 * MySQL and MariaDB through `mysql2`. Statements are server-side prepared
 * (`execute`, the binary protocol), rows stream with back-pressure (the
 * connection pauses while a batch is handed on). Each statement runs in
 * `START TRANSACTION READ ONLY` with the session's statement time limit —
 * MariaDB's `max_statement_time` (seconds), MySQL's `max_execution_time` (ms,
 * SELECT only) — and timestamps are read in UTC.
 */

/** Column types (mysql2's Types) whose JSON form needs more than the driver's value. */
const DECIMAL = new Set([0, 246])
const FLOAT = 4
const DOUBLE = 5
const DATETIME = 12
const TIMESTAMP = 7

interface FieldPacket {
  readonly name: string
  readonly columnType: number
  readonly extendedTypeName?: string
}

type Convert = (value: unknown) => unknown

function converterFor(field: FieldPacket): Convert {
  if (DECIMAL.has(field.columnType)) return (v) => (typeof v === 'string' ? exactDecimal(v) : jsonValue(v))
  if (field.columnType === FLOAT) return (v) => (typeof v === 'number' ? shortFloat32(v) : jsonValue(v))
  if (field.columnType === DOUBLE) return (v) => (typeof v === 'number' ? jsonFloat(v) : jsonValue(v))
  if (field.columnType === DATETIME) return (v) => (typeof v === 'string' ? isoTimestamp(v) : jsonValue(v))
  // TIMESTAMP is stored in UTC and read in the session's zone, which Quarry sets to UTC.
  if (field.columnType === TIMESTAMP)
    return (v) => (typeof v === 'string' ? `${isoTimestamp(v)}${/\d$/.test(v) ? 'Z' : ''}` : jsonValue(v))
  // MariaDB stores JSON as LONGTEXT and says so only in its extended metadata.
  if (field.extendedTypeName === 'json')
    return (v) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : jsonValue(v))
  return jsonValue
}

function poolOptions(datasource: MysqlDatasource): mysql.PoolOptions {
  const ssl =
    datasource.tls.mode === 'disable'
      ? undefined
      : datasource.tls.mode === 'require'
        ? { rejectUnauthorized: false }
        : { rejectUnauthorized: true, ...(datasource.tls.ca ? { ca: datasource.tls.ca } : {}) }
  return {
    ...(datasource.url ? { uri: urlWithFields(datasource)?.replace(/^mariadb:/, 'mysql:') } : {}),
    ...(datasource.host ? { host: datasource.host } : {}),
    ...(datasource.port ? { port: datasource.port } : {}),
    ...(datasource.database ? { database: datasource.database } : {}),
    ...(datasource.user ? { user: datasource.user } : {}),
    ...(datasource.password ? { password: datasource.password } : {}),
    ...(ssl ? { ssl } : {}),
    connectionLimit: datasource.poolSize,
    // Exact types: big integers as text when unsafe, DATE/DATETIME/TIMESTAMP as text (no local-zone shift).
    supportBigNumbers: true,
    bigNumberStrings: false,
    dateStrings: true,
    connectTimeout: 10_000, // connecting has its own limit, apart from the statement timeout
    idleTimeout: 30_000,
  }
}

/**
 * A driver for one MySQL or MariaDB datasource.
 *
 * @example const driver = mysqlDriver(datasource); console.log(await driver.version())
 */
/** How many columns a statement's result has (0: it returns no rows), from preparing it. */
function resultColumns(connection: mysql.PoolConnection, text: string): Promise<number> {
  return new Promise((resolve, reject) =>
    connection.prepare(text, (error, statement) => {
      if (error) return reject(error)
      // mysql2 keeps prepared statements per connection: execute() reuses this one.
      // The typings leave it out, but the prepare answer carries the result's column definitions.
      resolve((statement as unknown as { columns: readonly unknown[] }).columns.length)
    }),
  )
}

/**
 * A row stream's rows, up to `size` at a time, taken with read() as they are buffered: one await per
 * batch rather than per row (an async iterator over the stream awaits each row). The stream's own
 * back-pressure (its highWaterMark) pauses the connection while a batch is handed on.
 */
async function* arrayBatches(stream: Readable, size: number): AsyncGenerator<unknown[][]> {
  let ended = false
  let failure: { error: unknown } | undefined
  let wake: (() => void) | undefined
  const notify = () => {
    const resume = wake
    wake = undefined
    resume?.()
  }
  const onEnd = () => {
    ended = true
    notify()
  }
  const onError = (error: unknown) => {
    failure ??= { error }
    notify()
  }
  const onClose = () => {
    if (!ended) failure ??= { error: new Error('the result stream closed before its end') }
    notify()
  }
  stream.on('readable', notify).on('end', onEnd).on('error', onError).on('close', onClose)
  try {
    let batch: unknown[][] = []
    for (;;) {
      if (failure) throw failure.error
      let row: unknown
      while (batch.length < size && (row = stream.read()) !== null) batch.push(row as unknown[])
      if (batch.length >= size) {
        yield batch
        batch = []
        continue
      }
      if (ended) break
      await new Promise<void>((resolve) => (wake = resolve))
    }
    if (batch.length > 0) yield batch
  } finally {
    stream.off('readable', notify).off('end', onEnd).off('error', onError).off('close', onClose)
  }
}

export function mysqlDriver(datasource: MysqlDatasource): SqlDriver {
  const pool = mysql.createPool(poolOptions(datasource))
  pool.on('connection', (connection) => {
    // Queued ahead of any statement on this connection. A failure here shows in the first statement instead.
    connection.query("SET time_zone = '+00:00'", () => undefined)
  })
  const connect = () =>
    new Promise<mysql.PoolConnection>((resolve, reject) =>
      pool.getConnection((error, connection) =>
        error ? reject(sqlError(datasource, error)) : resolve(connection),
      ),
    )
  const run = (connection: mysql.PoolConnection, text: string) =>
    new Promise<unknown>((resolve, reject) =>
      connection.query(text, (error, result) => (error ? reject(error) : resolve(result))),
    )
  let flavour: Promise<'mariadb' | 'mysql'> | undefined
  const timeoutStatement = async (connection: mysql.PoolConnection) => {
    flavour ??= run(connection, 'SELECT VERSION() AS v').then((rows) =>
      /mariadb/i.test(String((rows as { v: string }[])[0]?.v)) ? 'mariadb' : 'mysql',
    )
    return (await flavour) === 'mariadb'
      ? `SET SESSION max_statement_time = ${datasource.statementTimeoutMs / 1000}`
      : `SET SESSION max_execution_time = ${datasource.statementTimeoutMs}`
  }
  return {
    async *read(bound: BoundSql, options: ReadOptions) {
      const connection = await connect()
      if (options.signal?.aborted) {
        connection.release()
        throw options.signal.reason
      }
      let finished = false
      let rowStream: { destroy(error?: Error): void } | undefined
      const abort = () => {
        rowStream?.destroy(options.signal?.reason as Error)
        connection.destroy()
      }
      options.signal?.addEventListener('abort', abort, { once: true })
      try {
        await run(connection, await timeoutStatement(connection))
        // MySQL commits the open transaction before any DDL (TRUNCATE, DROP, ALTER …), so READ ONLY alone
        // would not stop it: a read-only datasource runs only statements that return rows, which the
        // server tells when it prepares the statement, before anything runs.
        if (datasource.readOnly && (await resultColumns(connection, bound.text)) === 0) {
          throw Object.assign(
            new Error('only statements that return rows (SELECT …) run on a read-only datasource'),
            {
              errno: 1792,
            },
          )
        }
        await run(connection, datasource.readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION')
        // Rows as arrays (no object per raw row), made our JSON-valued rows under their column names.
        const command = connection.execute({ sql: bound.text, rowsAsArray: true }, [...bound.values])
        let converters: Convert[] = []
        let names: string[] = []
        command.on('fields', (fields: FieldPacket[]) => {
          converters = fields.map(converterFor)
          names = fields.map((field) => field.name)
        })
        const stream = command.stream({ highWaterMark: options.batchRows })
        rowStream = stream
        for await (const raws of arrayBatches(stream, options.batchRows)) {
          const batch: SqlRow[] = new Array<SqlRow>(raws.length)
          for (let r = 0; r < raws.length; r++) {
            const raw = raws[r] as unknown[]
            const row: SqlRow = {}
            for (let i = 0; i < names.length; i++)
              row[names[i] as string] = (converters[i] as Convert)(raw[i])
            batch[r] = row
          }
          yield batch
        }
        await run(connection, 'COMMIT')
        finished = true
      } catch (error) {
        // Aborted by the caller: the dropped connection's error is not the news.
        if (options.signal?.aborted) throw options.signal.reason
        throw sqlError(datasource, error)
      } finally {
        options.signal?.removeEventListener('abort', abort)
        // Stopped early or failed: the rest of the result may still be in flight; the server ends a statement whose
        // connection is gone, so drop the connection rather than drain it.
        if (finished) connection.release()
        else connection.destroy()
      }
    },
    async version() {
      const connection = await connect()
      try {
        const rows = (await run(connection, 'SELECT VERSION() AS v')) as { v: string }[]
        const version = String(rows[0]?.v ?? '')
        return /mariadb/i.test(version) ? `MariaDB ${version}` : `MySQL ${version}`
      } catch (error) {
        throw sqlError(datasource, error)
      } finally {
        connection.release()
      }
    },
    close: () => new Promise<void>((resolve) => pool.end(() => resolve())),
  }
}
