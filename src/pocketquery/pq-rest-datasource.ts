import {
  DEFAULT_REDIRECT_URI,
  JIRA_CLOUD,
  jiraBaseUrl,
  jiraCloudDatasource,
} from '../auth/presets/jira-cloud.js'
import type { Header } from '../domain/datasource.js'
import type { ConnectionInput } from '../store/index.js'
import { shown, text, type Mapped } from './pq-fields.js'

/**
 * A PocketQuery REST datasource (custom, basic, OAuth2) → a Quarry REST datasource, and for OAuth2
 * the connection its exported tokens make. REST custom's headers and parameters "added to every
 * request": https://help.livelyapps.com/pocketquery-for-confluence-cloud/datasources; OAuth2's
 * Authentication URL (the token endpoint), refresh and access token:
 * https://help.livelyapps.com/pocketquery-for-confluence-cloud/OAuth2-Datasource.1138262046.html
 */

/** Atlassian's API gateway for a Jira Cloud site (the base URL jiraBaseUrl in auth/presets/jira-cloud.ts builds). */
const JIRA_CLOUD_URL = /^https:\/\/api\.atlassian\.com\/ex\/jira\/([^/?#]+)\/rest\/api\/([23])\/?$/
/** The token endpoint the seed guide gives PocketQuery. */
const ATLASSIAN_TOKEN_URL = 'https://auth.atlassian.com/oauth/token'

/**
 * Maps one REST datasource's fields; `outer` collects notices about the file's values the preset
 * overrides. Returns problems instead when a needed field is missing.
 *
 * @example mapRest({ url: 'https://x.example.com', username: 'u', password: 'p' }, 'x', 'basic', [], {}) // { datasource: { …, auth: { type: 'basic', … } }, … }
 */
export function mapRest(
  f: Readonly<Record<string, unknown>>,
  name: string,
  family: 'rest' | 'basic' | 'oauth2',
  outer: string[],
  env: NodeJS.ProcessEnv,
): Mapped | { problems: string[] } {
  const problems: string[] = []
  const notices: string[] = []
  const url = text(f.url)
  if (!url) return { problems: [`datasource "${name}": a REST datasource needs its base URL ("url").`] }
  const headers = pairs(f.requestHeaders, 'requestHeaders', true, problems, name).map(
    // Headers carry credentials in PocketQuery's own examples (Authentication=Bearer …): all are kept encrypted.
    ([header, value]): Header => ({ name: header, value, secret: true }),
  )
  const parameters = pairs(f.requestParameters, 'requestParameters', false, problems, name)
  if (problems.length > 0) return { problems }

  let base: URL
  try {
    base = new URL(url)
  } catch {
    return { problems: [`datasource "${name}": "${shown(url)}" is not an absolute URL.`] }
  }
  let testPath = text(f.testUrl) ?? '/'
  const jira = family === 'oauth2' ? JIRA_CLOUD_URL.exec(url) : null
  if (jira) {
    // Atlassian removed GET /rest/api/2|3/search in 2025 (CHANGE-2046): it answers 410 Gone.
    if (/^\/?search\/?(\?.*)?$/.test(testPath)) {
      notices.push(
        `The test path "${testPath}" was removed by Atlassian in 2025 (CHANGE-2046, 410 Gone): it becomes "${JIRA_CLOUD.testPath}"; queries use /search/jql.`,
      )
      testPath = JIRA_CLOUD.testPath
    }
  }
  if (!testPath.startsWith('/') && !/^https?:/.test(testPath)) testPath = `/${testPath}`

  // Request parameters go on every request: one becomes an encrypted API key in the query string;
  // more are kept in the base URL (bindUrl adds its query to every request) and stored in clear.
  let auth: unknown = { type: 'none' }
  if (parameters.length === 1 && family === 'rest') {
    const [[param, value]] = parameters as [[string, string]]
    auth = { type: 'api-key', in: 'query', name: param, value }
  } else if (parameters.length > 0) {
    for (const [param, value] of parameters) base.searchParams.append(param, value)
    notices.push(
      `Request parameters ${parameters.map(([p]) => `"${p}"`).join(', ')} are kept in the base URL's query string (sent on every request) and stored unencrypted.`,
    )
  }

  if (family === 'basic') {
    auth = {
      type: 'basic',
      username: text(f.username) ?? '',
      password: typeof f.password === 'string' ? f.password : '',
    }
  }
  const common = {
    name,
    type: 'rest',
    baseUrl: base.toString(),
    testPath,
    headers,
  }
  if (family !== 'oauth2') {
    const summary =
      family === 'basic'
        ? 'REST, HTTP Basic'
        : `REST${headers.length ? `, ${headers.length} header(s)` : ''}${parameters.length ? `, ${parameters.length} request parameter(s)` : ''}`
    return { datasource: { ...common, auth }, summary, notices }
  }

  const tokenUrl = text(f.authUrl)
  const clientId = text(f.clientId)
  const clientSecret =
    typeof f.clientSecret === 'string' && f.clientSecret !== '' ? f.clientSecret : undefined
  if (!clientId || !clientSecret)
    problems.push(`datasource "${name}": an OAuth2 datasource needs clientId and clientSecret.`)
  if (!jira && !tokenUrl)
    problems.push(`datasource "${name}": an OAuth2 datasource needs its token URL ("authUrl").`)
  if (problems.length > 0) return { problems }
  const scope = text(f.scope)
  const connection = storedConnection(f, scope, notices)

  if (jira) {
    const [, cloudId, version] = jira as unknown as [string, string, string]
    const apiVersion = Number(version) as 2 | 3
    const preset = jiraCloudDatasource(
      {
        name,
        clientId: clientId as string,
        clientSecret: clientSecret as string,
        apiVersion,
        ...(scope ? { scopes: scope } : {}),
      },
      env,
    )
    if (tokenUrl && tokenUrl !== ATLASSIAN_TOKEN_URL) {
      outer.push(
        `The token URL "${tokenUrl}" is not Atlassian's; the Jira Cloud preset uses ${ATLASSIAN_TOKEN_URL}.`,
      )
    }
    if (!scope) {
      notices.push(
        `No scope in the export: the Jira Cloud preset's (${JIRA_CLOUD.scopes}) is used for a new consent.`,
      )
    }
    notices.push(
      `Jira Cloud site ${cloudId}: the site's name and address are filled in by the next "quarry connect" (issue links need them).`,
    )
    return {
      datasource: {
        ...preset,
        baseUrl: jiraBaseUrl(preset.preset?.apiUrl ?? JIRA_CLOUD.apiUrl, cloudId, apiVersion),
        testPath,
        headers,
      },
      ...(connection ? { connection } : {}),
      summary: `Jira Cloud preset, site ${cloudId}, REST API v${apiVersion}, OAuth 2.0 (authorization code)`,
      notices,
    }
  }
  const token = new URL(tokenUrl as string)
  notices.push(
    `PocketQuery keeps no authorization URL: "${token.origin}/authorize" and the redirect URI ${DEFAULT_REDIRECT_URI} stand in until a new consent needs them — check them before "quarry connect".`,
  )
  if (!scope)
    notices.push('No scope in the export: "offline_access" stands in until a new consent needs one.')
  return {
    datasource: {
      ...common,
      auth: {
        type: 'oauth2-authorization-code',
        authorizeUrl: `${token.origin}/authorize`,
        tokenUrl,
        clientId,
        clientSecret,
        scopes: scope ?? 'offline_access',
        redirectUri: DEFAULT_REDIRECT_URI,
        clientAuth: 'body',
      },
    },
    ...(connection ? { connection } : {}),
    summary: 'REST, OAuth 2.0 (authorization code)',
    notices,
  }
}

/**
 * The connection an OAuth2 datasource had in PocketQuery: its refresh token keeps rotation going.
 * The access token's expiry is not exported, so it is used until the API refuses it, then refreshed.
 */
function storedConnection(
  f: Readonly<Record<string, unknown>>,
  scope: string | undefined,
  notices: string[],
): ConnectionInput | undefined {
  const refresh = typeof f.refreshToken === 'string' && f.refreshToken !== '' ? f.refreshToken : undefined
  const access = typeof f.accessToken === 'string' && f.accessToken !== '' ? f.accessToken : undefined
  if (!refresh) {
    notices.push(
      access
        ? 'An access token without a refresh token cannot be renewed: run "quarry connect" once it expires.'
        : 'No tokens in the export: run "quarry connect" before the first query.',
    )
    if (!access) return undefined
  }
  return {
    tokens: { ...(access ? { access_token: access } : {}), ...(refresh ? { refresh_token: refresh } : {}) },
    accessExpiresAt: null,
    status: 'connected',
    statusMessage: null,
    scope: scope ?? null,
    site: null,
    lastRefreshAt: null,
    lastUsedAt: null,
  }
}

/**
 * Name/value pairs: an object in the JSON export; text in the XML one — `k=v;k2=v2` for parameters,
 * URL-encoded `k=v&k2=v2` for headers (the documented example; `;` is read too).
 */
function pairs(
  value: unknown,
  field: string,
  encoded: boolean,
  problems: string[],
  name: string,
): [string, string][] {
  if (value === null || value === undefined || value === '') return []
  if (typeof value === 'object' && !Array.isArray(value))
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v ?? '')])
  if (typeof value !== 'string') {
    problems.push(`datasource "${name}": "${field}" is neither an object nor text.`)
    return []
  }
  const out: [string, string][] = []
  for (const part of value.split(encoded ? /[&;]/ : ';')) {
    if (part.trim() === '') continue
    const at = part.indexOf('=')
    if (at <= 0) {
      // The text may hold a credential: say where, never what.
      problems.push(`datasource "${name}": "${field}" has an entry that is not name=value.`)
      continue
    }
    const decode = (s: string) => {
      try {
        return encoded ? decodeURIComponent(s.replace(/\+/g, ' ')) : s
      } catch {
        problems.push(`datasource "${name}": "${field}" has a value that is not URL-encoded.`)
        return s
      }
    }
    out.push([decode(part.slice(0, at).trim()), decode(part.slice(at + 1))])
  }
  return out
}
