/**
 * Recognises constraint and lock errors of both drivers, so that repositories can turn them into
 * StoreErrors. The constraints are the last word on races: a check made before a write can be
 * overtaken by another process, the constraint cannot.
 */

// SQLite extended result codes (https://www.sqlite.org/rescode.html).
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555
const SQLITE_CONSTRAINT_UNIQUE = 2067
const SQLITE_CONSTRAINT_FOREIGNKEY = 787
// PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const PG_UNIQUE_VIOLATION = '23505'
const PG_FOREIGN_KEY_VIOLATION = '23503'
const PG_LOCK_NOT_AVAILABLE = '55P03'

function fields(error: unknown): { errcode?: unknown; code?: unknown } {
  return typeof error === 'object' && error !== null ? (error as { errcode?: unknown; code?: unknown }) : {}
}

/**
 * A primary-key or unique constraint refused the write.
 *
 * @example
 * if (isUniqueViolation(error)) throw new StoreError('QUARRY_QUERY_EXISTS', …)
 */
export function isUniqueViolation(error: unknown): boolean {
  const { errcode, code } = fields(error)
  return (
    errcode === SQLITE_CONSTRAINT_PRIMARYKEY ||
    errcode === SQLITE_CONSTRAINT_UNIQUE ||
    code === PG_UNIQUE_VIOLATION
  )
}

/**
 * A foreign key refused the write: the row it points at is missing, or rows still point at the row
 * being deleted.
 *
 * @example
 * if (isForeignKeyViolation(error)) throw new StoreError('QUARRY_DATASOURCE_NOT_FOUND', …)
 */
export function isForeignKeyViolation(error: unknown): boolean {
  const { errcode, code } = fields(error)
  return errcode === SQLITE_CONSTRAINT_FOREIGNKEY || code === PG_FOREIGN_KEY_VIOLATION
}

/**
 * PostgreSQL gave up waiting for a lock because lock_timeout passed.
 *
 * @example
 * if (isLockNotAvailable(error)) throw new StoreError('QUARRY_STORE_LOCK_TIMEOUT', …)
 */
export function isLockNotAvailable(error: unknown): boolean {
  return fields(error).code === PG_LOCK_NOT_AVAILABLE
}

/** Node's socket errors that mean the database server cannot be reached (or went away mid-query). */
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])
// PostgreSQL SQLSTATEs of a server that is going away or not yet there: class 08 (connection
// exception), admin_shutdown (pg_ctl stop -m fast), crash_shutdown, cannot_connect_now (starting up or
// shutting down).
const PG_CONNECTION_EXCEPTION_CLASS = '08'
const PG_SHUTDOWN_STATES = new Set(['57P01', '57P02', '57P03'])
/** What pg and pg-pool say (no code) when a connection ended, was never made in time, or died earlier. */
const PG_CONNECTION_MESSAGES =
  /^Connection terminated|timeout exceeded when trying to connect|encountered a connection error and is not queryable|^Query read timeout/

/**
 * The database server could not be reached, or the connection to it was lost: the statement failed
 * because of where the database is, not because of what it asked. Such a failure is
 * QUARRY_STORE_UNREACHABLE (postgres-dialect.ts), never Quarry's own bug.
 *
 * @example
 * isConnectionLoss(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })) // true
 * isConnectionLoss(new Error('Connection terminated unexpectedly')) // true
 */
export function isConnectionLoss(error: unknown): boolean {
  if (error instanceof AggregateError && error.errors.some(isConnectionLoss)) return true
  const { code } = fields(error)
  if (typeof code === 'string') {
    if (NETWORK_ERRNOS.has(code) || PG_SHUTDOWN_STATES.has(code)) return true
    if (code.length === 5 && code.startsWith(PG_CONNECTION_EXCEPTION_CLASS)) return true
  }
  return error instanceof Error && PG_CONNECTION_MESSAGES.test(error.message)
}
