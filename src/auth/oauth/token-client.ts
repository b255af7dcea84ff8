import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import * as oauth from 'oauth4webapi'
import type { ClientAuthMethod, ServerMetadata, TokenEndpointFields } from '../../domain/auth-kinds/index.js'
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
  /** Absent for a public client (`none`) and for `private-key-jwt`. */
  readonly clientSecret?: string | undefined
  /** How the client authenticates (RFC 6749 §2.3.1; `private-key-jwt` is RFC 7523). */
  readonly clientAuth: ClientAuthMethod
  /** `private-key-jwt`: the client's private key, a JWK (JSON) or PKCS #8 PEM. */
  readonly clientKey?: string | undefined
  /** The issuer identifier the ID token (and the callback's `iss`) must name; the token URL's origin when unknown. */
  readonly issuer?: string | undefined
  /** The authorization server's discovered metadata (discovery.ts). */
  readonly server?: ServerMetadata | undefined
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
 * @example tokenEndpoint(datasource.auth) // { tokenUrl, clientId, clientSecret, clientAuth, … }
 */
export function tokenEndpoint(
  auth: TokenEndpointFields,
  fetchImpl?: typeof fetch,
  reuseGraceMs?: number,
): TokenEndpoint {
  return {
    tokenUrl: auth.tokenUrl,
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    clientAuth: auth.clientAuth,
    clientKey: auth.clientKey,
    issuer: auth.server?.issuer ?? auth.issuer,
    server: auth.server,
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

/** The issuer Quarry checks against: the configured (or discovered) one, else the token URL's origin, as before issuers. */
export function expectedIssuer(config: Pick<TokenEndpoint, 'issuer' | 'tokenUrl'>): string {
  return config.issuer ?? new URL(config.tokenUrl).origin
}

async function endpoint(config: TokenEndpoint): Promise<{
  as: oauth.AuthorizationServer
  client: oauth.Client
  auth: oauth.ClientAuth
}> {
  return {
    // The discovered metadata, with the token URL the datasource names (an admin may point it elsewhere).
    as: { ...config.server, issuer: expectedIssuer(config), token_endpoint: config.tokenUrl },
    client: { client_id: config.clientId },
    auth: await clientAuthentication(config),
  }
}

/** The client authentication oauth4webapi sends, from the datasource's method and its secret or key. */
async function clientAuthentication(config: TokenEndpoint): Promise<oauth.ClientAuth> {
  switch (config.clientAuth) {
    case 'none':
      return oauth.None()
    case 'private-key-jwt':
      return oauth.PrivateKeyJwt(await signingKey(config.clientKey))
    default: {
      if (!config.clientSecret) {
        throw new QuarryError(
          'QUARRY_CONFIG_INVALID',
          `Client authentication ${config.clientAuth} needs the client secret (--client-secret); a public client uses --client-auth none, a key --client-auth private-key-jwt.`,
        )
      }
      return config.clientAuth === 'basic'
        ? oauth.ClientSecretBasic(config.clientSecret)
        : oauth.ClientSecretPost(config.clientSecret)
    }
  }
}

/** WebCrypto's parameters for a private key's JWS algorithm (RFC 7518 §3). */
function algorithmOf(key: KeyObject, alg: unknown): Parameters<KeyObject['toCryptoKey']>[0] {
  const details = key.asymmetricKeyDetails
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return typeof alg === 'string' && alg.startsWith('PS')
        ? { name: 'RSA-PSS', hash: `SHA-${alg.slice(2)}` }
        : {
            name: 'RSASSA-PKCS1-v1_5',
            hash: `SHA-${typeof alg === 'string' && alg.startsWith('RS') ? alg.slice(2) : '256'}`,
          }
    case 'ec':
      return {
        name: 'ECDSA',
        namedCurve:
          details?.namedCurve === 'secp384r1'
            ? 'P-384'
            : details?.namedCurve === 'secp521r1'
              ? 'P-521'
              : 'P-256',
      }
    case 'ed25519':
      return { name: 'Ed25519' }
    default:
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        `The client key is a ${key.asymmetricKeyType ?? 'unknown'} key; private_key_jwt takes an RSA, EC (P-256, P-384, P-521) or Ed25519 key.`,
      )
  }
}

