/**
 * Every error Quarry raises on purpose has a stable code, registered here with
 * whose fault it is, the HTTP status the API answers with and the CLI's exit
 * code. Messages say what failed, why, and what to do next; they never contain
 * a secret. The store's, the converter's, the CLI's and the server's own errors are
 * registered here too: one vocabulary for every edge. (Fastify keeps its FST_ERR_* the same way;
 * docs/errors.md is generated from this registry by `npm run docs:errors`, and
 * test/domain/errors.test.ts fails when the two drift.)
 */

/** Whose fault: the caller's input, an upstream system (API, token endpoint, database), or Quarry itself. */
export type Fault = 'user' | 'upstream' | 'internal'

interface ErrorSpec {
  readonly fault: Fault
  readonly status: number
  /** 1 = the query (or command) failed, 2 = usage or configuration error. */
  readonly exitCode: 1 | 2
  readonly summary: string
}

const spec = (fault: Fault, status: number, exitCode: 1 | 2, summary: string): ErrorSpec => ({
  fault,
  status,
  exitCode,
  summary,
})

export const ERROR_CODES = {
  QUARRY_CONFIG_INVALID: spec('user', 400, 2, 'A datasource, query or option is invalid.'),
  QUARRY_PARAM_MISSING: spec('user', 400, 2, 'A required query parameter has no value.'),
  QUARRY_PARAM_TYPE: spec('user', 400, 2, 'A query parameter value does not match its type.'),
  QUARRY_PARAM_UNKNOWN: spec('user', 400, 2, 'A parameter was given that the query does not declare.'),
  QUARRY_PARAM_CONFLICT: spec(
    'user',
    400,
    2,
    'A parameter was given twice: by its name and as PocketQuery’s pq_<name>.',
  ),
  QUARRY_PARAM_NOT_ALLOWED: spec(
    'user',
    403,
    2,
    'A public view does not let visitors set that parameter, or not to that value.',
  ),
  QUARRY_TEMPLATE_INVALID: spec('user', 400, 2, 'A query path or body template is malformed.'),
  QUARRY_DATASOURCE_NOT_FOUND: spec('user', 404, 2, 'No datasource has that name.'),
  QUARRY_DATASOURCE_EXISTS: spec('user', 409, 2, 'A datasource with that name exists already.'),
  QUARRY_DATASOURCE_IN_USE: spec('user', 409, 2, 'Queries still use the datasource.'),
  QUARRY_QUERY_NOT_FOUND: spec('user', 404, 2, 'No query has that name.'),
  QUARRY_QUERY_EXISTS: spec('user', 409, 2, 'A query with that name exists already.'),
  QUARRY_CONVERTER_NOT_FOUND: spec('user', 404, 2, 'No named converter has that name.'),
  QUARRY_CONVERTER_EXISTS: spec('user', 409, 2, 'A named converter with that name exists already.'),
  QUARRY_CONVERTER_IN_USE: spec('user', 409, 2, 'Queries still use the named converter.'),
  QUARRY_TEMPLATE_NOT_FOUND: spec('user', 404, 2, 'No named template has that name.'),
  QUARRY_TEMPLATE_EXISTS: spec('user', 409, 2, 'A named template with that name exists already.'),
  QUARRY_TEMPLATE_IN_USE: spec('user', 409, 2, 'Queries still use the named template.'),
  QUARRY_SNAPSHOT_NOT_FOUND: spec(
    'user',
    404,
    2,
    'The query has no snapshot with that id, or none taken by that date.',
  ),
  QUARRY_SNAPSHOT_TOO_LARGE: spec(
    'user',
    413,
    1,
    'The result is larger than a snapshot may be (its rows as JSON, before compression).',
  ),
  QUARRY_SNAPSHOT_KEY_MISSING: spec(
    'user',
    400,
    2,
    'The key column chosen to compare two snapshots is in neither of them.',
  ),
  QUARRY_ALERT_NOT_FOUND: spec('user', 404, 2, 'No alert has that name.'),
  QUARRY_ALERT_EXISTS: spec('user', 409, 2, 'An alert with that name exists already.'),
  // The receiver's fault, not the caller's: 502, like any other upstream answer.
  QUARRY_NOTIFY_FAILED: spec(
    'upstream',
    502,
    1,
    'A notification (webhook, Slack or email) could not be delivered after its retries.',
  ),
  QUARRY_SUBSCRIPTION_NOT_FOUND: spec('user', 404, 2, 'No subscription has that name.'),
  QUARRY_SUBSCRIPTION_EXISTS: spec('user', 409, 2, 'A subscription with that name exists already.'),
  QUARRY_UNSUBSCRIBE_TOKEN: spec(
    'user',
    400,
    2,
    'An unsubscribe link is not valid: altered, cut short, or for a subscription that no longer exists.',
  ),
  QUARRY_SCHEDULE_NOT_FOUND: spec('user', 404, 2, 'No schedule has that name.'),
  QUARRY_SCHEDULE_EXISTS: spec('user', 409, 2, 'A schedule with that name exists already.'),
  QUARRY_VERSION_NOT_FOUND: spec('user', 404, 2, 'The query, converter or template has no such version.'),
  QUARRY_HOST_NOT_ALLOWED: spec('user', 400, 1, 'A request went to a host the datasource does not allow.'),
  // The upstream chose the other host, not the caller: 502, like any other upstream answer (issue 12).
  QUARRY_UPSTREAM_REDIRECT_REFUSED: spec(
    'upstream',
    502,
    1,
    'The API redirected to a host the datasource does not allow.',
  ),
  QUARRY_UPSTREAM_STATUS: spec('upstream', 502, 1, 'The API answered with an error status.'),
  QUARRY_UPSTREAM_NOT_JSON: spec(
    'upstream',
    502,
    1,
    'The API answered with something other than JSON or XML.',
  ),
  QUARRY_UPSTREAM_TOO_LARGE: spec('upstream', 502, 1, 'The response exceeded the datasource’s byte limit.'),
  QUARRY_UPSTREAM_TIMEOUT: spec('upstream', 504, 1, 'The API did not answer within the timeout.'),
  QUARRY_UPSTREAM_NETWORK: spec('upstream', 502, 1, 'The API could not be reached.'),
  QUARRY_UPSTREAM_TLS: spec('upstream', 502, 1, 'The API’s TLS certificate or handshake was refused.'),
  QUARRY_UPSTREAM_TOO_DEEP: spec(
    'upstream',
    502,
    1,
    'The response nests deeper than Quarry reads (1000 levels of JSON arrays/objects or XML elements).',
  ),
  // A Location or Link header that is not a URL: following it is impossible, stopping silently would lose pages.
  QUARRY_UPSTREAM_MALFORMED: spec(
    'upstream',
    502,
    1,
    'The API sent a redirect or a next-page link whose address is not a URL.',
  ),
  QUARRY_RATE_LIMITED: spec('upstream', 429, 1, 'The API kept answering 429 past the retry budget.'),
  QUARRY_PAGINATION_LOOP: spec(
    'upstream',
    502,
    1,
    'Pagination did not advance: the API handed back a page token or link it had given before.',
  ),
  QUARRY_AUTH_FAILED: spec('upstream', 502, 1, 'The API refused the credentials.'),
  QUARRY_OAUTH_TOKEN_ERROR: spec('upstream', 502, 1, 'The token endpoint refused the request.'),
  // 409, not 401: the API's 401 means "sign in to Quarry", and the admin UI signs out on it; here the
  // datasource's connection needs consent again, while the caller's own session is fine (issue 10).
  QUARRY_OAUTH_INVALID_GRANT: spec(
    'upstream',
    409,
    1,
    'The OAuth grant is gone; the user must consent again.',
  ),
  QUARRY_OAUTH_NOT_CONNECTED: spec('user', 409, 2, 'The datasource has no OAuth connection yet.'),
  QUARRY_CONNECTION_MODE_UNSUPPORTED: spec(
    'user',
    400,
    2,
    'A connection mode other than shared was set on a datasource whose auth is not OAuth 2.0 (3LO).',
  ),
  // 403, not 409: the datasource is fine and so is the session; what is missing is this one viewer's
  // own grant at the provider, so the answer is about the requester (like a permission), and the view
  // shows a Connect prompt for them (issue 15). 401 would sign the admin UI out.
  QUARRY_CONNECTION_REQUIRED: spec(
    'user',
    403,
    2,
    'The datasource runs with each viewer’s own account, and the viewer has not connected theirs (or it needs consent again).',
  ),
  QUARRY_CONNECTION_NO_VIEWER: spec(
    'user',
    409,
    2,
    'The datasource runs with each viewer’s own account, and this run is for nobody (a schedule, alert, subscription, public view, or the CLI without --as).',
  ),
  QUARRY_PUBLIC_PER_USER: spec(
    'user',
    409,
    2,
    'A public query cannot use a per-user datasource: anonymous visitors have no account of their own to run it with.',
  ),
  QUARRY_OAUTH_CONSENT_DENIED: spec('user', 403, 1, 'The user (or the provider) refused consent.'),
  QUARRY_OAUTH_ISSUER_MISMATCH: spec(
    'user',
    400,
    1,
    'The callback names another issuer than the datasource’s (RFC 9207), or names none where the provider promised one.',
  ),
  QUARRY_OAUTH_ID_TOKEN_INVALID: spec(
    'upstream',
    502,
    1,
    'The ID token that came with the tokens failed its checks (issuer, audience, expiry, algorithm).',
  ),
  QUARRY_OAUTH_DISCOVERY_FAILED: spec(
    'upstream',
    502,
    1,
    'The issuer’s discovery document (OpenID Connect Discovery or RFC 8414) could not be fetched or used.',
  ),
  QUARRY_OAUTH_STATE_MISMATCH: spec('user', 400, 1, 'The callback did not come from this connect attempt.'),
  QUARRY_OAUTH_CALLBACK_TIMEOUT: spec('user', 408, 1, 'No callback arrived in time.'),
  QUARRY_OAUTH_CANCELLED: spec('user', 499, 1, 'Connect was interrupted.'),
  QUARRY_SITE_CHOICE: spec('user', 409, 2, 'The grant covers several sites and none was chosen.'),
  QUARRY_DATASOURCE_KIND: spec(
    'user',
    400,
    2,
    'The command or query does not fit the datasource’s kind (REST vs SQL): a SQL query needs --sql, a REST one --path.',
  ),
  QUARRY_SQL_CONNECT: spec(
    'upstream',
    502,
    1,
    'The database could not be reached or refused the login: check host, port, user, password and TLS.',
  ),
  QUARRY_SQL_READ_ONLY: spec(
    'user',
    403,
    1,
    'The query tried to write; SQL queries run in read-only transactions (set readOnly: false on the datasource to allow writes).',
  ),
  QUARRY_SQL_TIMEOUT: spec(
    'upstream',
    504,
    1,
    'The statement ran past the datasource’s statement timeout: narrow the query or raise the timeout.',
  ),
  QUARRY_SQL_ERROR: spec('upstream', 502, 1, 'The database refused the statement (its message says why).'),
  // A converter's failure is its author's to fix: 422, and the message names the line (convert/errors.ts).
  QUARRY_CONVERTER_SYNTAX: spec('user', 422, 1, 'The converter does not compile.'),
  QUARRY_CONVERTER_RUNTIME: spec('user', 422, 1, 'The converter threw.'),
  QUARRY_CONVERTER_TIMEOUT: spec('user', 422, 1, 'The converter ran past its CPU time limit.'),
  QUARRY_CONVERTER_MEMORY: spec('user', 422, 1, 'The converter ran out of its memory limit.'),
  QUARRY_CONVERTER_CONTRACT: spec(
    'user',
    422,
    1,
    'The converter returned something other than rows (an array of objects).',
  ),
  QUARRY_CONVERTER_LIMIT: spec(
    'user',
    422,
    1,
    'The converter returned more rows or bytes than the run allows.',
  ),
  QUARRY_CONVERTER_CRASHED: spec('user', 422, 1, 'The converter killed the process it ran in.'),
  QUARRY_UNAUTHENTICATED: spec('user', 401, 1, 'Sign in (or send an API token) first.'),
  QUARRY_LOGIN_FAILED: spec('user', 401, 1, 'The name or password is wrong.'),
  QUARRY_PASSWORD_WRONG: spec('user', 403, 1, 'The current password given to change it is wrong.'),
  QUARRY_FORBIDDEN: spec('user', 403, 1, 'The signed-in user’s role does not allow this.'),
  QUARRY_CSRF: spec('user', 403, 1, 'A state-changing request came without the session’s CSRF token.'),
  QUARRY_SETUP: spec('user', 403, 1, 'First-run setup is done already, or the setup link is wrong.'),
  QUARRY_NOT_FOUND: spec('user', 404, 1, 'Nothing is at that address.'),
  QUARRY_TOO_MANY_REQUESTS: spec('user', 429, 1, 'Too many requests of this kind; wait and try again.'),
  QUARRY_MEDIA_TYPE: spec('user', 415, 1, 'The request body is in a format this route does not take.'),
  QUARRY_VIEW_TEMPLATE_INVALID: spec(
    'user',
    422,
    1,
    'A view template (Liquid, chart or Vega-Lite spec) is malformed or does not fit the rows.',
  ),
  QUARRY_VIEW_TEMPLATE_LIMIT: spec('user', 422, 1, 'A view template exceeded its time or memory limit.'),
  QUARRY_VELOCITY_SYNTAX: spec(
    'user',
    422,
    1,
    'A Velocity (PocketQuery) template does not parse; the message names the line and column.',
  ),
  QUARRY_VELOCITY_UNSUPPORTED: spec(
    'user',
    422,
    1,
    'A Velocity template calls something Quarry does not have: a $PQ method other than toList, template and templateByName, or #parse, #include or #eval.',
  ),
  QUARRY_VELOCITY_TEMPLATE_NOT_FOUND: spec(
    'user',
    422,
    1,
    'A Velocity template inserts a template ($PQ.template, $PQ.templateByName) that no template is named after.',
  ),
  QUARRY_BAD_REQUEST: spec('user', 400, 1, 'The request is malformed (its body, URL or headers).'),
  QUARRY_BODY_TOO_LARGE: spec('user', 413, 1, 'The request body is larger than the server takes (8 MB).'),
  QUARRY_SERVER_UNREACHABLE: spec(
    'upstream',
    503,
    1,
    'The admin UI could not reach the Quarry server, or got an answer that was not Quarry’s (a proxy’s error page).',
  ),
  QUARRY_USAGE: spec('user', 400, 2, 'A command-line flag or argument is wrong.'),
  QUARRY_PORT_IN_USE: spec('user', 409, 2, 'The port to listen on is taken or not allowed.'),
  QUARRY_USER_EXISTS: spec('user', 409, 2, 'A user with that name exists already.'),
  QUARRY_USER_NOT_FOUND: spec('user', 404, 2, 'No user has that name.'),
  // The secret key and the store's address are the operator's configuration: exit 2, but 500 over
  // HTTP, since no API caller can fix them.
  QUARRY_SECRET_KEY_INVALID: spec(
    'user',
    500,
    2,
    'QUARRY_SECRET_KEY (or the key option) is not 32 bytes in base64 or hex.',
  ),
  QUARRY_SECRET_KEY_MISMATCH: spec(
    'user',
    500,
    2,
    'The store was encrypted with another key than the one configured now.',
  ),
  QUARRY_SECRET_KEY_MISSING: spec(
    'user',
    500,
    2,
    'The store holds encrypted values but no key is configured and the key file is gone.',
  ),
  QUARRY_SECRET_KEY_FILE: spec('user', 500, 2, 'The key file is unsafe (readable by others) or unreadable.'),
  QUARRY_SECRET_CORRUPT: spec(
    'upstream',
    500,
    1,
    'A stored encrypted value failed authentication: it was altered or damaged.',
  ),
  QUARRY_STORE_UNREACHABLE: spec(
    'upstream',
    503,
    1,
    'PostgreSQL could not be reached or refused the connection.',
  ),
  QUARRY_STORE_OPEN_FAILED: spec(
    'user',
    500,
    2,
    'The SQLite file (or its directory) could not be opened or is not a database.',
  ),
  QUARRY_STORE_URL_INVALID: spec(
    'user',
    500,
    2,
    'The database URL is not postgres:// or postgresql://, or cannot be parsed.',
  ),
  QUARRY_STORE_MIGRATION_FAILED: spec(
    'upstream',
    500,
    1,
    'Migrating the store’s schema to this version of Quarry failed.',
  ),
  QUARRY_STORE_LOCK_TIMEOUT: spec(
    'upstream',
    503,
    1,
    'The store’s connection lock was not obtained in time: another holder kept it.',
  ),
  QUARRY_STORE_BUSY: spec('upstream', 503, 1, 'SQLite stayed locked by another process past the deadline.'),
  // withLock used in a way that would deadlock, or the store used after close(): Quarry's own bug.
  QUARRY_STORE_LOCK_MISUSE: spec(
    'internal',
    500,
    1,
    'The store’s lock was used in a way that would break it.',
  ),
  QUARRY_STORE_CLOSED: spec('internal', 500, 1, 'The store was used after it was closed.'),
  // Backups and restores are the operator's: every refusal is something they can fix (exit 2).
  QUARRY_BACKUP_FILE: spec('user', 500, 2, 'The backup file could not be read or written.'),
  QUARRY_BACKUP_INVALID: spec(
    'user',
    400,
    2,
    'The file is not a Quarry backup, or it was altered or damaged.',
  ),
  QUARRY_BACKUP_TRUNCATED: spec('user', 400, 2, 'The backup file is cut off before its end.'),
  QUARRY_BACKUP_NEWER_SCHEMA: spec(
    'user',
    409,
    2,
    'The backup was made by a newer Quarry; restore it with that version or a later one.',
  ),
  QUARRY_BACKUP_KEY_MISMATCH: spec(
    'user',
    500,
    2,
    'The configured secret key cannot open the secrets in the backup.',
  ),
  QUARRY_KEY_ROTATION_STATE: spec(
    'user',
    409,
    2,
    'A key rotation is unfinished (finish it first), or there is none to finish, or the new key is wrong.',
  ),
  QUARRY_RESTORE_NOT_EMPTY: spec(
    'user',
    409,
    2,
    'The store to restore into holds data; --force replaces it.',
  ),
  QUARRY_INTERNAL: spec('internal', 500, 1, 'Quarry hit a bug; the server log has the details.'),
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERROR_CODES

/** Where a message is read: a terminal (`quarry …`) or the admin UI in a browser. */
export type Audience = 'cli' | 'ui'

/**
 * The next step a message ends with, said for where it is read: the CLI names a command, the admin
 * UI a button. The same failure reaches both (a 3LO datasource that needs consent fails `quarry
 * run` and the server's Test connection alike), and a command is no help next to a button.
 */
export type Remedy = Readonly<Record<Audience, string>>

export interface QuarryErrorOptions extends ErrorOptions {
  readonly remedy?: Remedy
  /** How long to wait before asking again (an upstream's Retry-After): the server sends it as `Retry-After`. */
  readonly retryAfterSeconds?: number
}

/**
 * An error the user can act on. The store's, the converter's and the CLI's errors are subclasses, so
 * every edge reads the same code, status and exit code (one branch in cli/failure.ts and
 * server/error-handler.ts).
 *
 * @example throw new QuarryError('QUARRY_PARAM_TYPE', 'Parameter "limit" must be an integer, got "ten".')
 */
export class QuarryError extends Error {
  readonly code: ErrorCode
  readonly fault: Fault
  readonly status: number
  readonly exitCode: 1 | 2
  readonly remedy: Remedy | undefined
  readonly retryAfterSeconds: number | undefined
  /** The message without its remedy. */
  readonly #problem: string

  /** `message` says what failed; the remedy (if any) is appended, the CLI's by default. */
  constructor(code: ErrorCode, message: string, options?: QuarryErrorOptions) {
    super(options?.remedy ? `${message} ${options.remedy.cli}` : message, options)
    this.name = 'QuarryError'
    this.code = code
    const { fault, status, exitCode } = ERROR_CODES[code]
    this.fault = fault
    this.status = status
    this.exitCode = exitCode
    this.remedy = options?.remedy
    this.retryAfterSeconds = options?.retryAfterSeconds
    this.#problem = message
  }

  /**
   * The message as `audience` reads it.
   *
   * @example error.messageFor('ui') // 'Datasource "jira" is not connected yet. Press Connect …'
   */
  messageFor(audience: Audience): string {
    return this.remedy ? `${this.#problem} ${this.remedy[audience]}` : this.message
  }
}

/**
 * The codes whose messages anyone may read: they speak of what the reader sent (a parameter, a name,
 * a sign-in). Every other message may name what only admins and editors should see — an upstream URL,
 * host, cloud id or body, a database's message, a converter's or template's source — so viewers and
 * anonymous visitors get the code's summary instead (issue 10).
 */
const MESSAGES_FOR_EVERYONE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  // Request bodies are described by field, never by value (describeIssues in domain/field-issues.ts).
  'QUARRY_CONFIG_INVALID',
  'QUARRY_PARAM_MISSING',
  'QUARRY_PARAM_TYPE',
  'QUARRY_PARAM_UNKNOWN',
  'QUARRY_PARAM_CONFLICT',
  'QUARRY_PARAM_NOT_ALLOWED',
  'QUARRY_QUERY_NOT_FOUND',
  // It names the datasource and its provider, which the Connect prompt shows the viewer anyway.
  'QUARRY_CONNECTION_REQUIRED',
  // They name a snapshot id or date, a size, or a column: what the reader sent or may see.
  'QUARRY_SNAPSHOT_NOT_FOUND',
  'QUARRY_SNAPSHOT_TOO_LARGE',
  'QUARRY_SNAPSHOT_KEY_MISSING',
  'QUARRY_UNAUTHENTICATED',
  'QUARRY_LOGIN_FAILED',
  'QUARRY_PASSWORD_WRONG',
  'QUARRY_FORBIDDEN',
  'QUARRY_CSRF',
  'QUARRY_SETUP',
  'QUARRY_NOT_FOUND',
  'QUARRY_MEDIA_TYPE',
  'QUARRY_TOO_MANY_REQUESTS',
  // Fastify's own words about the request's shape (its JSON, its length), never its values.
  'QUARRY_BAD_REQUEST',
  'QUARRY_BODY_TOO_LARGE',
])

