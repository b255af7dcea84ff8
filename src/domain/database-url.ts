/** Database addresses as Quarry shows them: never with a password. */

const PASSWORD_PARAMS = ['password', 'sslpassword', 'sslkey']

/**
 * The database URL with its password (in the userinfo and in query parameters) replaced by `***`, so
 * that no message, log or error ever carries it. A URL that does not parse is reduced to its scheme.
 *
 * @example
 * redactDatabaseUrl('postgres://app:s3cret@db:5432/quarry') // 'postgres://app:***@db:5432/quarry'
 */
export function redactDatabaseUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `${/^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? ''}//…(unparseable URL)`
  }
  if (parsed.password !== '') parsed.password = '***'
  for (const name of PASSWORD_PARAMS) if (parsed.searchParams.has(name)) parsed.searchParams.set(name, '***')
  // URL re-encodes '***' in the query string; keep it readable.
  return parsed.toString().replaceAll('%2A%2A%2A', '***')
}

/** What `describeAddress` needs of a datasource: where a REST API or a database is. */
type Addressed =
  | { readonly type: 'rest'; readonly baseUrl: string }
  | { readonly type: 'sqlite'; readonly path: string }
  | {
      readonly type: 'postgres' | 'mysql'
      readonly url?: string | undefined
      readonly host?: string | undefined
      readonly port?: number | undefined
      readonly database?: string | undefined
      readonly user?: string | undefined
    }

/**
 * Where a datasource is, never with a password: a REST API's base URL, a SQLite file, or a database
 * server's URL (redacted) or one made of its host, port, database and user. What `datasource list`, the
 * CLI's one-line summaries and the API's datasource list show.
 *
 * @example describeAddress({ type: 'postgres', host: 'db', port: 5432, database: 'shop', user: 'app' }) // 'postgres://app@db:5432/shop'
 */
export function describeAddress(datasource: Addressed): string {
  switch (datasource.type) {
    case 'rest':
      return datasource.baseUrl
    case 'sqlite':
      return datasource.path
    default: {
      // Where it connects: the URL with the fields given beside it (never the password: that stays a field).
      if (datasource.url !== undefined)
        return redactDatabaseUrl(urlWithFields({ ...datasource, password: undefined }) ?? datasource.url)
      if (datasource.host === undefined) return ''
      const user = datasource.user === undefined ? '' : `${encodeURIComponent(datasource.user)}@`
      const port = datasource.port === undefined ? '' : `:${datasource.port}`
      const database = datasource.database === undefined ? '' : `/${encodeURIComponent(datasource.database)}`
      // An IPv6 address goes in brackets (RFC 3986 §3.2.2).
      const host = datasource.host.includes(':') ? `[${datasource.host}]` : datasource.host
      return `${datasource.type}://${user}${host}${port}${database}`
    }
  }
}

/**
 * Both drivers let the URL's parts override the separate fields (pg merges the parsed connection
 * string over its config; mysql2 copies the parsed uri over its options), so a datasource with
 * `url` and `user` connected as the URL's user — or the operating-system user when the URL had
 * none. A person who writes a field next to a URL means the field: it is folded into the URL.
 */
export interface ServerFields {
  readonly url?: string | undefined
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly database?: string | undefined
  readonly user?: string | undefined
  readonly password?: string | undefined
}

/**
 * The datasource's URL with each separately given field written over the URL's own part;
 * `undefined` when the datasource has no URL.
 *
 * @example urlWithFields({ url: 'postgres://db:5432/test', user: 'alice' }) // 'postgres://alice@db:5432/test'
 */
export function urlWithFields(fields: ServerFields): string | undefined {
  if (fields.url === undefined) return undefined
  let url: URL
  try {
    url = new URL(fields.url)
  } catch {
    return fields.url // the schema refuses such a URL; a driver given it says what is wrong
  }
  if (fields.host !== undefined) url.hostname = fields.host
  if (fields.port !== undefined) url.port = String(fields.port)
  if (fields.database !== undefined) url.pathname = `/${encodeURIComponent(fields.database)}`
  if (fields.user !== undefined) url.username = encodeURIComponent(fields.user)
  if (fields.password !== undefined) url.password = encodeURIComponent(fields.password)
  return url.href
}
