import { DatasourceSchema, type Datasource } from '../domain/datasource.js'
import { describeIssues } from '../domain/field-issues.js'
import type { ConnectionInput } from '../store/index.js'
import { text } from './pq-fields.js'
import { mapJdbc } from './pq-jdbc-datasource.js'
import type { PqEntity } from './pq-read.js'
import { mapRest } from './pq-rest-datasource.js'

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
  if (!check.success) {
    const problem = describeIssues(check.error, `datasource "${name}"`, result.datasource).message
    return { outcome: 'invalid', problems: [problem] }
  }
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

/** Unset in an export is null, missing, blank text or (for the pair fields) an empty object. */
function isSet(value: unknown): boolean {
  if (value === null || value === undefined) return false
  if (typeof value === 'string') return value.trim() !== ''
  return typeof value !== 'object' || Object.keys(value).length > 0
}
