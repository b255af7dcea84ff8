import { generateKeyPairSync } from 'node:crypto'
import type { ClientMetadata } from 'oidc-provider'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startConsent } from '../../src/auth/oauth/consent.js'
import { discover, withDiscovery } from '../../src/auth/oauth/discovery.js'
import { finishConsent } from '../../src/auth/oauth/finish-consent.js'
import { refreshIdle } from '../../src/auth/keep-alive.js'
import { splitSecrets } from '../../src/domain/datasource.js'
import { QuarryError } from '../../src/domain/errors.js'
import { loadRestDatasource, runQuery } from '../../src/engine/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import {
  startOidcProvider,
  type OidcProviderOptions,
  type RunningOidcProvider,
} from '../helpers/oidc-provider.js'

/**
 * Generic OAuth 2.0 against a certified OpenID provider (issue 14): discovery from the issuer, the
 * callback's `iss` and the ID token checked against the real issuer, each token endpoint
 * authentication, and a query against a resource server that accepts only live access tokens.
 */

const REDIRECT = 'http://127.0.0.1:8765/callback'
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const PRIVATE_JWK = { ...privateKey.export({ format: 'jwk' }), kid: 'quarry-1', alg: 'ES256' }
const PUBLIC_JWK = { ...publicKey.export({ format: 'jwk' }), kid: 'quarry-1', alg: 'ES256', use: 'sig' }

const client = (id: string, method: string, extra: Record<string, unknown> = {}): ClientMetadata =>
  ({
    client_id: id,
    ...(method.startsWith('client_secret') ? { client_secret: `${id}-secret` } : {}),
    token_endpoint_auth_method: method,
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...extra,
  }) as ClientMetadata

const CLIENTS = [
  client('basic-app', 'client_secret_basic'),
  client('post-app', 'client_secret_post'),
  client('public-app', 'none'),
  client('jwt-app', 'private_key_jwt', { jwks: { keys: [PUBLIC_JWK] } }),
]

let engine: TestEngine
let idp: RunningOidcProvider | undefined
beforeEach(async () => {
  engine = await startTestEngine()
})
afterEach(async () => {
  await idp?.close()
  idp = undefined
  await engine.close()
})

async function provider(options: Partial<OidcProviderOptions> = {}): Promise<RunningOidcProvider> {
  idp = await startOidcProvider({ clients: CLIENTS, ...options })
  return idp
}

/** A datasource as `datasource add --issuer` (or the API) makes it: discovery fills the rest. */
async function addDatasource(auth: Record<string, unknown>, issuer = idp?.issuer): Promise<void> {
  const given = {
    type: 'oauth2-authorization-code',
    issuer,
    clientId: 'basic-app',
    clientSecret: 'basic-app-secret',
    scopes: 'openid offline_access',
    redirectUri: REDIRECT,
    ...auth,
  }
  await engine.addDatasource({
    name: 'idp',
    type: 'rest',
    baseUrl: (idp as RunningOidcProvider).resourceUrl,
    auth: (await withDiscovery(given, undefined)) as never,
  })
  await engine.addQuery({ name: 'me', datasource: 'idp', path: '/me' })
}

/** Consent as the user would, optionally changing the callback URL on its way back. */
async function connect(tamper: (callback: URL) => void | Promise<void> = () => {}) {
  const datasource = await loadRestDatasource(engine.store, 'idp', 'test')
  if (datasource.auth.type !== 'oauth2-authorization-code') throw new Error('3LO expected')
  const attempt = await startConsent(datasource.auth)
  const callback = new URL(await (idp as RunningOidcProvider).consent(attempt.url))
  await tamper(callback)
  return finishConsent(engine.store, datasource, { callback, attempt })
}

async function me(): Promise<{ sub: string; client_id: string }> {
  const rows = JSON.parse((await runQuery(engine, { query: 'me' })).rowsJson) as {
    sub: string
    client_id: string
  }[]
  return rows[0] as { sub: string; client_id: string }
}

async function failure(promise: Promise<unknown>): Promise<QuarryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(QuarryError)
  return error as QuarryError
}

