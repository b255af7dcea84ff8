import { resolve } from 'node:path'
import {
  AUTH_KIND_LIST,
  AUTH_KINDS,
  authFromFlags,
  flagKey,
  type AuthFlagValues,
} from '../domain/auth-kinds/index.js'
import {
  AUTH_TYPES,
  DatasourceSchema,
  MAX_HOLDABLE_BYTES,
  SQL_DATASOURCE_TYPES,
  type AuthType,
  type Datasource,
  type Header,
  type RestDatasource,
  type SqlDatasource,
} from '../domain/datasource.js'
import { QuarryError } from '../domain/errors.js'
import { describeIssues, type SurfaceLabels } from '../domain/field-issues.js'

/** The flags that set a datasource's fields, so a refused datasource names what was typed (issue 11). */
const FLAG_LABELS: SurfaceLabels = {
  baseUrl: '--url',
  url: '--url',
  host: '--host',
  port: '--port',
  database: '--database',
  user: '--user',
  path: '--path',
  poolSize: '--pool-size',
  maxRows: '--max-rows',
  testPath: '--test-path',
  timeoutMs: '--timeout',
  maxResponseBytes: '--max-bytes',
  'tls.mode': '--tls',
  'tls.ca': '--tls-ca',
  // Each auth field by the flag its kind's description gives it (src/domain/auth-kinds/).
  ...Object.fromEntries(
    AUTH_KIND_LIST.flatMap((kind) =>
      Object.entries(kind.fields).map(([key, field]) => [`auth.${key}`, field.flag]),
    ),
  ),
}
import { parseDuration, parseHeader, parseInteger, readFlagFile } from './flags.js'

const TYPES = ['rest', ...SQL_DATASOURCE_TYPES] as const

/** The flags of `datasource add` and `datasource edit`, as commander hands them over. */
export interface DatasourceFlags extends AuthFlagValues {
  /** rest (default), postgres, mysql (MySQL and MariaDB) or sqlite. */
  readonly type?: string
  readonly url?: string
  readonly host?: string
  readonly port?: string
  readonly database?: string
  readonly user?: string
  /** sqlite: the database file. */
  readonly path?: string
  readonly tls?: string
  readonly tlsCa?: string
  readonly poolSize?: string
  readonly maxRows?: string
  /** SQL: allow writes (queries run in read-write transactions). */
  readonly readWrite?: boolean
  readonly readOnly?: boolean
  readonly testPath?: string
  readonly header?: string[]
  readonly secretHeader?: string[]
  readonly timeout?: string
  readonly maxBytes?: string
  readonly allowHost?: string[]
  /** shared | per-user (issue 15): whose connection runs use. */
  readonly connectionMode?: string
  /** The auth kind; its flags (AuthFlagValues) come from its description in src/domain/auth-kinds/. */
  readonly auth?: string
}

/**
 * Builds a datasource from flags, on top of an existing one for `edit`.
 *
 * @example datasourceFromFlags('jira', { url: 'https://x', auth: 'bearer', token: 't' })
 */
export function datasourceFromFlags(
  name: string,
  flags: DatasourceFlags,
  base?: Datasource,
  discovered?: Readonly<Record<string, unknown>>,
): Datasource {
  const type = flags.type ?? base?.type ?? 'rest'
  if (!(TYPES as readonly string[]).includes(type))
    throw new QuarryError('QUARRY_CONFIG_INVALID', `--type must be one of ${TYPES.join(', ')}; got "${type}"`)
  if (base !== undefined && base.type !== type) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `Datasource "${base.name}" is a ${base.type} datasource; its type cannot change. Add a new one instead.`,
    )
  }
  if (type !== 'rest') return sqlDatasourceFromFlags(name, type as SqlDatasource['type'], flags, base)
  return restDatasourceFromFlags(name, flags, base?.type === 'rest' ? base : undefined, discovered)
}

