/**
 * Every error the store raises, in one registry (STYLE.md habit 1): a stable code, whose fault it is
 * (STYLE.md habit 2) and the HTTP status a server should answer with. Messages are written where the
 * error is raised, because they name the thing that failed; they always say what to do next.
 */
export const STORE_ERRORS = {
  /** The name is taken: datasource and query names are unique. */
  QUARRY_DATASOURCE_EXISTS: { fault: 'caller', httpStatus: 409 },
  QUARRY_DATASOURCE_NOT_FOUND: { fault: 'caller', httpStatus: 404 },
  /** Queries still point at the datasource; remove or move them first. */
  QUARRY_DATASOURCE_IN_USE: { fault: 'caller', httpStatus: 409 },
  QUARRY_QUERY_EXISTS: { fault: 'caller', httpStatus: 409 },
  QUARRY_QUERY_NOT_FOUND: { fault: 'caller', httpStatus: 404 },
  QUARRY_USER_EXISTS: { fault: 'caller', httpStatus: 409 },
  QUARRY_USER_NOT_FOUND: { fault: 'caller', httpStatus: 404 },
  /** QUARRY_SECRET_KEY (or the key option) is not 32 bytes in base64 or hex. */
  QUARRY_SECRET_KEY_INVALID: { fault: 'caller', httpStatus: 500 },
  /** The store was encrypted with another key than the one configured now. */
  QUARRY_SECRET_KEY_MISMATCH: { fault: 'caller', httpStatus: 500 },
  /** The store holds encrypted values but no key is configured and the key file is gone. */
  QUARRY_SECRET_KEY_MISSING: { fault: 'caller', httpStatus: 500 },
  /** The key file exists but is unsafe (readable by others) or unreadable. */
  QUARRY_SECRET_KEY_FILE: { fault: 'caller', httpStatus: 500 },
  /** A stored encrypted value failed authentication: it was altered or damaged. */
  QUARRY_SECRET_CORRUPT: { fault: 'upstream', httpStatus: 500 },
  /** PostgreSQL could not be reached or refused the connection. */
  QUARRY_STORE_UNREACHABLE: { fault: 'upstream', httpStatus: 503 },
  /** The SQLite file (or its directory) could not be opened or is not a database. */
  QUARRY_STORE_OPEN_FAILED: { fault: 'caller', httpStatus: 500 },
  /** A database URL that is not postgres:// or postgresql:// or cannot be parsed. */
  QUARRY_STORE_URL_INVALID: { fault: 'caller', httpStatus: 500 },
  /** Migrating the schema to this version of Quarry failed. */
  QUARRY_STORE_MIGRATION_FAILED: { fault: 'upstream', httpStatus: 500 },
  /** The connection lock was not obtained before the deadline: another holder kept it. */
  QUARRY_STORE_LOCK_TIMEOUT: { fault: 'upstream', httpStatus: 503 },
  /**
   * withLock used in a way that would break it: a write through the store (or a nested withLock) from
   * inside fn, which would wait for the lock it runs under; or save() after fn has returned.
   */
  QUARRY_STORE_LOCK_MISUSE: { fault: 'internal', httpStatus: 500 },
  /** SQLite stayed locked by another process for longer than the deadline. */
  QUARRY_STORE_BUSY: { fault: 'upstream', httpStatus: 503 },
  /** The store was used after close(). */
  QUARRY_STORE_CLOSED: { fault: 'internal', httpStatus: 500 },
} as const satisfies Record<string, { fault: 'caller' | 'upstream' | 'internal'; httpStatus: number }>

export type StoreErrorCode = keyof typeof STORE_ERRORS

/**
 * An error of the store that a person can act on: `code` is stable, `message` says what failed and
 * what to do. The driver's error, if any, is kept as `cause` (never with credentials in it).
 *
 * @example
 * try {
 *   await store.datasources.create({ name: 'jira', type: 'rest', config: {}, secrets: {} })
 * } catch (error) {
 *   if (error instanceof StoreError && error.code === 'QUARRY_DATASOURCE_EXISTS') console.error(error.message)
 * }
 */
export class StoreError extends Error {
  readonly code: StoreErrorCode

  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StoreError'
    this.code = code
  }
}

/**
 * True when `error` is a StoreError, optionally with the given code.
 *
 * @example
 * if (isStoreError(error, 'QUARRY_QUERY_NOT_FOUND')) return undefined
 */
export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code)
}
