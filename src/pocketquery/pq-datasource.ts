import {
  JIRA_CLOUD,
  DEFAULT_REDIRECT_URI,
  jiraBaseUrl,
  jiraCloudDatasource,
} from '../auth/presets/jira-cloud.js'
import { DatasourceSchema, type Datasource, type Header } from '../domain/datasource.js'
import { describeIssues } from '../domain/errors.js'
import type { ConnectionInput } from '../store/index.js'
import type { PqEntity } from './pq-read.js'

/**
 * One PocketQuery datasource → one Quarry datasource (and, for OAuth2, its stored connection), or a
 * reason it cannot come over. The kinds and fields are PocketQuery's documented ones:
 * - kinds and JDBC URLs: https://help.livelyapps.com/pocketquery-for-confluence-cloud/datasources
 * - fields: https://help.livelyapps.com/pocketquery-for-confluence-cloud/json-import-how-to-fix-failed-entity
 *   and (Server/DC XML) https://help.livelyapps.com/pocketquery-for-confluence-cloud/xml-import-how-to-fix-failed-entity
 * - OAuth2 (Authentication URL = token endpoint, refresh and access token):
 *   https://help.livelyapps.com/pocketquery-for-confluence-cloud/OAuth2-Datasource.1138262046.html
 */

export type PqDatasourceKind =
  | 'REST_CUSTOM'
  | 'REST_BASIC'
  | 'REST_OAUTH2'
  | 'JDBC_POSTGRESQL'
  | 'JDBC_MYSQL_5'
  | 'JDBC_MYSQL_8'
  | 'JDBC_MARIADB'
  | 'JDBC_MSSQL'

export type PqDatasourceOutcome =
  | {
      readonly outcome: 'import'
      /** Secrets still in it: the store's splitSecrets encrypts them when it is written. */
      readonly datasource: Datasource
      readonly connection?: ConnectionInput
      /** One line on what it became, e.g. "REST, OAuth 2.0 (authorization code)". */
      readonly summary: string
      readonly notices: readonly string[]
    }
  | { readonly outcome: 'refuse'; readonly reason: string }
  | { readonly outcome: 'invalid'; readonly problems: readonly string[] }

/** Every documented field of the JSON form; `scope` is the seed guide's (not on the entity page). */
const KNOWN_FIELDS = new Set([
  'localId',
  'name',
  'description',
  'type',
  'legacyType',
  'url',
  'driver',
  'testUrl',
  'username',
  'password',
  'requestParameters',
  'requestHeaders',
  'authUrl',
  'clientId',
  'clientSecret',
  'refreshToken',
  'accessToken',
  'scope',
  'legacyResourceName',
  'legacyApplicationLinkId',
  'legacyConsumerKey',
  'legacyConsumerSecret',
  'legacyToken',
  'legacyTokenSecret',
  'legacySignatureMethod',
])

/** Fields every kind reads, or that say nothing Quarry keeps (the type number, the UUID). */
const ALWAYS = ['localId', 'name', 'description', 'type', 'legacyType']
const USED: Readonly<Record<'rest' | 'basic' | 'oauth2' | 'jdbc', readonly string[]>> = {
  rest: ['url', 'testUrl', 'requestParameters', 'requestHeaders'],
  basic: ['url', 'testUrl', 'requestParameters', 'requestHeaders', 'username', 'password'],
  oauth2: [
    'url',
    'testUrl',
    'requestParameters',
    'requestHeaders',
    'authUrl',
    'clientId',
    'clientSecret',
    'refreshToken',
    'accessToken',
    'scope',
  ],
  jdbc: ['url', 'driver', 'username', 'password'],
}