describe('discovery from the issuer', () => {
  it.each([
    ['a realm path', '/realms/demo', 'oidc'],
    ['a bare origin with its trailing slash', '/', 'oidc'],
    ['RFC 8414 only', '/realms/demo', 'oauth2'],
  ] as const)('finds the endpoints of an issuer with %s', async (_shape, path, discovery) => {
    const running = await provider({ path, discovery })
    const server = await discover(running.issuer)
    expect(server.issuer).toBe(running.issuer)
    expect(server.authorization_endpoint).toBe(`${running.issuer.replace(/\/$/, '')}/auth`)
    expect(server.token_endpoint).toBe(`${running.issuer.replace(/\/$/, '')}/token`)
  })

  it('fills the endpoints, a supported client authentication and PKCE', async () => {
    const running = await provider()
    const auth = (await withDiscovery(
      { type: 'oauth2-authorization-code', issuer: running.issuer, clientId: 'public-app', scopes: 'openid' },
      undefined,
    )) as Record<string, unknown>
    expect(auth).toMatchObject({
      authorizeUrl: `${running.issuer}/auth`,
      tokenUrl: `${running.issuer}/token`,
      clientAuth: 'none',
      pkce: true,
      server: { issuer: running.issuer },
    })
  })

  it('names the documents it tried and why, when there is no provider', async () => {
    const running = await provider()
    await running.close()
    idp = undefined
    const error = await failure(discover(running.issuer))
    expect(error.code).toBe('QUARRY_OAUTH_DISCOVERY_FAILED')
    expect(error.message).toContain(`${running.issuer}/.well-known/openid-configuration: `)
    expect(error.message).toContain('refused the connection (ECONNREFUSED)')
    expect(error.message).not.toContain('fetch failed')
  })
})

describe('consent against the real issuer', () => {
  it.each([
    ['a realm path, iss in the callback, an ID token', { path: '/realms/demo' }, 'openid offline_access'],
    ['a trailing-slash issuer, iss in the callback, an ID token', { path: '/' }, 'openid offline_access'],
    ['no iss in the callback, an ID token', { issInCallback: false }, 'openid offline_access'],
    ['iss in the callback, plain OAuth (no ID token)', {}, 'offline_access'],
  ] as const)('connects with %s, and the query runs', async (_shape, options, scopes) => {
    await provider(options)
    await addDatasource({ scopes })
    const { scope } = await connect()
    expect(scope.split(' ')).toContain('offline_access')
    expect(await me()).toEqual({ sub: 'alice', client_id: 'basic-app', scope: expect.any(String) })
  })

  it('works as before with no issuer, no iss and no ID token (endpoints given)', async () => {
    const running = await provider({ issInCallback: false })
    await engine.addDatasource({
      name: 'idp',
      type: 'rest',
      baseUrl: running.resourceUrl,
      auth: {
        type: 'oauth2-authorization-code',
        authorizeUrl: `${running.issuer}/auth`,
        tokenUrl: `${running.issuer}/token`,
        clientId: 'post-app',
        clientSecret: 'post-app-secret',
        scopes: 'offline_access',
        redirectUri: REDIRECT,
      },
    })
    await engine.addQuery({ name: 'me', datasource: 'idp', path: '/me' })
    await connect()
    expect((await me()).client_id).toBe('post-app')
  })

  it('refuses a callback naming another issuer at the callback step, storing nothing', async () => {
    const running = await provider()
    await addDatasource({})
    const error = await failure(
      connect((callback) => callback.searchParams.set('iss', `${running.origin}/realms/other`)),
    )
    expect(error.code).toBe('QUARRY_OAUTH_ISSUER_MISMATCH')
    expect(error.message).toBe(
      `Callback check failed: the answer names issuer "${running.origin}/realms/other", but the datasource's issuer is "${running.issuer}" (RFC 9207): it came from another provider, or the issuer is set wrong. Nothing was stored.`,
    )
    expect(await engine.store.connections.get('idp')).toBeUndefined()
  })

  it('refuses a callback without iss from a provider that announces it, storing nothing', async () => {
    await provider()
    await addDatasource({})
    const error = await failure(connect((callback) => callback.searchParams.delete('iss')))
    expect(error.message).toMatch(/^Callback check failed: .* names none\. Nothing was stored\.$/)
    expect(await engine.store.connections.get('idp')).toBeUndefined()
  })

  it('says to set the issuer when a provider names one and the datasource has none', async () => {
    const running = await provider({ path: '/' })
    await addDatasource(
      { issuer: undefined, authorizeUrl: `${running.issuer}auth`, tokenUrl: `${running.issuer}token` },
      undefined,
    )
    const error = await failure(connect())
    expect(error.message).toContain(`set the issuer to it (--issuer ${running.issuer}, or the Issuer field)`)
    expect(error.message).toContain('Nothing was stored.')
    expect(await engine.store.connections.get('idp')).toBeUndefined()
  })

  it('checks the ID token against the issuer, naming the step, storing nothing', async () => {
    const running = await provider({ issInCallback: false })
    await addDatasource({})
    // The datasource expects another realm of the same host; the callback carries no iss to notice it.
    const stored = await loadRestDatasource(engine.store, 'idp', 'test')
    if (stored.auth.type !== 'oauth2-authorization-code' || !stored.auth.server) throw new Error('discovered')
    const other = `${running.origin}/realms/other`
    const { config, secrets } = splitSecrets({
      ...stored,
      auth: { ...stored.auth, issuer: other, server: { ...stored.auth.server, issuer: other } },
    })
    await engine.store.datasources.update('idp', { config, secrets })
    const error = await failure(connect())
    expect(error.code).toBe('QUARRY_OAUTH_ID_TOKEN_INVALID')
    expect(error.message).toContain('ID token check failed: unexpected JWT "iss" (issuer) claim value.')
    expect(error.message).toContain(`It names issuer "${running.issuer}"; the datasource expects "${other}".`)
    expect(error.message).toMatch(/Nothing was stored\.$/)
    expect(await engine.store.connections.get('idp')).toBeUndefined()
  })

  it('names the token exchange when the client secret is wrong, storing nothing', async () => {
    await provider()
    await addDatasource({ clientSecret: 'wrong' })
    const error = await failure(connect())
    expect(error.code).toBe('QUARRY_OAUTH_TOKEN_ERROR')
    expect(error.message).toMatch(
      /^Token exchange failed: The token endpoint .* refused the client credentials/,
    )
    expect(error.message).not.toContain('wrong')
    expect(error.message).toMatch(/Nothing was stored\.$/)
    expect(await engine.store.connections.get('idp')).toBeUndefined()
  })
})

