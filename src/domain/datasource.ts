import { z } from 'zod'
import { authSchema } from './auth-kinds/auth-schema.js'
import { AUTH_KIND_LIST, SECRET_AUTH_FIELDS, type Auth } from './auth-kinds/index.js'
import { httpUrl } from './http-url.js'
import { nameSchema } from './name.js'
import { SECRET_MASK } from './secret-mask.js'
import { REST_DEFAULTS, SQL_DEFAULTS, SQL_SERVER_DEFAULTS } from './datasource-defaults.js'
import { QuarryError } from './errors.js'

/**
 * Datasources: where a query's requests go and how they authenticate. Parsed
 * with zod at every edge (CLI flags, config imports, the API); inside, the
 * types are trusted. Each auth kind is one member of a discriminated union,
 * derived from the kind's file in auth-kinds/.
 */

/**
 * The largest response Quarry can hold: V8's longest string (2^29 − 24 UTF-16 units, just under
 * 512 MiB). A body is decoded into one string, so a larger limit would fail with
 * ERR_STRING_TOO_LONG only after the whole body was read (issue 12).
 */
export const MAX_HOLDABLE_BYTES = 536_870_888

const name = nameSchema

export const HeaderSchema = z.object({
  name: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'header names are HTTP tokens, e.g. X-Api-Key'),
  value: z.string().refine((v) => !/[\r\n]/.test(v), 'header values cannot contain line breaks'),
  /** Encrypted at rest and never shown unless asked for. */
  secret: z.boolean().default(false),
})
export type Header = z.infer<typeof HeaderSchema>

/** An auth: one member per kind in src/domain/auth-kinds/, each derived from the kind's description. */
export const AuthSchema = authSchema(AUTH_KIND_LIST)
export type { Auth, AuthInput, AuthType } from './auth-kinds/index.js'
export { AUTH_TYPES, SECRET_AUTH_FIELDS } from './auth-kinds/index.js'

/**
 * What a converter may return in one run, for the queries of this datasource (a query's own setting
 * wins); absent means the defaults in src/convert/limits.ts (1,000,000 rows, 64 MiB of JSON text).
 * The same fields on a query (query.ts).
 */
export const converterLimits = {
  converterMaxRows: z.number().int().min(1).max(100_000_000).optional(),
  /** UTF-8 bytes of the rows as JSON text; at most what a string can hold (2^29 - 24). */
  converterMaxBytes: z
    .number()
    .int()
    .min(1024)
    .max(2 ** 29 - 24)
    .optional(),
}

/** The site a consent chose (Atlassian: a cloud site), kept on the preset block and the connection. */
export const PresetSiteSchema = z.object({ id: z.string(), name: z.string(), url: z.string() })
export type PresetSite = z.infer<typeof PresetSiteSchema>

/**
 * What every preset stores on its datasource: its name and, once connected, the site. Each preset's
 * own fields ride along and are parsed by the preset's schema (src/auth/presets/*.ts) where they are
 * used, so a new preset needs no change here.
 */
export const PresetBlockSchema = z.looseObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'preset names are lowercase letters, digits and "-"'),
  site: PresetSiteSchema.optional(),
})
export type PresetBlock = z.infer<typeof PresetBlockSchema>

/** The connection modes (issue 15): one grant for everyone, or one per signed-in person. */
export const CONNECTION_MODES = ['shared', 'per-user'] as const
export const ConnectionModeSchema = z.enum(CONNECTION_MODES)
export type ConnectionMode = z.infer<typeof ConnectionModeSchema>

export const RestDatasourceSchema = z.object({
  name,
  type: z.literal('rest'),
  baseUrl: httpUrl,
  /** Path (relative to baseUrl) that `datasource test` requests. */
  testPath: z.string().default(REST_DEFAULTS.testPath),
  headers: z.array(HeaderSchema).default([]),
  timeoutMs: z.number().int().min(100).max(600_000).default(REST_DEFAULTS.timeoutMs),
  maxResponseBytes: z
    .number()
    .int()
    .min(1024)
    .max(MAX_HOLDABLE_BYTES, {
      message: `must be at most ${MAX_HOLDABLE_BYTES} bytes (about 512 MiB, V8's longest string): a larger response could not be held`,
    })
    .default(REST_DEFAULTS.maxResponseBytes),
  /** Hosts requests (and redirects) may go to; empty = only the base URL's host. */
  allowedHosts: z.array(z.string().min(1)).default([]),
  ...converterLimits,
  auth: AuthSchema.default({ type: 'none' }),
  /**
   * Whose grant a run uses (issue 15): the datasource's one connection (`shared`), or each viewer's own
   * (`per-user`, OAuth 2.0 3LO only: checkConnectionMode).
   */
  connectionMode: ConnectionModeSchema.default(REST_DEFAULTS.connectionMode),
  /** Set by a preset (src/auth/presets): what it completes after consent (the site, hence the base URL). */
  preset: PresetBlockSchema.optional(),
})
export type RestDatasource = z.infer<typeof RestDatasourceSchema>
export type RestDatasourceInput = z.input<typeof RestDatasourceSchema>

