import type { z } from 'zod'
import { AUTH_TYPES, DatasourceSchema, type Datasource, type Header } from '../domain/datasource.js'
import { QuarryError } from '../domain/errors.js'
import { parseDuration, parseHeader, parseInteger } from './flags.js'

/** The flags of `datasource add` and `datasource edit`, as commander hands them over. */
export interface DatasourceFlags {
  readonly url?: string
  readonly testPath?: string
  readonly header?: string[]
  readonly secretHeader?: string[]
  readonly timeout?: string
  readonly maxBytes?: string
  readonly allowHost?: string[]
  readonly auth?: string
  readonly username?: string
  readonly password?: string
  readonly keyName?: string
  readonly keyIn?: string
  readonly key?: string
  readonly token?: string
  readonly tokenUrl?: string
  readonly authorizeUrl?: string
  readonly clientId?: string
  readonly clientSecret?: string
  readonly scope?: string
  readonly audience?: string
  readonly redirectUri?: string
  readonly pkce?: boolean
  readonly clientAuth?: string
}

/** Describes zod issues by path, never by value: values may be secrets. */
export function describeIssues(error: z.ZodError, what: string): QuarryError {
  const lines = error.issues.map((issue) => `${issue.path.join('.') || what}: ${issue.message}`)
  return new QuarryError('QUARRY_CONFIG_INVALID', `Invalid ${what}: ${lines.join('; ')}`)
}

/**
 * Builds a datasource from flags, on top of an existing one for `edit`.
 *
 * @example datasourceFromFlags('jira', { url: 'https://x', auth: 'bearer', token: 't' })
 */
export function datasourceFromFlags(name: string, flags: DatasourceFlags, base?: Datasource): Datasource {
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

  const authType = flags.auth ?? base?.auth.type ?? 'none'
  const previous = (base?.auth.type === authType ? base.auth : { type: authType }) as Record<string, unknown>
  const pick = (field: string, value: unknown) => (value === undefined ? previous[field] : value)
  const auth: Record<string, unknown> = { type: authType }
  switch (authType) {
    case 'basic':
      Object.assign(auth, {
        username: pick('username', flags.username),
        password: pick('password', flags.password),
      })
      break
    case 'api-key':
      Object.assign(auth, {
        name: pick('name', flags.keyName),
        in: pick('in', flags.keyIn) ?? 'header',
        value: pick('value', flags.key),
      })
      break
    case 'bearer':
      auth.token = pick('token', flags.token)
      break
    case 'oauth2-client-credentials':
    case 'oauth2-authorization-code':
      Object.assign(auth, {
        tokenUrl: pick('tokenUrl', flags.tokenUrl),
        clientId: pick('clientId', flags.clientId),
        clientSecret: pick('clientSecret', flags.clientSecret),
        audience: pick('audience', flags.audience),
        clientAuth: pick('clientAuth', flags.clientAuth),
      })
      if (authType === 'oauth2-client-credentials') {
        auth.scope = pick('scope', flags.scope)
      } else {
        Object.assign(auth, {
          authorizeUrl: pick('authorizeUrl', flags.authorizeUrl),
          scopes: pick('scopes', flags.scope),
          redirectUri: pick('redirectUri', flags.redirectUri),
          pkce: pick('pkce', flags.pkce),
        })
      }
      break
  }
  for (const key of Object.keys(auth)) if (auth[key] === undefined) delete auth[key]

  const raw = {
    name,
    type: 'rest',
    baseUrl: flags.url ?? base?.baseUrl,
    testPath: flags.testPath ?? base?.testPath,
    headers,
    timeoutMs:
      flags.timeout === undefined ? base?.timeoutMs : parseDuration('--timeout', flags.timeout) * 1000,
    maxResponseBytes:
      flags.maxBytes === undefined
        ? base?.maxResponseBytes
        : parseInteger('--max-bytes', flags.maxBytes, 1024),
    allowedHosts: [...(base?.allowedHosts ?? []), ...(flags.allowHost ?? [])],
    auth,
  }
  if (raw.baseUrl === undefined)
    throw new QuarryError('QUARRY_CONFIG_INVALID', 'A REST datasource needs --url BASE_URL.')
  const parsed = DatasourceSchema.safeParse(raw)
  if (!parsed.success) throw describeIssues(parsed.error, `datasource "${name}"`)
  return parsed.data
}
