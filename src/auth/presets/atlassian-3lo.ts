import type { Auth, PresetBlock, RestDatasource } from '../../domain/datasource.js'
import { accessibleSites, chooseSite } from './atlassian-sites.js'
import type { PresetCompletion, PresetField, PresetGrant } from './preset.js'

/**
 * Atlassian's OAuth 2.0 (3LO), shared by its presets (Jira Cloud, Confluence Cloud): one authorization
 * server for every product, the products' APIs behind one gateway (docs/atlassian.md, "OAuth 2.0
 * (3LO)"). The hosts can point elsewhere (flags, or QUARRY_ATLASSIAN_AUTH_URL /
 * QUARRY_ATLASSIAN_API_URL) so a stand-in such as `quarry sim` can answer.
 */
export const ATLASSIAN = {
  authUrl: 'https://auth.atlassian.com',
  apiUrl: 'https://api.atlassian.com',
  audience: 'api.atlassian.com',
} as const

/**
 * Atlassian keeps a rotated refresh token usable for 10 minutes (its 3LO guide, "Use a refresh token
 * to get another access token"): the reuse grace of every Atlassian preset (oauth/reuse-grace.ts).
 */
export const ATLASSIAN_REUSE_GRACE_MS = 10 * 60_000

/** Quarry's loopback callback: register exactly this URL in the Atlassian developer console. */
export const DEFAULT_REDIRECT_URI = 'http://localhost:8765/callback'

/** Where Atlassian's authorization server and API gateway are: the given ones, the environment's, or the real ones. */
export function atlassianHosts(
  given: { readonly authUrl?: string | undefined; readonly apiUrl?: string | undefined },
  env: NodeJS.ProcessEnv,
): { authUrl: string; apiUrl: string } {
  return {
    authUrl: (given.authUrl ?? env.QUARRY_ATLASSIAN_AUTH_URL ?? ATLASSIAN.authUrl).replace(/\/+$/, ''),
    apiUrl: (given.apiUrl ?? env.QUARRY_ATLASSIAN_API_URL ?? ATLASSIAN.apiUrl).replace(/\/+$/, ''),
  }
}

/**
 * The 3LO auth of an Atlassian app: authorize and token endpoints at the authorization server, the
 * audience parameter, the client secret in the body, no PKCE.
 *
 * @example atlassianAuth('https://auth.atlassian.com', { clientId, clientSecret, scopes: 'read:jira-work offline_access' })
 */
export function atlassianAuth(
  authUrl: string,
  app: {
    readonly clientId: string
    readonly clientSecret: string
    readonly scopes: string
    readonly redirectUri?: string | undefined
  },
): Extract<Auth, { type: 'oauth2-authorization-code' }> {
  return {
    type: 'oauth2-authorization-code',
    authorizeUrl: `${authUrl}/authorize`,
    tokenUrl: `${authUrl}/oauth/token`,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    scopes: app.scopes,
    redirectUri: app.redirectUri ?? DEFAULT_REDIRECT_URI,
    audience: ATLASSIAN.audience,
    // Atlassian does not support PKCE for the REST API; the client secret authenticates.
    pkce: false,
    // Atlassian's refresh token comes with consent (prompt=consent), as its 3LO guide says.
    authorizeParams: { prompt: 'consent' },
    clientAuth: 'body',
  }
}

/** The fields of every Atlassian preset's form: the app's credentials from the Atlassian developer console. */
export const ATLASSIAN_APP_FIELDS: readonly PresetField[] = [
  { key: 'clientId', label: 'Client ID', kind: 'text', required: true, hint: "the app's client ID" },
  {
    key: 'clientSecret',
    label: 'Client secret',
    kind: 'secret',
    required: true,
    hint: "the app's secret, stored encrypted",
  },
]

/** An Atlassian preset's completion: the site the grant reaches (the user's choice among several) and its cloud id in the base URL. */
export async function completeAtlassianConsent<Block extends PresetBlock>(
  datasource: RestDatasource,
  block: Block & { readonly apiUrl: string },
  grant: PresetGrant,
  product: string,
  baseUrl: (cloudId: string) => string,
): Promise<PresetCompletion> {
  const sites = await accessibleSites(block.apiUrl, grant.accessToken, grant.fetch)
  const site = chooseSite(sites, grant.wantedSite, datasource.name, product)
  return {
    datasource: { ...datasource, baseUrl: baseUrl(site.id), preset: { ...block, site } },
    site,
    where: ` to ${site.name} (${site.url})`,
  }
}
