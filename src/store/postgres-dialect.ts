import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { redactDatabaseUrl } from '../domain/database-url.js'
import { StoreError } from './errors.js'
import type { Database } from './schema.js'

/** A PostgreSQL store: Kysely over a pg pool, and the schema its tables live in. */
export interface PostgresHandle {
  readonly db: Kysely<Database>
  /** The URL without its password, for messages. */
  readonly where: string
  /** current_schema() at connect time: where the tables (and the migration tables) live. */
  readonly schema: string
}

/**
 * Connects to PostgreSQL at `url` (postgres:// or postgresql://) and checks that it answers, so that a
 * wrong URL fails here with the host, port and the driver's reason instead of at the first query.
 *
 * @example
 * const { db, schema } = await openPostgres('postgres://postgres@127.0.0.1:5432/quarry')
 */
export async function openPostgres(url: string): Promise<PostgresHandle> {
  const where = redactDatabaseUrl(url)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (error) {
    throw new StoreError(
      'QUARRY_STORE_URL_INVALID',
      `The database URL ${where} cannot be parsed. Expected postgres://USER:PASSWORD@HOST:PORT/DATABASE ` +
        `(percent-encode special characters in the password).`,
      { cause: error },
    )
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StoreError(
      'QUARRY_STORE_URL_INVALID',
      `The database URL ${where} is not a PostgreSQL URL: it must start with postgres:// or postgresql://.`,
    )
  }
  const hostPort = `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`
  const password = safeDecode(parsed.password)

  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: 'quarry',
  })
  // An idle client whose server went away emits 'error' on the pool; unhandled, that would end the
  // process. The next query that needs a connection reports the failure instead.
  pool.on('error', () => {})

  let schema: string | null
  try {
    const result = await pool.query<{ schema: string | null }>('select current_schema() as schema')
    schema = result.rows[0]?.schema ?? null
  } catch (error) {
    await pool.end().catch(() => {})
    throw new StoreError(
      'QUARRY_STORE_UNREACHABLE',
      `Cannot connect to PostgreSQL at ${hostPort} (${where}): ${scrub(driverReason(error), password)}. ` +
        `Check that the server is running and that QUARRY_DATABASE_URL is right.`,
      { cause: error },
    )
  }
  if (schema === null) {
    await pool.end().catch(() => {})
    throw new StoreError(
      'QUARRY_STORE_OPEN_FAILED',
      `PostgreSQL at ${hostPort} (${where}) has no schema on the search_path that exists. Create the ` +
        `schema, or set search_path (e.g. ?options=-c%20search_path%3Dquarry in the URL).`,
    )
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return { db, where, schema }
}

/** The driver's reason in a few words. Node reports "localhost" failures as an AggregateError with no message. */
function driverReason(error: unknown): string {
  if (error instanceof AggregateError && error.message === '')
    return error.errors.map((inner: unknown) => driverReason(inner)).join('; ')
  if (error instanceof Error) return error.message || error.name
  return String(error)
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** A driver message should never contain the password, but a short one could appear by chance in a reason; be sure. */
function scrub(message: string, password: string): string {
  return password.length >= 4 ? message.replaceAll(password, '***') : message
}
