import { generateKeyPairSync } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider, { interactionPolicy, type ClientMetadata } from 'oidc-provider'

/**
 * A certified OpenID provider nobody here wrote (panva's oidc-provider) on loopback, shaped like the
 * providers Quarry meets: an issuer with a path (`/realms/demo`, Keycloak's shape) or a bare origin with
 * its trailing slash, RFC 9207 `iss` in the callback or not, discovery by OpenID Connect or only by
 * RFC 8414, ID tokens (scope openid) or plain OAuth, rotating refresh tokens, and each client's own
 * token endpoint authentication (private_key_jwt with the client's JWKS). `consent` plays the user;
 * `resourceUrl` is an API that accepts only the provider's live access tokens.
 */

export interface OidcProviderOptions {
  /** Where the issuer lives on the origin: '/realms/demo' (default) or '/' (issuer `http://127.0.0.1:PORT/`). */
  readonly path?: string
  /** RFC 9207: `iss` in the callback, announced in discovery (default true). */
  readonly issInCallback?: boolean
  /** 'oidc' (default): /.well-known/openid-configuration; 'oauth2': only RFC 8414's oauth-authorization-server. */
  readonly discovery?: 'oidc' | 'oauth2'
  readonly clients: readonly ClientMetadata[]
  /** Seconds an access token lives (default 3600). */
  readonly accessTokenTtl?: number
  /** Every refresh answers with a new refresh token and consumes the old one (default true). */
  readonly rotateRefreshTokens?: boolean
  /** The account that consents (default alice). */
  readonly account?: string
  /**
   * Where the endpoints live when not under the issuer's path (Entra: issuer `/TENANT/v2.0`, endpoints
   * under `/TENANT/oauth2/v2.0/…`); discovery stays at the issuer's path.
   */
  readonly mount?: string
  /** Other first path segments that reach the same endpoints (Entra's `/common`, `/organizations`). */
  readonly mountAliases?: readonly string[]
  /** The endpoints' paths under the mount (oidc-provider's `routes`), e.g. `{ token: '/oauth/token' }`. */
  readonly routes?: Readonly<Record<string, string>>
  /** Scopes the provider knows besides openid, offline_access and api:read (e.g. a Google API scope). */
  readonly scopes?: readonly string[]
  /** A refresh token for every client allowed the grant, without offline_access (Google, Entra, GitLab). */
  readonly refreshTokenAlways?: boolean
  /** With refreshTokenAlways: only when the authorize request's parameters say so (Google: access_type=offline). */
  readonly refreshTokenWhen?: (authorizeParams: Readonly<Record<string, unknown>>) => boolean
  /** Authorize parameters the provider keeps beyond the standard ones (Google's access_type). */
  readonly extraParams?: readonly string[]
  /** A rotated refresh token stays valid (Entra: the old one is not revoked on use). */
  readonly keepRotatedRefreshTokens?: boolean
  /** `prompt` values beyond none, login and consent (Entra's select_account). */
  readonly prompts?: readonly string[]
  /** Rewrites each token endpoint answer's JSON as the provider shapes it (its fields, its error bodies). */
  readonly tokenAnswer?: (answer: TokenAnswer) => Record<string, unknown>
  /**
   * A refresh token for every client allowed the refresh_token grant, offline_access asked or not
   * (GitHub Apps); by default only with offline_access, as OpenID Connect has it.
   */
  readonly refreshTokenWithoutOfflineAccess?: boolean
  /**
   * More of the resource server, for a live access token: the answer, or undefined for 404 (`/me` is
   * the helper's own). `request` for its headers (GitHub's Accept and API version).
   */
  readonly api?: (
    url: URL,
    token: { sub: string; accountId: string; clientId: string; scope: string },
    request: IncomingMessage,
  ) => ApiAnswer | undefined
}

/** A token endpoint answer as the provider sent it, before tokenAnswer rewrites it. */
export interface TokenAnswer {
  readonly status: number
  readonly grantType: string
  readonly body: Record<string, unknown>
}

/** What the resource server's `api` answers. */
export interface ApiAnswer {
  readonly status?: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body: unknown
}

