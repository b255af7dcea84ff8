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