/** The client's private key for private_key_jwt, from a JWK (its kid goes in the assertion's header) or a PEM. */
async function signingKey(text: string | undefined): Promise<oauth.PrivateKey> {
  if (!text) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      'Client authentication private-key-jwt needs the client private key (--client-key, a JWK or PKCS #8 PEM).',
    )
  }
  let key: KeyObject
  let jwk: { kid?: unknown; alg?: unknown } = {}
  try {
    if (text.trim().startsWith('{')) {
      jwk = JSON.parse(text) as typeof jwk
      key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' })
    } else {
      key = createPrivateKey(text)
    }
  } catch (error) {
    // Never the key's text: it is a secret.
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `The client private key is neither a private JWK nor a PKCS #8 PEM (${(error as Error).message.split('\n')[0]}).`,
    )
  }
  const cryptoKey = key.toCryptoKey(algorithmOf(key, jwk.alg), false, ['sign'])
  return typeof jwk.kid === 'string' ? { key: cryptoKey, kid: jwk.kid } : { key: cryptoKey }
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
  // Quarry's own errors (a client key it cannot read, …) were raised before anything was sent.
  if (error instanceof QuarryError) return error
  const described = describeTokenError(config, error)
  if (mayBeLost(error)) lostAnswers.add(described)
  return described
}

/**
 * Providers' own names for RFC 6749 §5.2 token errors, read as the standard ones: GitHub's
 * ("Troubleshooting OAuth app access token request errors"; "Refreshing user access tokens").
 */
const STANDARD_TOKEN_ERRORS: Readonly<Record<string, string>> = {
  bad_verification_code: 'invalid_grant',
  bad_refresh_token: 'invalid_grant',
  incorrect_client_credentials: 'invalid_client',
}

/**
 * A token endpoint that answers an error with HTTP 200 and an error body (GitHub: `{"error":
 * "bad_verification_code", …}`) has refused the request: thrown as the error body it is, so it is never
 * taken for tokens — nor for a lost answer, which would send a refused refresh token again.
 */
async function refuseErrorBody(response: Response): Promise<Response> {
  if (response.status !== 200) return response
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => undefined)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return response
  const { error, access_token } = body as Record<string, unknown>
  if (typeof error !== 'string' || error === '' || access_token !== undefined) return response
  throw new oauth.ResponseBodyError('server responded with an error in a 200 response body', {
    cause: body as oauth.OAuth2Error,
    response,
  })
}

