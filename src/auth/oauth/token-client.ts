import * as oauth from 'oauth4webapi'
import { QuarryError } from '../../domain/errors.js'
import { describeUrl } from '../../domain/describe-url.js'
import { networkCause } from '../../domain/network-error.js'

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
}

/**
 * The token endpoint of an OAuth datasource's auth, with the transport when one is injected.
 *
 * @example tokenEndpoint(datasource.auth) // { tokenUrl, clientId, clientSecret, clientAuth }
 */
export function tokenEndpoint(
  auth: Pick<TokenEndpoint, 'tokenUrl' | 'clientId' | 'clientSecret' | 'clientAuth'>,
  fetchImpl?: typeof fetch,
): TokenEndpoint {
  return {
    tokenUrl: auth.tokenUrl,
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    clientAuth: auth.clientAuth,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
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
    // Refreshes run under the store lock: a hung token endpoint must give up well before the
    // lock's own deadline, so no waiter outlives a holder (docs/architecture.md, token invariant rule 1).
    signal: AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS),
  }
}

/** Less than the store's lock timeout (30 s). */
export const TOKEN_REQUEST_TIMEOUT_MS = 20_000

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
