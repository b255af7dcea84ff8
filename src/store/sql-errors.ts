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