function restDatasourceFromFlags(
  name: string,
  flags: DatasourceFlags,
  base?: RestDatasource,
  discovered: Readonly<Record<string, unknown>> = {},
): Datasource {
  refuseFlags(flags, SQL_ONLY_FLAGS, 'for SQL datasources: add --type postgres|mysql|sqlite')
  if (flags.auth !== undefined && !(AUTH_TYPES as readonly string[]).includes(flags.auth)) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `--auth must be one of ${AUTH_TYPES.join(', ')}; got "${flags.auth}"`,
    )
  }

  const headers: Header[] = [...(base?.headers ?? [])]
  const setHeader = (text: string, secret: boolean, flag: string) => {
    const { name: headerName, value } = parseHeader(flag, text)
    const at = headers.findIndex((h) => h.name.toLowerCase() === headerName.toLowerCase())
    const header = { name: headerName, value, secret }
    if (at >= 0) headers[at] = header
    else headers.push(header)
  }
  for (const text of flags.header ?? []) setHeader(text, false, '--header')
  for (const text of flags.secretHeader ?? []) setHeader(text, true, '--secret-header')

  const authType = (flags.auth ?? base?.auth.type ?? 'none') as AuthType
  refuseOtherAuthFlags(name, flags, authType)
  // Each kind's fields come from its flags (src/domain/auth-kinds/), on top of what discovery found and
  // the current auth of that kind.
  const auth = authFromFlags(
    AUTH_KINDS[authType],
    { ...flags },
    { ...(base?.auth.type === authType ? base.auth : {}), ...discovered },
  )
  if (authType === 'oauth2-authorization-code') requireAuthorizationCodeFlags(auth)

  const raw = {
    // Every field a flag does not set stays as it was — the preset block (issue 14: an edit dropped it,
    // and with it the site), the converter limits, and whatever a field added later holds.
    ...base,
    name,
    type: 'rest',
    baseUrl: flags.url ?? base?.baseUrl,
    testPath: flags.testPath ?? base?.testPath,
    headers,
    timeoutMs:
      flags.timeout === undefined ? base?.timeoutMs : parseDuration('--timeout', flags.timeout) * 1000,
    maxResponseBytes: flags.maxBytes === undefined ? base?.maxResponseBytes : maxBytes(flags.maxBytes),
    allowedHosts: [...(base?.allowedHosts ?? []), ...(flags.allowHost ?? [])],
    auth,
    connectionMode: flags.connectionMode ?? base?.connectionMode,
  }
  if (raw.baseUrl === undefined)
    throw new QuarryError('QUARRY_CONFIG_INVALID', 'A REST datasource needs --url BASE_URL.')
  const parsed = DatasourceSchema.safeParse(raw)
  if (!parsed.success) throw describeIssues(parsed.error, `datasource "${name}"`, raw, FLAG_LABELS)
  return parsed.data
}

/**
 * A SQL datasource from flags: `--url` (its password, if any, moves to the encrypted password field),
 * or `--host/--port/--database/--user`, plus `--password`, TLS, pool size, limits.
 *
 * @example datasourceFromFlags('shop', { type: 'postgres', url: 'postgres://app@db/shop', password: 's3' })
 */
function sqlDatasourceFromFlags(
  name: string,
  type: SqlDatasource['type'],
  flags: DatasourceFlags,
  base?: Datasource,
): Datasource {
  refuseFlags(flags, REST_ONLY_FLAGS, `for REST datasources; "${name}" is a ${type} datasource`)
  refuseFlags(
    flags,
    type === 'sqlite' ? SERVER_ONLY_FLAGS : FILE_ONLY_FLAGS,
    type === 'sqlite'
      ? 'for database servers (postgres, mysql); a sqlite datasource takes --path FILE'
      : `for sqlite datasources; a ${type} datasource takes --url or --host`,
  )
  const previous = (base ?? {}) as Record<string, unknown>
  const raw: Record<string, unknown> = {
    ...previous,
    name,
    type,
    statementTimeoutMs:
      flags.timeout === undefined
        ? previous.statementTimeoutMs
        : parseDuration('--timeout', flags.timeout) * 1000,
    maxRows: flags.maxRows === undefined ? previous.maxRows : parseInteger('--max-rows', flags.maxRows, 1),
    readOnly: flags.readWrite ? false : flags.readOnly ? true : previous.readOnly,
  }
  if (type === 'sqlite') {
    if (flags.url !== undefined || flags.host !== undefined) {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        'A sqlite datasource takes --path FILE, not --url or --host.',
      )
    }
    // Absolute, so runs from another directory (or the server) open the same file.
    raw.path = flags.path === undefined ? previous.path : resolve(flags.path)
    if (raw.path === undefined)
      throw new QuarryError('QUARRY_CONFIG_INVALID', 'A sqlite datasource needs --path FILE.')
  } else {
    let url = flags.url ?? previous.url
    let password = flags.password ?? previous.password
    if (flags.url !== undefined) {
      try {
        // A password written into the URL is moved out of it: only the password field is encrypted at rest.
        const parsed = new URL(flags.url)
        if (parsed.password !== '') {
          password = flags.password ?? decodeURIComponent(parsed.password)
          parsed.password = ''
          url = parsed.toString()
        }
      } catch {
        // The schema says what is wrong with it.
      }
    }
    Object.assign(raw, {
      url,
      host: flags.host ?? previous.host,
      port: flags.port === undefined ? previous.port : parseInteger('--port', flags.port, 1),
      database: flags.database ?? previous.database,
      user: flags.user ?? flags.username ?? previous.user,
      password,
      poolSize:
        flags.poolSize === undefined ? previous.poolSize : parseInteger('--pool-size', flags.poolSize, 1),
      tls: {
        ...((previous.tls as object | undefined) ?? {}),
        ...(flags.tls === undefined ? {} : { mode: flags.tls }),
        ...(flags.tlsCa === undefined ? {} : { ca: readFlagFile('--tls-ca', flags.tlsCa) }),
      },
    })
    if (url === undefined && raw.host === undefined) {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        `A ${type} datasource needs --url ${type === 'postgres' ? 'postgres' : 'mysql'}://USER@HOST:PORT/DATABASE or --host HOST [--port --database --user].`,
      )
    }
  }
  for (const key of Object.keys(raw)) if (raw[key] === undefined) delete raw[key]
  const parsed = DatasourceSchema.safeParse(raw)
  if (!parsed.success) throw describeIssues(parsed.error, `datasource "${name}"`, raw, FLAG_LABELS)
  return parsed.data
}

