import * as oauth from 'oauth4webapi'
import type { ClientAuthMethod, ServerMetadata } from '../../domain/auth-kinds/index.js'
import { CLIENT_AUTH_ALIASES } from '../../domain/auth-kinds/oauth2-fields.js'
import { splitSecrets, type RestDatasource } from '../../domain/datasource.js'
import { QuarryError } from '../../domain/errors.js'
import { networkCause } from '../../domain/network-error.js'
import type { Store } from '../../store/index.js'

/**
 * Discovery of an authorization server from its issuer (OpenID Connect Discovery 1.0, RFC 8414), done
 * when a datasource is saved or connected — never per request: what it finds is kept on the auth
 * (`server`), so runs and refreshes use it without asking again. The issuer it keeps is the one the
 * document states, byte for byte, because the callback's `iss` (RFC 9207) and the ID token's `iss` are
 * compared with it as strings.
 */

/** How long one discovery request may take. */
const DISCOVERY_TIMEOUT_MS = 10_000

/** Plain http only to this machine (tests, a provider on loopback); anything else must be https. */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
}

/** The well-known URL oauth4webapi asks for each algorithm, for messages. */
function wellKnown(issuer: URL, algorithm: 'oidc' | 'oauth2'): string {
  const path = issuer.pathname === '/' ? '' : issuer.pathname
  return algorithm === 'oidc'
    ? `${issuer.origin}${path.replace(/\/$/, '')}/.well-known/openid-configuration`
    : `${issuer.origin}/.well-known/oauth-authorization-server${path}`
}

/** Why one discovery request failed, in words. */
function reason(error: unknown, url: string): string {
  if (error instanceof oauth.OperationProcessingError) {
    const status = (error.cause as Response | undefined)?.status
    if (error.code === oauth.RESPONSE_IS_NOT_CONFORM && status !== undefined) return `it answered ${status}`
    if (error.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
      const said = (error.cause as { body?: { issuer?: unknown } } | undefined)?.body?.issuer
      return `it names another issuer ("${String(said)}")`
    }
    return error.message
  }
  return networkCause(error, url, false).sentence.replace(/\.$/, '')
}

/**
 * The authorization server's metadata: OpenID Connect Discovery first, then RFC 8414.
 *
 * @example const server = await discover('https://login.example.com/realms/demo')
 */
export async function discover(issuer: string, fetchImpl?: typeof fetch): Promise<ServerMetadata> {
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    throw new QuarryError('QUARRY_CONFIG_INVALID', `The issuer "${issuer}" is not a URL.`)
  }
  if (url.protocol !== 'https:' && !isLoopbackHttp(url)) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `The issuer ${issuer} must be https (plain http only on this machine: 127.0.0.1 or localhost).`,
    )
  }
  const failures: string[] = []
  for (const algorithm of ['oidc', 'oauth2'] as const) {
    const at = wellKnown(url, algorithm)
    try {
      const response = await oauth.discoveryRequest(url, {
        algorithm,
        [oauth.allowInsecureRequests]: isLoopbackHttp(url),
        ...(fetchImpl ? { [oauth.customFetch]: fetchImpl } : {}),
        signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
      })
      const metadata = (await oauth.processDiscoveryResponse(url, response)) as ServerMetadata
      if (
        typeof metadata.authorization_endpoint !== 'string' ||
        typeof metadata.token_endpoint !== 'string'
      ) {
        failures.push(`${at}: it names no authorization_endpoint or token_endpoint`)
        continue
      }
      return metadata
    } catch (error) {
      failures.push(`${at}: ${reason(error, at)}`)
    }
  }
  throw new QuarryError(
    'QUARRY_OAUTH_DISCOVERY_FAILED',
    `Discovery of the issuer ${issuer} failed — ${failures.join('; ')}. Check the issuer (it is what the provider's documents call "issuer"), or give --authorize-url and --token-url instead.`,
  )
}

/** What the client has to authenticate with, and what it chose, if anything. */
export interface ClientCredentialsOnHand {
  readonly clientAuth?: string | undefined
  readonly clientSecret?: string | undefined
  readonly clientKey?: string | undefined
}

/** The RFC name of each of Quarry's client authentication methods. */
const RFC_NAME: Readonly<Record<ClientAuthMethod, string>> = {
  basic: 'client_secret_basic',
  body: 'client_secret_post',
  none: 'none',
  'private-key-jwt': 'private_key_jwt',
}

/**
 * The client authentication to use with a server: the chosen one while the server supports it, else
 * what the credentials on hand allow, in order of strength (a key, a secret by Basic, in the body,
 * none). A server that lists nothing supports client_secret_basic (RFC 8414 §2).
 */