export interface RunningOidcProvider {
  readonly issuer: string
  readonly origin: string
  readonly provider: Provider
  /** An API on loopback: GET /me with a live access token answers `{ sub, client_id, scope }`, anything else 401. */
  readonly resourceUrl: string
  /** Requests the resource server refused. */
  readonly refused: () => number
  /**
   * Plays the browser and the user: follows the authorize URL through login and consent and returns
   * the URL the provider redirects to (the callback with code and state), without requesting it.
   */
  consent(authorizeUrl: string): Promise<string>
  close(): Promise<void>
}

const COOKIE_KEYS = ['quarry-test-cookie-key-1']
/** The provider's own signing key (ID tokens), made once per test file. */
const SIGNING_KEY = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: 'provider-1',
  use: 'sig',
}

export async function startOidcProvider(options: OidcProviderOptions): Promise<RunningOidcProvider> {
  const path = (options.path ?? '/realms/demo').replace(/\/$/, '')
  // '' is a bare origin without a trailing slash (Google, GitLab); '/' keeps it.
  const bare = options.path === ''
  const mount = options.mount ?? path
  const account = options.account ?? 'alice'
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end()
  const server = createServer((req, res) => handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const issuer = bare ? origin : `${origin}${path === '' ? '/' : path}`
  /** The parameters of the authorize request behind each grant, for refreshTokenWhen. */
  const authorizeParams = new Map<string, Readonly<Record<string, unknown>>>()

  const provider = new Provider(issuer, {
    clients: options.clients.map((client) => ({ ...client })),
    cookies: { keys: COOKIE_KEYS },
    jwks: { keys: [SIGNING_KEY] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    scopes: ['openid', 'offline_access', 'api:read', ...(options.scopes ?? [])],
    ...(options.routes ? { routes: options.routes } : {}),
    ...(options.extraParams ? { extraParams: [...options.extraParams] } : {}),
    ...(options.refreshTokenAlways || options.refreshTokenWithoutOfflineAccess
      ? {
          issueRefreshToken: (_ctx, client, code) =>
            client.grantTypeAllowed('refresh_token') &&
            (options.refreshTokenWhen?.(authorizeParams.get(code.grantId ?? '') ?? {}) ?? true),
        }
      : {}),
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: { enabled: false },
    },
    interactions: {
      url: (_ctx, interaction) => `${mount}/interaction/${interaction.uid}`,
      ...(options.prompts
        ? {
            policy: [
              ...interactionPolicy.base(),
              ...options.prompts.map((name) => new interactionPolicy.Prompt({ name, requestable: true })),
            ],
          }
        : {}),
    },
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      AuthorizationCode: 600,
      IdToken: 3600,
      RefreshToken: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      Interaction: 600,
      Session: 3600,
    },
    rotateRefreshToken: options.rotateRefreshTokens ?? true,
  })
  if (options.issInCallback === false) {
    // A provider without RFC 9207: no `iss` in the redirect, none announced.
    provider.use(async (ctx, next) => {
      await next()
      const location = ctx.response.get('location')
      if (location) {
        const url = new URL(location, origin)
        if (url.searchParams.has('iss')) {
          url.searchParams.delete('iss')
          ctx.response.set('location', url.href)
        }
      }
      if (ctx.path.endsWith('/.well-known/openid-configuration') && ctx.body && typeof ctx.body === 'object')
        delete (ctx.body as Record<string, unknown>).authorization_response_iss_parameter_supported
    })
  }

  if (options.tokenAnswer !== undefined) {
    const rewrite = options.tokenAnswer
    const tokenPath = options.routes?.token ?? '/token'
    provider.use(async (ctx, next) => {
      await next()
      if (ctx.method !== 'POST' || ctx.path !== tokenPath || !ctx.body || typeof ctx.body !== 'object') return
      const params = ctx.oidc?.params as { grant_type?: unknown } | undefined
      const grantType = typeof params?.grant_type === 'string' ? params.grant_type : ''
      ctx.body = rewrite({ status: ctx.status, grantType, body: ctx.body as Record<string, unknown> })
    })
  }
  if (options.keepRotatedRefreshTokens) {
    // Entra: a refresh answers with a new refresh token, and the one sent stays valid (not consumed).
    provider.RefreshToken.prototype.consume = async function keep() {}
  }

  let refused = 0
  const resource = createServer((req, res) => {
    void (async () => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
      const found = token ? await provider.AccessToken.find(token) : undefined
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`)
      if (found === undefined || found.isExpired || (url.pathname !== '/me' && options.api === undefined)) {
        refused++
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}')
        return
      }
      if (url.pathname !== '/me') {
        const scope = found.scope ?? ''
        const answer = options.api?.(
          url,
          { sub: found.accountId, accountId: found.accountId, clientId: found.clientId ?? '', scope },
          req,
        )
        res
          .writeHead(answer?.status ?? (answer ? 200 : 404), {
            'content-type': 'application/json',
            ...answer?.headers,
          })
          .end(JSON.stringify(answer?.body ?? { error: 'not found' }))
        return
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sub: found.accountId, client_id: found.clientId, scope: found.scope }))
    })()
  })
  await new Promise<void>((resolve) => resource.listen(0, '127.0.0.1', resolve))
  const resourceUrl = `http://127.0.0.1:${(resource.address() as AddressInfo).port}`

  const callback = provider.callback()
  const rfc8414 = `/.well-known/oauth-authorization-server${path}`
  const mounted = (req: IncomingMessage, at: string, rest: string) => {
    ;(req as IncomingMessage & { originalUrl?: string }).originalUrl = `${at}${rest}`
    req.url = rest || '/'
  }
  handle = (req, res) => {
    let url = req.url ?? '/'
    // Entra's /common and /organizations reach the same endpoints as the tenant's own path.
    for (const alias of options.mountAliases ?? [])
      if (url.startsWith(`${alias}/`)) url = `${mount}${url.slice(alias.length)}`
    req.url = url
    if (url.startsWith(`${mount}/interaction/`)) {
      void interact(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)))
      return
    }
    // RFC 8414 puts the well-known segment before the issuer's path; the provider serves OpenID's.
    const discoveryOnly = options.discovery ?? 'oidc'
    if (url === rfc8414 && discoveryOnly === 'oauth2') {
      mounted(req, mount, '/.well-known/openid-configuration')
      callback(req, res)
      return
    }
    if (url.endsWith('/.well-known/openid-configuration') && discoveryOnly === 'oauth2') {
      res.writeHead(404).end()
      return
    }
    // Discovery at the issuer's path, the endpoints under the mount (the same place unless `mount`).
    if (url === `${path}/.well-known/openid-configuration`) {
      mounted(req, mount, '/.well-known/openid-configuration')
      callback(req, res)
      return
    }
    if (mount !== '' && !url.startsWith(`${mount}/`)) {
      res.writeHead(404).end()
      return
    }
    // Mounted under its path, as oidc-provider's docs mount it behind a router.
    mounted(req, mount, url.slice(mount.length))
    callback(req, res)
  }

  /** The login and consent pages, answered at once for `account`: every scope asked for is granted. */
  async function interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res)
    const clientId = String(details.params.client_id)
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId: account, clientId }))
      : new provider.Grant({ accountId: account, clientId })
    grant.addOIDCScope(String(details.params.scope ?? ''))
    const grantId = await grant.save()
    authorizeParams.set(grantId, details.params)
    await provider.interactionFinished(
      req,
      res,
      {
        login: { accountId: account },
        consent: { grantId },
        // Entra's prompt=select_account: the account above is the one chosen.
        ...(options.prompts?.includes('select_account') ? { select_account: {} } : {}),
      },
      { mergeWithLastSubmission: false },
    )
  }

  async function consent(authorizeUrl: string): Promise<string> {
    const cookies = new Map<string, string>()
    let url = authorizeUrl
    for (let hop = 0; hop < 10; hop++) {
      const response = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
      })
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';')
        const eq = (pair ?? '').indexOf('=')
        if (eq > 0) cookies.set((pair as string).slice(0, eq), (pair as string).slice(eq + 1))
      }
      const location = response.headers.get('location')
      if (location === null)
        throw new Error(`the provider stopped at ${url} with ${response.status}: ${await response.text()}`)

      const next = new URL(location, url)
      if (next.origin !== origin) return next.href
      url = next.href
    }
    throw new Error('the provider redirected more than 10 times')
  }

  const closeServer = (s: Server) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections()
      s.close(() => resolve())
    })
  return {
    issuer,
    origin,
    provider,
    resourceUrl,
    refused: () => refused,
    consent,
    close: async () => {
      await Promise.all([closeServer(server), closeServer(resource)])
    },
  }
}
