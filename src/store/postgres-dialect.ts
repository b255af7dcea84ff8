import { Kysely } from 'kysely'
import pg from 'pg'
import { redactDatabaseUrl } from '../domain/database-url.js'
import { StoreError } from './errors.js'
import type { Database } from './schema.js'
import { SchemaPostgresDialect } from './postgres-introspector.js'
import { isConnectionLoss } from './sql-errors.js'

/**
 * How long a statement waits for a connection — a new one, or a free one of a busy pool — before it
 * fails with QUARRY_STORE_UNREACHABLE. With PostgreSQL down, a refused connection fails at once; this
 * bounds the case where nothing answers at all (docs/operator/store-outage.md).
 */
export const STORE_CONNECT_TIMEOUT_MS = 5_000
/** What a QUARRY_STORE_UNREACHABLE answer asks clients to wait before trying again (its Retry-After). */
export const STORE_RETRY_AFTER_SECONDS = 5

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

  const unreachable = (error: unknown): unknown =>
    isConnectionLoss(error)
      ? new StoreError(
          'QUARRY_STORE_UNREACHABLE',
          `The store's PostgreSQL at ${hostPort} cannot be reached: ${scrub(driverReason(error), password)}. ` +
            `Requests that need the store fail until it answers again; Quarry reconnects by itself, without ` +
            `a restart. Check that PostgreSQL is running and reachable from this host.`,
          { cause: error, retryAfterSeconds: STORE_RETRY_AFTER_SECONDS },
        )
      : error
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: STORE_CONNECT_TIMEOUT_MS,
    application_name: 'quarry',
    Client: storeClient(unreachable),
  })
  // A client whose server went away emits 'error': an idle one on the pool, which drops it; a checked-out
  // one (a transaction waiting for a token endpoint, say) on itself. Unheard, either would end the
  // process. The statement that next needs the connection fails with QUARRY_STORE_UNREACHABLE instead.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))

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
  const guarded = {
    connect: () => pool.connect().catch((error: unknown) => Promise.reject(unreachable(error))),
    end: () => pool.end(),
    options: pool.options,
  }
  const db = new Kysely<Database>({ dialect: new SchemaPostgresDialect({ pool: guarded }, schema) })
  return { db, where, schema }
}

/**
 * pg's Client, with every failed statement passed through `translate`: a lost server becomes
 * QUARRY_STORE_UNREACHABLE at the one place all of the store's statements go through, so no repository
 * (and no route) has to know pg's ways of saying it. Statements with a callback are left as they are.
 */
function storeClient(translate: (error: unknown) => unknown): typeof pg.Client {
  return class StoreClient extends pg.Client {
    override query(...args: unknown[]): never {
      const result: unknown = (super.query as (...args: unknown[]) => unknown)(...args)
      return (
        result instanceof Promise
          ? result.catch((error: unknown) => Promise.reject(translate(error)))
          : result
      ) as never
    }
  } as typeof pg.Client
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