/**
 * Flags that belong to another kind of datasource, by their key in DatasourceFlags. A flag that does not
 * apply is refused, never ignored: `edit --client-secret` on a bearer datasource used to say "Updated"
 * and change nothing.
 */
const SQL_ONLY_FLAGS = {
  host: '--host',
  port: '--port',
  database: '--database',
  user: '--user',
  path: '--path',
  tls: '--tls',
  tlsCa: '--tls-ca',
  poolSize: '--pool-size',
  maxRows: '--max-rows',
  readWrite: '--read-write',
  readOnly: '--read-only',
} as const satisfies Partial<Record<keyof DatasourceFlags, string>>

/** REST's own flags, and every auth kind's but the two a database server also takes (its user and password). */
const REST_ONLY_FLAGS: Readonly<Record<string, string>> = {
  header: '--header',
  secretHeader: '--secret-header',
  testPath: '--test-path',
  maxBytes: '--max-bytes',
  allowHost: '--allow-host',
  connectionMode: '--connection-mode',
  auth: '--auth',
  ...Object.fromEntries(
    authFlags()
      .filter(({ key }) => key !== 'username' && key !== 'password')
      .map(({ key, flag }) => [key, flag]),
  ),
}

const SERVER_ONLY_FLAGS = {
  url: '--url',
  host: '--host',
  port: '--port',
  database: '--database',
  user: '--user',
  username: '--username',
  password: '--password',
  tls: '--tls',
  tlsCa: '--tls-ca',
  poolSize: '--pool-size',
} as const satisfies Partial<Record<keyof DatasourceFlags, string>>

const FILE_ONLY_FLAGS = { path: '--path' } as const satisfies Partial<Record<keyof DatasourceFlags, string>>

/** Every auth kind's flags (src/domain/auth-kinds/), with the kinds that take each. */
function authFlags(): { key: string; flag: string; kinds: string[] }[] {
  const byKey = new Map<string, { key: string; flag: string; kinds: string[] }>()
  for (const kind of AUTH_KIND_LIST) {
    for (const field of Object.values(kind.fields)) {
      if (field.input === 'metadata') continue
      const key = flagKey(field.flag)
      const flag = field.flag.split(' ')[0] ?? field.flag
      const entry = byKey.get(key) ?? { key, flag, kinds: [] as string[] }
      entry.kinds.push(kind.type as string)
      byKey.set(key, entry)
    }
  }
  return [...byKey.values()]
}

function refuseFlags(
  flags: DatasourceFlags,
  foreign: Readonly<Record<string, string>>,
  reason: string,
): void {
  const given = Object.entries(foreign)
    .filter(([key]) => (flags as Readonly<Record<string, unknown>>)[key] !== undefined)
    .map(([, flag]) => flag)
  if (given.length > 0) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `${given.join(', ')} ${given.length > 1 ? 'are' : 'is'} ${reason}.`,
    )
  }
}

/** An auth flag of another kind than the datasource's: named with the kinds that take it. */
function refuseOtherAuthFlags(name: string, flags: DatasourceFlags, authType: AuthType): void {
  for (const { key, flag, kinds } of authFlags()) {
    if ((flags as Readonly<Record<string, unknown>>)[key] === undefined || kinds.includes(authType)) continue
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `${flag} is for --auth ${kinds.join(' or ')}; datasource "${name}" uses ${authType}. Give --auth with the kind to change it, or leave ${flag} out.`,
    )
  }
}

/**
 * What an authorization code datasource cannot do without, said with the flags to give (issue 14: a
 * missing redirect URI was a schema message). The endpoints come from --issuer or their own flags.
 */
function requireAuthorizationCodeFlags(auth: Readonly<Record<string, unknown>>): void {
  const missing: string[] = []
  if (auth.authorizeUrl === undefined || auth.tokenUrl === undefined)
    missing.push('--issuer URL (discovery fills the endpoints) or --authorize-url URL and --token-url URL')
  if (auth.clientId === undefined) missing.push('--client-id ID')
  if (auth.redirectUri === undefined) {
    missing.push(
      '--redirect-uri URI (the callback URL registered with the provider: http://localhost:PORT/callback for quarry connect, or the server’s /api/oauth/callback)',
    )
  }
  if (missing.length === 0) return
  throw new QuarryError(
    'QUARRY_CONFIG_INVALID',
    `An oauth2-authorization-code datasource needs ${missing.join('; ')}.`,
  )
}

/** `--max-bytes`, refused above what a string can hold (the schema says the same for other edges). */
function maxBytes(text: string): number {
  const bytes = parseInteger('--max-bytes', text, 1024)
  if (bytes > MAX_HOLDABLE_BYTES) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `--max-bytes must be at most ${MAX_HOLDABLE_BYTES} (about 512 MiB, V8's longest string): a larger response could not be held; got ${bytes}.`,
    )
  }
  return bytes
}