export function chooseClientAuth(server: ServerMetadata, onHand: ClientCredentialsOnHand): ClientAuthMethod {
  const listed = server.token_endpoint_auth_methods_supported
  const supported = Array.isArray(listed) ? (listed as unknown[]) : ['client_secret_basic']
  const chosen =
    onHand.clientAuth === undefined
      ? undefined
      : ((CLIENT_AUTH_ALIASES as Readonly<Record<string, ClientAuthMethod>>)[onHand.clientAuth] ??
        (onHand.clientAuth as ClientAuthMethod))
  if (chosen !== undefined && supported.includes(RFC_NAME[chosen])) return chosen
  const candidates: ClientAuthMethod[] = [
    ...(onHand.clientKey ? (['private-key-jwt'] as const) : []),
    ...(onHand.clientSecret ? (['basic', 'body'] as const) : []),
    'none',
  ]
  return (
    candidates.find((method) => supported.includes(RFC_NAME[method])) ?? chosen ?? candidates[0] ?? 'none'
  )
}

/**
 * The auth fields discovery fills: the issuer as the document states it, the endpoints, the client
 * authentication (chooseClientAuth), PKCE where S256 is supported, and the metadata itself.
 *
 * @example { ...auth, ...discoveredFields(server, auth) }
 */
export function discoveredFields(
  server: ServerMetadata,
  onHand: ClientCredentialsOnHand,
): {
  issuer: string
  authorizeUrl: string
  tokenUrl: string
  clientAuth: ClientAuthMethod
  server: ServerMetadata
  pkce?: true
} {
  const methods = server.code_challenge_methods_supported
  return {
    issuer: server.issuer,
    authorizeUrl: server.authorization_endpoint as string,
    tokenUrl: server.token_endpoint as string,
    clientAuth: chooseClientAuth(server, onHand),
    server,
    ...(Array.isArray(methods) && methods.includes('S256') ? { pkce: true as const } : {}),
  }
}

/**
 * An auth as given (a request body, before its schema) with discovery applied when it names an issuer
 * whose metadata it does not hold yet: the endpoints fill in where empty or where they were what the
 * previous discovery found, so a new issuer brings its own.
 *
 * @example const raw = await withDiscovery(body.auth, stored?.auth)
 */
export async function withDiscovery(
  given: unknown,
  previous: unknown,
  fetchImpl?: typeof fetch,
): Promise<unknown> {
  const auth = given as Record<string, unknown> | undefined
  if (auth?.type !== 'oauth2-authorization-code' || typeof auth.issuer !== 'string' || auth.issuer === '')
    return given
  const before = previous as Record<string, unknown> | undefined
  const known = auth.server as ServerMetadata | undefined
  if (known !== undefined && (auth.issuer === known.issuer || before?.issuer === auth.issuer)) return given
  const found = discoveredFields(await discover(auth.issuer, fetchImpl), {
    clientAuth: typeof auth.clientAuth === 'string' ? auth.clientAuth : undefined,
    clientSecret: typeof auth.clientSecret === 'string' ? auth.clientSecret : undefined,
    clientKey: typeof auth.clientKey === 'string' ? auth.clientKey : undefined,
  })
  const keep = (field: 'authorizeUrl' | 'tokenUrl', endpoint: string) => {
    const value = auth[field]
    const wasDiscovered = known !== undefined && value === known[endpoint]
    return typeof value === 'string' && value !== '' && !wasDiscovered ? value : undefined
  }
  return {
    ...auth,
    ...found,
    ...(auth.pkce === true ? { pkce: true } : {}),
    authorizeUrl: keep('authorizeUrl', 'authorization_endpoint') ?? found.authorizeUrl,
    tokenUrl: keep('tokenUrl', 'token_endpoint') ?? found.tokenUrl,
  }
}

/**
 * A datasource whose issuer was set without discovery (an import, an older Quarry) discovers it on
 * connect and keeps what it found; one that holds its metadata is returned as it is.
 *
 * @example const ready = await ensureDiscovered(store, datasource)
 */
export async function ensureDiscovered(
  store: Store,
  datasource: RestDatasource,
  fetchImpl?: typeof fetch,
): Promise<RestDatasource> {
  const { auth } = datasource
  if (auth.type !== 'oauth2-authorization-code' || auth.issuer === undefined || auth.server !== undefined)
    return datasource
  const found = discoveredFields(await discover(auth.issuer, fetchImpl), auth)
  // The endpoints the admin gave stay; what was missing comes from the document.
  const completed: RestDatasource = {
    ...datasource,
    auth: { ...auth, issuer: found.issuer, server: found.server, pkce: auth.pkce || found.pkce === true },
  }
  const { config, secrets } = splitSecrets(completed)
  await store.datasources.update(datasource.name, { config, secrets })
  return completed
}
