import * as oauth from 'oauth4webapi'
import { QuarryError } from '../../domain/errors.js'
import { describeUrl } from '../../domain/describe-url.js'
import { codeOf, networkCause } from '../../domain/network-error.js'

/**
 * Token endpoint requests (RFC 6749 §4.1.3, §4.4, §6) through oauth4webapi:
 * build the request, then process the response. The transport is injectable
 * (STYLE 3), so tests can run against the simulator or a stub.
 */
export interface TokenEndpoint {
  readonly tokenUrl: string
  readonly clientId: string
  readonly clientSecret: string
  /** RFC 6749 §2.3.1: HTTP Basic or the request body (Atlassian wants the body). */
  readonly clientAuth: 'basic' | 'body'
  readonly fetch?: typeof fetch
  /**
   * How long the provider still accepts a refresh token after rotating it (Atlassian: 10 minutes);
   * 0 or absent: none known, so a refresh token is good for one answer only (reuse-grace.ts).
   */
  readonly reuseGraceMs?: number
  /** The token request's own timeout; by default tokenRequestTimeoutMs(this). */
  readonly timeoutMs?: number
}

/**
 * The token endpoint of an OAuth datasource's auth, with the transport when one is injected.
 *
 * @example tokenEndpoint(datasource.auth) // { tokenUrl, clientId, clientSecret, clientAuth }
 */
export function tokenEndpoint(
  auth: Pick<TokenEndpoint, 'tokenUrl' | 'clientId' | 'clientSecret' | 'clientAuth'>,
  fetchImpl?: typeof fetch,
  reuseGraceMs?: number,
): TokenEndpoint {
  return {
    tokenUrl: auth.tokenUrl,
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    clientAuth: auth.clientAuth,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
    ...(reuseGraceMs ? { reuseGraceMs } : {}),
  }
}

export interface TokenSet {
  readonly accessToken: string
  readonly refreshToken: string | undefined
  /** Seconds, when the server said. */
  readonly expiresIn: number | undefined
  readonly scope: string | undefined
}

function endpoint(config: TokenEndpoint): {
  as: oauth.AuthorizationServer
  client: oauth.Client
  auth: oauth.ClientAuth
} {
  const url = new URL(config.tokenUrl)
  return {
    as: { issuer: url.origin, token_endpoint: config.tokenUrl },
    client: { client_id: config.clientId },
    auth:
      config.clientAuth === 'basic'
        ? oauth.ClientSecretBasic(config.clientSecret)
        : oauth.ClientSecretPost(config.clientSecret),
  }
}

function requestOptions(config: TokenEndpoint): oauth.TokenEndpointRequestOptions {
  return {
    // Loopback and test servers speak plain HTTP; real providers are HTTPS (the URL is the admin's choice).
    [oauth.allowInsecureRequests]: new URL(config.tokenUrl).protocol === 'http:',
    ...(config.fetch ? { [oauth.customFetch]: config.fetch } : {}),
    signal: AbortSignal.timeout(tokenRequestTimeoutMs(config)),
  }
}

/**
 * How long a token request may take before Quarry stops waiting for its answer. An abandoned refresh
 * may still complete at the provider, which then rotates the refresh token Quarry still holds. With a
 * reuse grace that is harmless: the same refresh token is sent again at once (token-manager.ts). With
 * none, the answer is the only copy of the new refresh token, so Quarry waits for it much longer: a
 * slow provider is slow, a lost answer is a lost grant. Refresh waiters wait at least as long
 * (TokenManager), so the lock never gives up before its holder's request does.
 *
 * @example tokenRequestTimeoutMs({ ...endpoint, reuseGraceMs: 600_000 }) // 20_000
 */
export function tokenRequestTimeoutMs(config: Pick<TokenEndpoint, 'reuseGraceMs' | 'timeoutMs'>): number {
  if (config.timeoutMs !== undefined) return config.timeoutMs
  return (config.reuseGraceMs ?? 0) > 0 ? GRACE_TIMEOUT_MS : NO_GRACE_TIMEOUT_MS
}
const GRACE_TIMEOUT_MS = 20_000
const NO_GRACE_TIMEOUT_MS = 120_000

/**
 * Token errors after which the provider's answer did not arrive intact although the provider may have
 * acted on the request (and rotated the refresh token): a timeout, a reset, a cut or unreadable body,
 * a 5xx from a gateway in front of it. A refused connection or an unknown host is not one: nothing was sent.
 */
const lostAnswers = new WeakSet<QuarryError>()

/** Whether the token request behind `error` may have been carried out with its answer lost on the way. */
export function answerLost(error: QuarryError): boolean {
  return lostAnswers.has(error)
}

/** Nothing reached the provider: the connection was refused, or the host or its certificate is wrong. */
const NOT_SENT =
  /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT|CERT_|ERR_TLS_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/