function describeTokenError(config: TokenEndpoint, error: unknown): QuarryError {
  const where = describeUrl(config.tokenUrl)
  if (error instanceof oauth.ResponseBodyError) {
    // On one line: Entra's descriptions end in "\r\nTrace ID: …\r\nCorrelation ID: …" lines.
    const description = error.error_description?.replace(/\s*[\r\n]+\s*/g, ' ')
    const said = `${error.error}${description ? `: ${description}` : ''}`
    const standard = STANDARD_TOKEN_ERRORS[error.error] ?? error.error
    if (standard === 'invalid_grant') {
      return new QuarryError(
        'QUARRY_OAUTH_INVALID_GRANT',
        `The token endpoint ${where} refused the grant (${said}).`,
        { cause: error },
      )
    }
    if (error.status === 401 || standard === 'invalid_client') {
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
  try {
    const { as, client, auth } = await endpoint(config)
    const response = await oauth.refreshTokenGrantRequest(
      as,
      client,
      auth,
      refreshToken,
      requestOptions(config),
    )
    return toTokenSet(await oauth.processRefreshTokenResponse(as, client, await refuseErrorBody(response)))
  } catch (error) {
    throw tokenError(config, error)
  }
}

/** Client credentials grant (RFC 6749 §4.4). */
export async function clientCredentialsGrant(
  config: TokenEndpoint,
  parameters: Record<string, string>,
): Promise<TokenSet> {
  try {
    const { as, client, auth } = await endpoint(config)
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      parameters,
      requestOptions(config),
    )
    return toTokenSet(
      await oauth.processClientCredentialsResponse(as, client, await refuseErrorBody(response)),
    )
  } catch (error) {
    throw tokenError(config, error)
  }
}

/** Where a consent failed, for the message: every step's failure ends in "Nothing was stored." */
const NOTHING_STORED = 'Nothing was stored.'

/**
 * The callback's RFC 9207 `iss` against the issuer Quarry expects: a different one is an answer from
 * another provider (a mix-up) or a datasource whose issuer is set wrong — or not set at all.
 */
function callbackError(config: TokenEndpoint, callback: URL, error: unknown): QuarryError {
  const iss = callback.searchParams.get('iss')
  const expected = expectedIssuer(config)
  const message =
    iss === null
      ? `Callback check failed: the provider announces that its answers name their issuer (RFC 9207), but this one names none.`
      : config.issuer === undefined
        ? `Callback check failed: the answer names issuer "${iss}", and the datasource has no issuer set to check it against: set the issuer to it (--issuer ${iss}, or the Issuer field) so discovery fills the rest, and connect again.`
        : `Callback check failed: the answer names issuer "${iss}", but the datasource's issuer is "${expected}" (RFC 9207): it came from another provider, or the issuer is set wrong.`
  return new QuarryError('QUARRY_OAUTH_ISSUER_MISMATCH', `${message} ${NOTHING_STORED}`, { cause: error })
}

/** Whether oauth4webapi refused the ID token rather than the token response itself. */
function isIdTokenFailure(error: unknown): error is oauth.OperationProcessingError {
  return (
    error instanceof oauth.OperationProcessingError &&
    (/JWT|ID Token|id_token/.test(error.message) ||
      error.code === oauth.JWT_CLAIM_COMPARISON ||
      error.code === oauth.JWT_TIMESTAMP_CHECK)
  )
}

function idTokenError(config: TokenEndpoint, error: oauth.OperationProcessingError): QuarryError {
  const claims = (error.cause as { claims?: { iss?: unknown } } | undefined)?.claims
  const named =
    typeof claims?.iss === 'string' && claims.iss !== expectedIssuer(config)
      ? ` It names issuer "${claims.iss}"; the datasource expects "${expectedIssuer(config)}"${config.issuer === undefined ? ` (set the issuer: --issuer ${claims.iss}, or the Issuer field)` : ''}.`
      : ''
  return new QuarryError(
    'QUARRY_OAUTH_ID_TOKEN_INVALID',
    `ID token check failed: ${error.message}.${named} The tokens that came with it were dropped. ${NOTHING_STORED}`,
    { cause: error },
  )
}

/**
 * Authorization code grant (RFC 6749 §4.1.3), with the PKCE verifier when one was used. Each step fails
 * with its own words: the callback (its `iss`), the token exchange, the ID token — all against the
 * datasource's issuer (discovered, or the token URL's origin when it has none).
 */
export async function authorizationCodeGrant(
  config: TokenEndpoint,
  callback: URL,
  redirectUri: string,
  codeVerifier: string | undefined,
  options: { readonly requireIdToken?: boolean } = {},
): Promise<TokenSet> {
  const { as, client, auth } = await endpoint(config)
  let params: URLSearchParams
  try {
    params = oauth.validateAuthResponse(as, client, callback, oauth.skipStateCheck)
  } catch (error) {
    throw callbackError(config, callback, error)
  }
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      redirectUri,
      codeVerifier ?? oauth.nopkce,
      requestOptions(config),
    )
    return toTokenSet(
      await oauth.processAuthorizationCodeResponse(as, client, await refuseErrorBody(response), {
        ...(options.requireIdToken ? { requireIdToken: true } : {}),
      }),
    )
  } catch (error) {
    if (isIdTokenFailure(error)) throw idTokenError(config, error)
    const failure = tokenError(config, error)
    const why =
      failure.code === 'QUARRY_OAUTH_INVALID_GRANT'
        ? ' The code has expired (they live 10 minutes) or was used already.'
        : ''
    throw new QuarryError(failure.code, `Token exchange failed: ${failure.message}${why} ${NOTHING_STORED}`, {
      cause: failure.cause,
    })
  }
}
