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
  const url = new URL(fields.url)
  if (fields.host !== undefined) url.hostname = fields.host
  if (fields.port !== undefined) url.port = String(fields.port)
  if (fields.database !== undefined) url.pathname = `/${encodeURIComponent(fields.database)}`
  if (fields.user !== undefined) url.username = encodeURIComponent(fields.user)
  if (fields.password !== undefined) url.password = encodeURIComponent(fields.password)
  return url.href
}
