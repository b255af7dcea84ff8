/** A base no real request has: a path resolved against it must stay on it. */
const PROBE = 'http://return-path.invalid'

/**
 * Where to go back to after signing in (`/admin/login?next=…`, set by a view that needs a
 * sign-in), if it is a path on this server; anything else is refused, so the login page cannot be
 * made into an open redirect (CWE-601). Refused: absolute URLs (`https://evil.example`),
 * protocol-relative ones (`//evil.example`), backslashes (`/\evil.example`: browsers read `\` as
 * `/`), and control characters or spaces (browsers drop a tab or newline, so `/\t/evil.example`
 * would become `//evil.example`).
 *
 * @example safeReturnPath('/v/jira-issues?jql=project%3DDEMO') // '/v/jira-issues?jql=project%3DDEMO'
 * @example safeReturnPath('//evil.example/x') // undefined
 */
export function safeReturnPath(next: string | null | undefined): string | undefined {
  if (typeof next !== 'string' || next.length > 2048) return undefined
  if (!next.startsWith('/') || next.startsWith('//')) return undefined
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\\\s\u0000-\u001f\u007f]/.test(next)) return undefined
  let url: URL
  try {
    url = new URL(next, PROBE)
  } catch {
    return undefined
  }
  if (url.origin !== PROBE) return undefined
  return `${url.pathname}${url.search}${url.hash}`
}
