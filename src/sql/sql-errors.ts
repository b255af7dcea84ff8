import type { SqlDatasource } from '../domain/datasource.js'
import { QuarryError, type ErrorCode } from '../domain/errors.js'
import { maskSecrets } from '../domain/secret-mask.js'

/**
 * A driver's error as a QuarryError saying whose fault it was: a write refused
 * by the read-only transaction, a statement timeout, a connection or login
 * failure, or the database refusing the statement. The datasource's password
 * is masked, should a driver ever echo it.
 */
export function sqlError(datasource: SqlDatasource, error: unknown): QuarryError {
  if (error instanceof QuarryError) return error
  const e = (error ?? {}) as { code?: unknown; errno?: unknown; errcode?: unknown; message?: unknown }
  const code = typeof e.code === 'string' ? e.code : ''
  const errno = typeof e.errno === 'number' ? e.errno : typeof e.errcode === 'number' ? e.errcode : 0
  let message = typeof e.message === 'string' && e.message !== '' ? e.message : String(error)
  const password = 'password' in datasource ? datasource.password : undefined
  message = maskSecrets(message, [password])
  const of = `Datasource "${datasource.name}" (${datasource.type})`
  const kind = classify(datasource.type, code, errno, message)
  const text: Record<ErrorCode & `QUARRY_SQL_${string}`, string> = {
    QUARRY_SQL_READ_ONLY: `${of} is read-only and the query tried to write: ${message}. Quarry runs SQL queries in read-only transactions; to allow writes, set "readOnly": false on the datasource.`,
    QUARRY_SQL_TIMEOUT: `${of}: the statement ran longer than the datasource's statement timeout (${datasource.statementTimeoutMs} ms) and was cancelled: ${message}. Narrow the query or raise the timeout (quarry datasource edit ${datasource.name} --timeout …).`,
    QUARRY_SQL_CONNECT: `${of} cannot be reached or refused the login: ${message}. Check host, port, database, user, password and TLS (quarry datasource test ${datasource.name}).`,
    QUARRY_SQL_ERROR: `${of} refused the statement: ${message}`,
  }
  return new QuarryError(kind, text[kind], { cause: error })
}

type SqlCode = 'QUARRY_SQL_READ_ONLY' | 'QUARRY_SQL_TIMEOUT' | 'QUARRY_SQL_CONNECT' | 'QUARRY_SQL_ERROR'

const NETWORK = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'HANDSHAKE_SSL_ERROR',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

function classify(type: SqlDatasource['type'], code: string, errno: number, message: string): SqlCode {
  if (NETWORK.has(code)) return 'QUARRY_SQL_CONNECT'
  switch (type) {
    case 'postgres':
      // SQLSTATE: https://www.postgresql.org/docs/current/errcodes-appendix.html
      if (code === '25006') return 'QUARRY_SQL_READ_ONLY' // read_only_sql_transaction
      if (code === '57014') return 'QUARRY_SQL_TIMEOUT' // query_canceled (statement_timeout)
      if (code.startsWith('28') || code.startsWith('08') || code === '3D000') return 'QUARRY_SQL_CONNECT'
      if (/does not support SSL|SSL|Connection terminated|timeout expired/i.test(message) && code === '')
        return 'QUARRY_SQL_CONNECT'
      return 'QUARRY_SQL_ERROR'
    case 'mysql':
      // https://mariadb.com/kb/en/mariadb-error-code-reference/ and MySQL's server error reference
      if (errno === 1792) return 'QUARRY_SQL_READ_ONLY' // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
      if (errno === 1969 || errno === 3024 || errno === 1317) return 'QUARRY_SQL_TIMEOUT' // statement time exceeded
      if (errno === 1045 || errno === 1044 || errno === 1049 || errno === 1130 || errno === 2002)
        return 'QUARRY_SQL_CONNECT'
      return 'QUARRY_SQL_ERROR'
    case 'sqlite':
      // 8 SQLITE_READONLY; 23 SQLITE_AUTH: the read-only authorizer refused the statement (PRAGMA, VACUUM …)
      if (/readonly database|attempt to write|not authorized/i.test(message) || errno === 8 || errno === 23)
        return 'QUARRY_SQL_READ_ONLY'
      if (/statement timeout/i.test(message)) return 'QUARRY_SQL_TIMEOUT'
      if (/unable to open database|not a database/i.test(message)) return 'QUARRY_SQL_CONNECT'
      return 'QUARRY_SQL_ERROR'
  }
}