function mayBeLost(error: unknown): boolean {
  if (error instanceof oauth.ResponseBodyError) return error.status >= 500
  if (error instanceof oauth.WWWAuthenticateChallengeError) return false
  if (error instanceof oauth.OperationProcessingError) {
    const status = (error.cause as Response | undefined)?.status
    return status === undefined || status < 400 || status >= 500
  }
  return !NOT_SENT.test(codeOf(error) ?? '')
}

function toTokenSet(result: oauth.TokenEndpointResponse): TokenSet {
  return {
    accessToken: result.access_token,
    refreshToken: result.refresh_token,
    expiresIn: result.expires_in,
    scope: result.scope,
  }
}

/**
 * What the token endpoint said, as a QuarryError: invalid_grant is its own
 * code (the user must consent again), everything else says what came back.
 */
export function tokenError(config: TokenEndpoint, error: unknown): QuarryError {
  const described = describeTokenError(config, error)
  if (mayBeLost(error)) lostAnswers.add(described)
  return described
}

function describeTokenError(config: TokenEndpoint, error: unknown): QuarryError {
  const where = describeUrl(config.tokenUrl)
  if (error instanceof oauth.ResponseBodyError) {
    const said = `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`
    if (error.error === 'invalid_grant') {
      return new QuarryError(
        'QUARRY_OAUTH_INVALID_GRANT',
        `The token endpoint ${where} refused the grant (${said}).`,
        { cause: error },
      )
    }
    if (error.status === 401 || error.error === 'invalid_client') {
      return new QuarryError(
        'QUARRY_OAUTH_TOKEN_ERROR',
        `The token endpoint ${where} refused the client credentials (${error.status} ${said}): check the datasource's client id and secret.`,
        { cause: error },
      )
    }
    return new QuarryError(
      'QUARRY_OAUTH_TOKEN_ERROR',
      `The token endpoint ${where} answered ${error.status} (${said}).`,
      { cause: error },
    )
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    return new QuarryError(
      'QUARRY_OAUTH_TOKEN_ERROR',
      `The token endpoint ${where} refused the client credentials (${error.status}).`,
      {
        cause: error,
      },
    )
  }
  if (error instanceof oauth.OperationProcessingError) {
    const status = (error.cause as Response | undefined)?.status
    return new QuarryError(
      'QUARRY_OAUTH_TOKEN_ERROR',
      `The token endpoint ${where} sent an answer Quarry cannot use${status ? ` (status ${status})` : ''}: ${error.message}`,
      { cause: error },
    )
  }
  if ((error as Error | undefined)?.name === 'TimeoutError') {
    return new QuarryError(
      'QUARRY_UPSTREAM_NETWORK',
      `The token endpoint ${where} did not answer within ${tokenRequestTimeoutMs(config) / 1000} s.`,
      { cause: error },
    )
  }
  const { sentence, tls } = networkCause(error, config.tokenUrl, false)
  return new QuarryError(
    tls ? 'QUARRY_UPSTREAM_TLS' : 'QUARRY_UPSTREAM_NETWORK',
    `The token endpoint ${where} could not be reached: ${sentence}`,
    {
      cause: error,
    },
  )
}

/** Exchanges a refresh token (RFC 6749 §6). */
export async function refreshGrant(config: TokenEndpoint, refreshToken: string): Promise<TokenSet> {
  const { as, client, auth } = endpoint(config)
  try {
    const response = await oauth.refreshTokenGrantRequest(
      as,
      client,
      auth,
      refreshToken,
      requestOptions(config),
    )
    return toTokenSet(await oauth.processRefreshTokenResponse(as, client, response))
  } catch (error) {
    throw tokenError(config, error)
  }
}

/** Client credentials grant (RFC 6749 §4.4). */
export async function clientCredentialsGrant(
  config: TokenEndpoint,
  parameters: Record<string, string>,
): Promise<TokenSet> {
  const { as, client, auth } = endpoint(config)
  try {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      parameters,
      requestOptions(config),
    )
    return toTokenSet(await oauth.processClientCredentialsResponse(as, client, response))
  } catch (error) {
    throw tokenError(config, error)
  }
}

/** Authorization code grant (RFC 6749 §4.1.3), with the PKCE verifier when one was used. */
export async function authorizationCodeGrant(
  config: TokenEndpoint,
  callback: URL,
  redirectUri: string,
  codeVerifier: string | undefined,
): Promise<TokenSet> {
  const { as, client, auth } = endpoint(config)
  try {
    const params = oauth.validateAuthResponse(as, client, callback, oauth.skipStateCheck)
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      redirectUri,
      codeVerifier ?? oauth.nopkce,
      requestOptions(config),
    )
    return toTokenSet(await oauth.processAuthorizationCodeResponse(as, client, response))
  } catch (error) {
    throw tokenError(config, error)
  }
}
