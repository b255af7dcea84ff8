import type { TestEngine } from '../helpers/engine.js'
import { startOidcProvider as startSharedProvider } from '../helpers/oidc-provider.js'

/**
 * A certified OpenID provider (`oidc-provider`) for the token-invariant suites: it rotates every
 * refresh token and has no reuse grace — a consumed refresh token sent again is `invalid_grant` and
 * revokes the grant — so it is stricter than Atlassian. Its userinfo endpoint (`/me`) is the API the
 * queries call. The grant and first refresh token are made directly (no consent screens): these
 * suites are about refreshing, the connect flows are tested elsewhere.
 */
export interface RunningOidcProvider {
  /** The issuer, a bare origin with its trailing slash (what its ID tokens name). */
  readonly issuer: string
  /** Where it listens: its endpoints are `${origin}/token`, `${origin}/me`, … */
  readonly origin: string
  readonly clientId: string
  readonly clientSecret: string
  /** What the provider saw: refreshes answered, refresh tokens refused, grants revoked. */
  counters(): { refreshes: number; invalidGrants: number; revokedGrants: number }
  /** A grant for `alice` and a refresh token for it, as a finished consent leaves them. */
  refreshToken(): Promise<string>
  close(): Promise<void>
}

const CLIENT_ID = 'quarry-stress'
const CLIENT_SECRET = 'quarry-stress-secret'
const SCOPE = 'openid offline_access'

export async function startOidcProvider(options: { accessTtlSeconds: number }): Promise<RunningOidcProvider> {
  // The shared provider (test/helpers/oidc-provider.ts) on a bare origin; the stress suites call its userinfo.
  const running = await startSharedProvider({
    path: '/',
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: ['http://127.0.0.1/unused-callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    accessTokenTtl: options.accessTtlSeconds,
    rotateRefreshTokens: true,
  })
  const { provider } = running
  const counts = { refreshes: 0, invalidGrants: 0, revokedGrants: 0 }
  provider.on('grant.success', (ctx) => {
    if (ctx.oidc.params?.grant_type === 'refresh_token') counts.refreshes++
  })
  provider.on('grant.error', (_ctx, error) => {
    if (error.name === 'InvalidGrant') counts.invalidGrants++
  })
  provider.on('grant.revoked', () => {
    counts.revokedGrants++
  })

  return {
    issuer: running.issuer,
    origin: running.origin,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    counters: () => ({ ...counts }),
    async refreshToken() {
      const grant = new provider.Grant({ accountId: 'alice', clientId: CLIENT_ID })
      grant.addOIDCScope(SCOPE)
      const grantId = await grant.save()
      const client = await provider.Client.find(CLIENT_ID)
      if (!client) throw new Error('the stress client is not registered')
      const token = new provider.RefreshToken({
        accountId: 'alice',
        client,
        grantId,
        scope: SCOPE,
        gty: 'authorization_code',
        authTime: Math.floor(Date.now() / 1000),
      })
      return token.save()
    },
    close: () => running.close(),
  }
}

/**
 * Datasource `api` on the provider (its userinfo endpoint is the API) with a connection holding a
 * fresh grant's refresh token and no access token, so the first run refreshes.
 */
export async function addOidcApi(engine: TestEngine, provider: RunningOidcProvider): Promise<void> {
  await engine.addDatasource({
    name: 'api',
    type: 'rest',
    baseUrl: provider.origin,
    testPath: '/me',
    auth: {
      type: 'oauth2-authorization-code',
      issuer: provider.issuer,
      authorizeUrl: `${provider.origin}/auth`,
      tokenUrl: `${provider.origin}/token`,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      scopes: SCOPE,
      redirectUri: `${provider.origin}/unused-callback`,
      clientAuth: 'body',
    },
  })
  await engine.store.connections.put('api', {
    tokens: { refresh_token: await provider.refreshToken() },
    accessExpiresAt: null,
    status: 'connected',
    statusMessage: null,
    scope: null,
    site: null,
    lastRefreshAt: null,
    lastUsedAt: null,
  })
}
