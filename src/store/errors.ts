import { QuarryError, type ErrorCode, type QuarryErrorOptions } from '../domain/errors.js'

/**
 * The codes the store raises, each registered (with its fault, HTTP status, exit code and summary)
 * in the one registry, domain/errors.ts (STYLE.md habit 1). Messages are written where the error is
 * raised, because they name the thing that failed; they always say what to do next.
 */
export const STORE_ERROR_CODES = [
  'QUARRY_DATASOURCE_EXISTS',
  'QUARRY_DATASOURCE_NOT_FOUND',
  'QUARRY_DATASOURCE_IN_USE',
  'QUARRY_QUERY_EXISTS',
  'QUARRY_QUERY_NOT_FOUND',
  'QUARRY_CONVERTER_EXISTS',
  'QUARRY_CONVERTER_NOT_FOUND',
  'QUARRY_CONVERTER_IN_USE',
  'QUARRY_TEMPLATE_EXISTS',
  'QUARRY_TEMPLATE_NOT_FOUND',
  'QUARRY_TEMPLATE_IN_USE',
  'QUARRY_ALERT_EXISTS',
  'QUARRY_SUBSCRIPTION_NOT_FOUND',
  'QUARRY_SUBSCRIPTION_EXISTS',
  'QUARRY_ALERT_NOT_FOUND',
  'QUARRY_DASHBOARD_NOT_FOUND',
  'QUARRY_DASHBOARD_EXISTS',
  'QUARRY_SCHEDULE_EXISTS',
  'QUARRY_SCHEDULE_NOT_FOUND',
  'QUARRY_VERSION_NOT_FOUND',
  'QUARRY_USER_EXISTS',
  'QUARRY_USER_NOT_FOUND',
  'QUARRY_SECRET_KEY_INVALID',
  'QUARRY_SECRET_KEY_MISMATCH',
  'QUARRY_SECRET_KEY_MISSING',
  'QUARRY_SECRET_KEY_FILE',
  'QUARRY_SECRET_CORRUPT',
  'QUARRY_STORE_UNREACHABLE',
  'QUARRY_STORE_OPEN_FAILED',
  'QUARRY_STORE_URL_INVALID',
  'QUARRY_STORE_MIGRATION_FAILED',
  'QUARRY_STORE_LOCK_TIMEOUT',
  'QUARRY_STORE_LOCK_MISUSE',
  'QUARRY_STORE_BUSY',
  'QUARRY_PUBLIC_PER_USER',
  'QUARRY_STORE_CLOSED',
  'QUARRY_BACKUP_FILE',
  'QUARRY_BACKUP_INVALID',
  'QUARRY_BACKUP_TRUNCATED',
  'QUARRY_BACKUP_NEWER_SCHEMA',
  'QUARRY_BACKUP_KEY_MISMATCH',
  'QUARRY_RESTORE_NOT_EMPTY',
  'QUARRY_KEY_ROTATION_STATE',
] as const satisfies readonly ErrorCode[]

export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number]

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
export class StoreError extends QuarryError {
  declare readonly code: StoreErrorCode

  constructor(code: StoreErrorCode, message: string, options?: QuarryErrorOptions) {
    super(code, message, options)
    this.name = 'StoreError'
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