/** TLS to a database server: off, on without checking the certificate, or on and verified (optionally against a CA in PEM). */
export const SqlTlsSchema = z.object({
  mode: z.enum(['disable', 'require', 'verify']).default(SQL_SERVER_DEFAULTS.tlsMode),
  /** PEM text of the CA that signed the server's certificate (for `verify` with a private CA). */
  ca: z.string().optional(),
})
export type SqlTls = z.infer<typeof SqlTlsSchema>

/** A `scheme://` URL without a password in it: the password is a field of its own, encrypted at rest. */
const dbUrl = (schemes: readonly string[]) =>
  z.string().refine(
    (text) => {
      try {
        const url = new URL(text)
        // Drivers also read a password from the query string (pg: ?password=…, ?sslpassword=…).
        const inQuery = [...url.searchParams.keys()].some((key) => /pass|pwd/i.test(key))
        return schemes.includes(url.protocol) && url.password === '' && !inQuery
      } catch {
        return false
      }
    },
    `must be a ${schemes.join(' or ')}//host[:port]/database URL, without the password — in it or in its query string (give that with --password)`,
  )

/** What every SQL datasource has: limits and the read-only rule. */
const sqlCommon = {
  ...converterLimits,
  name,
  /** Per statement, enforced by the server (PostgreSQL statement_timeout, MariaDB max_statement_time, MySQL max_execution_time). */
  statementTimeoutMs: z.number().int().min(100).max(3_600_000).default(SQL_DEFAULTS.statementTimeoutMs),
  /** Rows read at most; when a query has more, the run stops there and says so. */
  maxRows: z.number().int().min(1).max(100_000_000).default(SQL_DEFAULTS.maxRows),
  /** Queries run in read-only transactions (a write fails) unless the admin turns this off. */
  readOnly: z.boolean().default(SQL_DEFAULTS.readOnly),
}

/** A client-server database: a URL, or host/port/database/user; the password is a secret. */
const serverFields = {
  ...sqlCommon,
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65_535).optional(),
  database: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  /** Encrypted at rest (splitSecrets), masked when shown. */
  password: z.string().optional(),
  tls: SqlTlsSchema.default({ mode: SQL_SERVER_DEFAULTS.tlsMode }),
  poolSize: z.number().int().min(1).max(100).default(SQL_SERVER_DEFAULTS.poolSize),
}

const hasServer = (d: { url?: string | undefined; host?: string | undefined }) =>
  d.url !== undefined || d.host !== undefined
const serverMessage = { message: 'a SQL datasource needs a url or a host', path: ['host'] }

export const PostgresDatasourceSchema = z
  .object({
    ...serverFields,
    type: z.literal('postgres'),
    url: dbUrl(['postgres:', 'postgresql:']).optional(),
  })
  .refine(hasServer, serverMessage)
export const MysqlDatasourceSchema = z
  .object({ ...serverFields, type: z.literal('mysql'), url: dbUrl(['mysql:', 'mariadb:']).optional() })
  .refine(hasServer, serverMessage)
export const SqliteDatasourceSchema = z.object({
  ...sqlCommon,
  type: z.literal('sqlite'),
  /** The database file; always opened read-only unless readOnly is false. */
  path: z.string().min(1),
})

export type PostgresDatasource = z.infer<typeof PostgresDatasourceSchema>
export type MysqlDatasource = z.infer<typeof MysqlDatasourceSchema>
export type SqliteDatasource = z.infer<typeof SqliteDatasourceSchema>
export type SqlDatasource = PostgresDatasource | MysqlDatasource | SqliteDatasource
export type SqlDatasourceType = SqlDatasource['type']
export const SQL_DATASOURCE_TYPES = [
  'postgres',
  'mysql',
  'sqlite',
] as const satisfies readonly SqlDatasourceType[]

/** Every kind of datasource, by `type`: a REST API, or a SQL database. */
export const DatasourceSchema = z.discriminatedUnion('type', [
  RestDatasourceSchema,
  PostgresDatasourceSchema,
  MysqlDatasourceSchema,
  SqliteDatasourceSchema,
])
export type Datasource = z.infer<typeof DatasourceSchema>
export type DatasourceInput = z.input<typeof DatasourceSchema>
export type DatasourceType = Datasource['type']