/** Atlassian's API gateway for a Jira Cloud site (the base URL jiraBaseUrl in auth/presets/jira-cloud.ts builds). */
const JIRA_CLOUD_URL = /^https:\/\/api\.atlassian\.com\/ex\/jira\/([^/?#]+)\/rest\/api\/([23])\/?$/
/** The token endpoint the seed guide gives PocketQuery. */
const ATLASSIAN_TOKEN_URL = 'https://auth.atlassian.com/oauth/token'

const text = (value: unknown): string | undefined => {
  if (typeof value === 'number') return String(value)
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
}

/**
 * Maps one datasource entity under the Quarry name it will have.
 *
 * @example mapPqDatasource({ kind: 'datasource', where: 'entity', fields: { type: 'REST_BASIC', url: 'https://x', username: 'u', password: 'p' } }, 'x').outcome // 'import'
 */
export function mapPqDatasource(
  entity: PqEntity,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): PqDatasourceOutcome {
  const f = entity.fields
  const notices: string[] = []
  for (const key of Object.keys(f)) {
    if (!KNOWN_FIELDS.has(key))
      notices.push(`"${key}" is not a documented PocketQuery datasource field: not imported.`)
  }

  const kind = kindOf(f)
  if ('refuse' in kind) return { outcome: 'refuse', reason: kind.refuse }
  const used = new Set([...ALWAYS, ...USED[kind.family]])
  for (const key of Object.keys(f)) {
    if (
      KNOWN_FIELDS.has(key) &&
      !used.has(key) &&
      isSet(f[key]) &&
      !(key === 'legacyResourceName' && bareJndi(f[key]))
    )
      notices.push(`"${key}" is set but a ${kind.type} datasource does not use it: not imported.`)
  }

  const result =
    kind.family === 'jdbc' ? mapJdbc(f, name, kind.type) : mapRest(f, name, kind.family, notices, env)
  if ('problems' in result) return { outcome: 'invalid', problems: result.problems }
  const check = DatasourceSchema.safeParse(result.datasource)
  if (!check.success)
    return { outcome: 'invalid', problems: [describeIssues(check.error, `datasource "${name}"`).message] }
  return {
    outcome: 'import',
    datasource: check.data,
    ...(result.connection ? { connection: result.connection } : {}),
    summary: result.summary,
    notices: [...notices, ...result.notices],
  }
}

type Kind =
  | { readonly family: 'rest' | 'basic' | 'oauth2' | 'jdbc'; readonly type: string }
  | { readonly refuse: string }

/** The JSON export names the kind; the XML one gives a number whose table is not documented, so its fields tell. */
function kindOf(f: Readonly<Record<string, unknown>>): Kind {
  const legacy = [
    'legacyApplicationLinkId',
    'legacyConsumerKey',
    'legacyConsumerSecret',
    'legacyToken',
    'legacyTokenSecret',
  ].filter((key) => text(f[key]) !== undefined)
  if (legacy.length > 0) {
    return {
      refuse: `an Application Link / OAuth 1.0a datasource (${legacy.join(', ')}) is not supported: Quarry speaks OAuth 2.0; recreate it as one.`,
    }
  }
  const resource = text(f.legacyResourceName)
  // The documented XML example carries the bare JNDI prefix on a REST datasource: that is no JNDI name.
  if (resource !== undefined && !bareJndi(resource)) {
    return {
      refuse: `a JNDI datasource ("${resource}") is not supported: give Quarry the database's URL instead.`,
    }
  }

  const type = text(f.type)
  switch (type) {
    case 'REST_CUSTOM':
      return { family: 'rest', type }
    case 'REST_BASIC':
      return { family: 'basic', type }
    case 'REST_OAUTH2':
      return { family: 'oauth2', type }
    case 'JDBC_POSTGRESQL':
    case 'JDBC_MYSQL_5':
    case 'JDBC_MYSQL_8':
    case 'JDBC_MARIADB':
      return { family: 'jdbc', type }
    case 'JDBC_MSSQL':
      return { refuse: unsupportedDatabase('Microsoft SQL Server') }
    case undefined:
      break
    default:
      return { refuse: `datasource type "${type}" is not one PocketQuery documents, so it is not imported.` }
  }
  const url = text(f.url) ?? ''
  const driver = text(f.driver) ?? ''
  if (url.startsWith('jdbc:') || driver !== '') {
    const scheme = /^jdbc:([a-z0-9]+)/.exec(url)?.[1] ?? ''
    if (scheme === 'postgresql' || driver === 'org.postgresql.Driver')
      return { family: 'jdbc', type: 'JDBC_POSTGRESQL' }
    if (scheme === 'mariadb' || driver === 'org.mariadb.jdbc.Driver')
      return { family: 'jdbc', type: 'JDBC_MARIADB' }
    if (scheme === 'mysql' || /^com\.mysql\.(cj\.)?jdbc\.Driver$/.test(driver))
      return { family: 'jdbc', type: 'JDBC_MYSQL_8' }
    if (scheme === 'sqlserver' || driver.includes('sqlserver'))
      return { refuse: unsupportedDatabase('Microsoft SQL Server') }
    if (scheme === 'oracle' || driver.startsWith('oracle.')) return { refuse: unsupportedDatabase('Oracle') }
    if (scheme === 'db2' || driver.startsWith('com.ibm.db2'))
      return { refuse: unsupportedDatabase('IBM DB2') }
    return { refuse: unsupportedDatabase(`the database of "${scheme || driver}"`) }
  }
  if (text(f.authUrl) !== undefined || text(f.clientId) !== undefined)
    return { family: 'oauth2', type: 'REST_OAUTH2' }
  if (text(f.username) !== undefined) return { family: 'basic', type: 'REST_BASIC' }
  return { family: 'rest', type: 'REST_CUSTOM' }
}

/** `java:comp/env/` alone: the prefix the XML export writes on every datasource, not a JNDI name. */
function bareJndi(value: unknown): boolean {
  return typeof value === 'string' && value.trim().replace(/\/+$/, '') === 'java:comp/env'
}

function unsupportedDatabase(what: string): string {
  return `${what} is not supported: Quarry reads PostgreSQL, MySQL and MariaDB (and SQLite).`
}

interface Mapped {
  readonly datasource: unknown
  readonly connection?: ConnectionInput
  readonly summary: string
  readonly notices: readonly string[]
}

function mapJdbc(
  f: Readonly<Record<string, unknown>>,
  name: string,
  type: string,
): Mapped | { problems: string[] } {
  const url = text(f.url)
  // jdbc:postgresql://host:5432/db?opts, jdbc:mysql://…, jdbc:mariadb://… (the datasources page's examples).
  const match = url
    ? /^jdbc:(postgresql|mysql|mariadb):\/\/([^/?;]+)(\/[^?;]*)?(?:[?;](.*))?$/.exec(url)
    : null
  if (!url || !match) {
    return {
      problems: [
        `datasource "${name}": "${shown(url ?? '')}" is not a jdbc:postgresql://, jdbc:mysql:// or jdbc:mariadb:// URL.`,
      ],
    }
  }
  const [, scheme, authority, path = '', options] = match as unknown as [
    string,
    string,
    string,
    string?,
    string?,
  ]
  const notices: string[] = []
  if (options) {
    notices.push(
      `JDBC URL options are not carried over (${options
        .split(/[&;]/)
        .map((pair) => pair.split('=')[0])
        .filter(Boolean)
        .join(', ')}): set TLS and limits on the Quarry datasource.`,
    )
  }
  if (authority.includes('@')) {
    return {
      problems: [
        `datasource "${name}": a JDBC URL with user:password in it; give them as username and password.`,
      ],
    }
  }
  // host:port and the database as fields (not a URL): the user then travels with them to the driver.
  const hostPort = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority)
  const database = decodeURIComponent(path.replace(/^\//, ''))
  if (!hostPort || database === '')
    return { problems: [`datasource "${name}": "${shown(url)}" names no host or no database.`] }
  const username = text(f.username)
  const password = typeof f.password === 'string' && f.password !== '' ? f.password : undefined
  const postgres = type === 'JDBC_POSTGRESQL'
  return {
    datasource: {
      name,
      type: postgres ? 'postgres' : 'mysql',
      host: (hostPort[1] as string).replace(/^\[|\]$/g, ''),
      ...(hostPort[2] ? { port: Number(hostPort[2]) } : {}),
      database,
      ...(username ? { user: username } : {}),
      ...(password !== undefined ? { password } : {}),
    },
    summary: `${postgres ? 'PostgreSQL' : scheme === 'mariadb' ? 'MariaDB' : 'MySQL'} at ${authority}${path} (read-only)`,
    notices,
  }
}

function mapRest(
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

/**
 * A URL as a message may show it: options (`?…`, JDBC's `;…`) and `user:password@` can hold
 * credentials, so they are cut.
 *
 * @example shown('jdbc:mysql://u:pw@db/x?password=s') // 'jdbc:mysql://…@db/x?…'
 */
function shown(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//…@').replace(/[?;].*$/, '?…')
}

/** Unset in an export is null, missing, blank text or (for the pair fields) an empty object. */
function isSet(value: unknown): boolean {
  if (value === null || value === undefined) return false
  if (typeof value === 'string') return value.trim() !== ''
  return typeof value !== 'object' || Object.keys(value).length > 0
}