describe('a token endpoint that cannot be reached', () => {
  it('names the step, the host and the cause, never "fetch failed", storing nothing', async () => {
    const running = await provider()
    await addDatasource({})
    const error = await failure(
      // The answer is back in the browser; then the provider goes away before the exchange.
      connect(() => running.close()),
    )
    expect(error.code).toBe('QUARRY_UPSTREAM_NETWORK')
    // A pooled connection from discovery may be the one that breaks: reset, or refused when fresh.
    const host = new URL(running.origin).host
    expect([
      `Token exchange failed: The token endpoint ${running.issuer}/token could not be reached: ${host} refused the connection (ECONNREFUSED). Nothing was stored.`,
      `Token exchange failed: The token endpoint ${running.issuer}/token could not be reached: the connection to ${host} was reset before it answered (UND_ERR_SOCKET). Nothing was stored.`,
    ]).toContain(error.message)
    expect(await engine.store.connections.get('idp')).toBeUndefined()
  })
})

describe('token endpoint authentication', () => {
  it.each([
    ['client_secret_basic', { clientId: 'basic-app', clientSecret: 'basic-app-secret', clientAuth: 'basic' }],
    [
      'client_secret_post',
      { clientId: 'post-app', clientSecret: 'post-app-secret', clientAuth: 'client_secret_post' },
    ],
    ['none with PKCE', { clientId: 'public-app', clientSecret: undefined, clientAuth: undefined }],
    [
      'private_key_jwt',
      {
        clientId: 'jwt-app',
        clientSecret: undefined,
        clientKey: JSON.stringify(PRIVATE_JWK),
        clientAuth: undefined,
      },
    ],
  ] as const)('%s: connects, refreshes with rotation, and the query runs', async (_method, auth) => {
    await provider({ rotateRefreshTokens: true })
    await addDatasource(auth)
    await connect()
    expect((await me()).client_id).toBe(auth.clientId)
    const before = (await engine.store.connections.get('idp'))?.tokens.refresh_token
    // A forced refresh, as the keep-alive does it: through the token manager, with the same client authentication.
    const [result] = await refreshIdle(engine.store, { olderThanMs: 0 })
    expect(result?.outcome).toBe('refreshed')
    const after = (await engine.store.connections.get('idp'))?.tokens.refresh_token
    expect(after).toBeDefined()
    expect(after).not.toBe(before)
    expect((await me()).sub).toBe('alice')
  })

  it('private_key_jwt also takes the key as PKCS #8 PEM', async () => {
    await provider()
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    await addDatasource({
      clientId: 'jwt-app',
      clientSecret: undefined,
      clientKey: pem,
      clientAuth: 'private-key-jwt',
    })
    await connect()
    expect((await me()).client_id).toBe('jwt-app')
  })
})

describe('authorize parameters', () => {
  it('send prompt=consent by default; without it the provider grants no refresh token', async () => {
    await provider()
    await addDatasource({ authorizeParams: {} })
    const error = await failure(connect())
    expect(error.message).toContain('The provider sent no refresh token')
    expect(await engine.store.connections.get('idp')).toBeUndefined()
  })
})
