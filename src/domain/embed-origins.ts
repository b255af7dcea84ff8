/**
 * The origins allowed to embed views (the view page's CSP `frame-ancestors`, CSP Level 3 §6.4.2):
 * those of the `--frame-ancestor` flag and those an admin lists in the admin UI (Embedding), stored.
 *
 * What an entry may be — a host-source that names sites, nothing broader:
 * - an origin: `https://wiki.example.com`, `http://127.0.0.1:8081` (scheme, host name or IPv4
 *   address, optional port; IPv6 literals are not taken);
 * - a wildcard subdomain: `https://*.example.com` (any subdomain, not example.com itself).
 * Not allowed: `*`, a scheme alone (`https:`), keywords (`'self'`, `'none'`), paths, queries,
 * credentials, a wildcard anywhere else (`https://*`, `https://a.*.com`, `https://*.com`), and any
 * scheme but http(s).
 */
import { QuarryError } from './errors.js'

/** The embedding settings as the API gives them (GET/PUT /api/settings/embedding). */
export interface EmbeddingSettings {
  /** Listed by an admin, stored: editable in the admin UI. */
  readonly origins: readonly string[]
  /** From the server's --frame-ancestor flag: shown, not editable. */
  readonly serverOrigins: readonly string[]
}

/** How many stored origins an admin may list: a CSP header stays a reasonable size. */
export const MAX_EMBED_ORIGINS = 50

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

function invalid(text: string, why: string): QuarryError {
  return new QuarryError(
    'QUARRY_CONFIG_INVALID',
    `"${text}" cannot be an embed origin: ${why}. Give scheme, host and optional port, e.g. ` +
      'https://wiki.example.com, http://127.0.0.1:8081 or https://*.example.com.',
  )
}

/**
 * An allowed embed origin, normalized (lower case, no trailing slash, no default port), or a
 * QUARRY_CONFIG_INVALID error that says what is wrong with it.
 *
 * @example
 * embedOrigin('HTTPS://Wiki.Example.com/') // 'https://wiki.example.com'
 * embedOrigin('https://*.example.com') // 'https://*.example.com'
 * embedOrigin('javascript:alert(1)') // throws QUARRY_CONFIG_INVALID
 */
export function embedOrigin(text: string): string {
  const trimmed = text.trim()
  const match = /^(https?):\/\/(\*\.)?([^/?#@\s]+?)(?::(\d{1,5}))?\/?$/i.exec(trimmed)
  if (match === null) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) && !/^https?:/i.test(trimmed))
      throw invalid(text, 'only http and https origins can embed views')
    if (/[/?#]/.test(trimmed.replace(/^https?:\/\//i, '')))
      throw invalid(text, 'an origin has no path, query or fragment')
    if (trimmed.includes('@')) throw invalid(text, 'an origin has no user name or password')
    throw invalid(text, 'it is not an origin')
  }
  const [, scheme = '', wildcard = '', rawHost = '', port] = match
  const host = rawHost.toLowerCase()
  if (host.includes('*'))
    throw invalid(text, 'a wildcard may only be the first label, as in https://*.example.com')
  const labels = host.split('.')
  const hostOk = labels.every((label) => HOST_LABEL.test(label))
  if (!hostOk) throw invalid(text, `"${rawHost}" is not a host name`)
  if (wildcard !== '' && labels.length < 2)
    throw invalid(text, 'a wildcard needs a registrable domain under it, as in https://*.example.com')
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
    throw invalid(text, 'the port is out of range')
  const lower = scheme.toLowerCase()
  const defaultPort = (lower === 'https' && port === '443') || (lower === 'http' && port === '80')
  return `${lower}://${wildcard}${host}${port === undefined || defaultPort ? '' : `:${port}`}`
}

/**
 * A list of embed origins, each normalized by embedOrigin, duplicates dropped, at most
 * MAX_EMBED_ORIGINS. The first bad entry is the error.
 *
 * @example
 * embedOrigins(['https://a.example.com', 'https://A.example.com/']) // ['https://a.example.com']
 */
export function embedOrigins(texts: readonly string[]): string[] {
  const origins = [...new Set(texts.filter((text) => text.trim() !== '').map(embedOrigin))]
  if (origins.length > MAX_EMBED_ORIGINS) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `At most ${MAX_EMBED_ORIGINS} embed origins can be listed; ${origins.length} were given.`,
    )
  }
  return origins
}
