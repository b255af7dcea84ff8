import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'
import type { TestEngine } from '../helpers/engine.js'

/**
 * A certified OpenID provider (`oidc-provider`) for the token-invariant suites: it rotates every
 * refresh token and has no reuse grace — a consumed refresh token sent again is `invalid_grant` and
 * revokes the grant — so it is stricter than Atlassian. Its userinfo endpoint (`/me`) is the API the
 * queries call. The grant and first refresh token are made directly (no consent screens): these
 * suites are about refreshing, the connect flows are tested elsewhere.
 */
export interface RunningOidcProvider {
  readonly issuer: string
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
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${issuer}/unused-callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    rotateRefreshToken: true,
    ttl: { AccessToken: options.accessTtlSeconds, RefreshToken: 24 * 3600, Grant: 24 * 3600 },
    features: { devInteractions: { enabled: false } },
  })
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
  server.on('request', provider.callback())

  return {
    issuer,
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
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
    baseUrl: provider.issuer,
    testPath: '/me',
    auth: {
      type: 'oauth2-authorization-code',
      authorizeUrl: `${provider.issuer}/auth`,
      tokenUrl: `${provider.issuer}/token`,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      scopes: SCOPE,
      redirectUri: `${provider.issuer}/unused-callback`,
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