/** Who reads an error in the server: `details` (admins, editors) or `plain` (viewers, visitors). */
export type Reader = 'details' | 'plain'

/**
 * The message of an error as its reader in the server may see it: in full (the UI's words for the
 * next step), or — for viewers and anonymous visitors —
 * the registry's plain sentence when the message may carry upstream or configuration details.
 *
 * @example serverMessage(new QuarryError('QUARRY_UPSTREAM_STATUS', 'GET https://10.0.0.5/… answered 500'), 'plain')
 * // 'The API answered with an error status.'
 */
export function serverMessage(error: QuarryError, reader: Reader): string {
  if (reader === 'details' || MESSAGES_FOR_EVERYONE.has(error.code)) return error.messageFor('ui')
  return ERROR_CODES[error.code].summary
}

/** What a reader is told of a failure that is Quarry's own bug; the details stay in the log. */
export const BUG_MESSAGE = ERROR_CODES.QUARRY_INTERNAL.summary

/**
 * Any thrown value as a registered error: a QuarryError (the store's, converter's and CLI's errors
 * included) as it is; anything else is Quarry's own bug, QUARRY_INTERNAL, the original kept as `cause`
 * and out of the message (it may quote anything).
 *
 * @example toQuarryError(new TypeError('x is undefined')).code // 'QUARRY_INTERNAL'
 */
export function toQuarryError(error: unknown): QuarryError {
  if (error instanceof QuarryError) return error
  return new QuarryError('QUARRY_INTERNAL', BUG_MESSAGE, { cause: error })
}

export function isQuarryError(error: unknown, code?: ErrorCode): error is QuarryError {
  return error instanceof QuarryError && (code === undefined || error.code === code)
}