/** True for the SQL kinds. */
export function isSqlDatasource(datasource: Datasource): datasource is SqlDatasource {
  return datasource.type !== 'rest'
}

/**
 * Splits a datasource into what is stored in clear and the secrets the store
 * encrypts. Secret values are replaced by the empty string in `config`.
 *
 * @example splitSecrets(ds) // { config: { …, auth: { type: 'bearer', token: '' } }, secrets: { 'auth.token': 'abc' } }
 */
export function splitSecrets<D extends Datasource>(
  datasource: D,
): {
  config: D
  secrets: Record<string, string>
} {
  const secrets: Record<string, string> = {}
  if (datasource.type !== 'rest') {
    if (datasource.type === 'sqlite' || datasource.password === undefined)
      return { config: datasource, secrets }
    secrets.password = datasource.password
    return { config: { ...datasource, password: '' }, secrets }
  }
  const auth = { ...datasource.auth } as Record<string, unknown>
  for (const field of SECRET_AUTH_FIELDS) {
    if (typeof auth[field] === 'string') {
      secrets[`auth.${field}`] = auth[field]
      auth[field] = ''
    }
  }
  const headers = datasource.headers.map((header) => {
    if (!header.secret) return header
    secrets[`header.${header.name.toLowerCase()}`] = header.value
    return { ...header, value: '' }
  })
  return { config: { ...datasource, auth: auth as Auth, headers }, secrets }
}

/** The inverse of splitSecrets. */
export function joinSecrets<D extends Datasource>(config: D, secrets: Readonly<Record<string, string>>): D {
  if (config.type !== 'rest') {
    if (config.type === 'sqlite' || !('password' in config)) return config
    return { ...config, password: secrets.password ?? '' }
  }
  const auth = { ...config.auth } as Record<string, unknown>
  for (const field of SECRET_AUTH_FIELDS) {
    const value = secrets[`auth.${field}`]
    if (field in auth && value !== undefined) auth[field] = value
  }
  const headers = config.headers.map((header) =>
    header.secret ? { ...header, value: secrets[`header.${header.name.toLowerCase()}`] ?? '' } : header,
  )
  return { ...config, auth: auth as Auth, headers }
}

/** A copy safe to print: every secret replaced by SECRET_MASK. */
export function redactDatasource(datasource: Datasource): Datasource {
  const { config, secrets } = splitSecrets(datasource)
  const masked = Object.fromEntries(Object.keys(secrets).map((key) => [key, SECRET_MASK]))
  return joinSecrets(config, masked)
}

/**
 * The datasource with each secret given back as SECRET_MASK (what redactDatasource showed) replaced by
 * the stored value: an edit that does not retype a secret keeps it.
 *
 * @example keepMaskedSecrets({ …, auth: { type: 'bearer', token: '••••••' } }, stored) // the stored token
 */
export function keepMaskedSecrets<D extends Datasource>(datasource: D, stored: Datasource): D {
  const { config, secrets } = splitSecrets(datasource)
  const old = splitSecrets(stored).secrets
  const kept = Object.fromEntries(
    Object.entries(secrets).map(([key, value]) => [key, value === SECRET_MASK ? (old[key] ?? '') : value]),
  )
  return joinSecrets(config, kept)
}

/**
 * Whether runs of this datasource use each viewer's own connection (issue 15).
 *
 * @example isPerUser(datasource) // true for a 3LO datasource with connectionMode 'per-user'
 */
export function isPerUser(datasource: Datasource): boolean {
  return datasource.type === 'rest' && datasource.connectionMode === 'per-user'
}

/**
 * Refuses `per-user` on a datasource whose auth is not OAuth 2.0 (3LO): only a consent gives each
 * person a grant of their own; a key, a password or client credentials are the same for everyone.
 *
 * @example checkConnectionMode({ …, auth: { type: 'bearer', … }, connectionMode: 'per-user' }) // throws
 */
export function checkConnectionMode(datasource: Datasource): void {
  if (!isPerUser(datasource) || datasource.type !== 'rest') return
  if (datasource.auth.type === 'oauth2-authorization-code') return
  throw new QuarryError(
    'QUARRY_CONNECTION_MODE_UNSUPPORTED',
    `Datasource "${datasource.name}" cannot run per user: its auth is ${datasource.auth.type}, and only OAuth 2.0 ` +
      `(3LO, oauth2-authorization-code) gives each person a grant of their own. Set --connection-mode shared, ` +
      `or switch the auth to oauth2-authorization-code.`,
  )
}
