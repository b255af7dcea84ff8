import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOidcProvider, type RunningOidcProvider } from '../helpers/oidc-provider.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'

/**
 * The server's Connect against a certified OpenID provider with a Keycloak-shaped issuer (issue 14):
 * a datasource created through the API with only its issuer (discovery fills the rest), consent through
 * the server's callback, a query through the provider's tokens, and an answer from another issuer
 * refused at the callback step with nothing stored.
 */

const CALLBACK = 'http://quarry.test/api/oauth/callback'
let idp: RunningOidcProvider
let server: TestServer

beforeAll(async () => {
  idp = await startOidcProvider({
    clients: [
      {
        client_id: 'quarry-web',
        client_secret: 'web-secret',
        token_endpoint_auth_method: 'client_secret_post',
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
  })
  server = await startTestServer()
})
afterAll(async () => {
  await server.close()
  await idp.close()
})

/** Creates a datasource with its issuer only, and a query of the resource server's /me. */
async function create(admin: Browser, name: string) {
  const created = await server.as(admin, {
    method: 'POST',
    url: '/api/datasources',
    payload: {
      name,
      type: 'rest',
      baseUrl: idp.resourceUrl,
      auth: {
        type: 'oauth2-authorization-code',
        issuer: idp.issuer,
        clientId: 'quarry-web',
        clientSecret: 'web-secret',
        scopes: 'openid offline_access',
        redirectUri: CALLBACK,
        // The client is registered for the body; the provider supports Basic too, which discovery would pick.
        clientAuth: 'client_secret_post',
        authorizeParams: { prompt: 'consent', ui_locales: 'fr' },
      },
    },
  })
  expect(created.statusCode, created.body).toBe(201)
  const query = await server.as(admin, {
    method: 'POST',
    url: '/api/queries',
    payload: { name: `${name}-me`, datasource: name, path: '/me' },
  })
  expect(query.statusCode, query.body).toBe(201)
  return created.json()
}

async function startConnect(admin: Browser, name: string): Promise<string> {
  const started = await server.as(admin, {
    method: 'POST',
    url: `/api/datasources/${name}/connect`,
    payload: {},
  })
  expect(started.statusCode, started.body).toBe(200)
  return started.json().authorizeUrl
}

const pathOf = (url: string) => `${new URL(url).pathname}${new URL(url).search}`

describe('Connect in the server, with an issuer', () => {
  it('discovers at create, connects through the callback, and the query runs', async () => {
    const admin = await server.signIn('ada', 'admin')
    const created = await create(admin, 'idp')
    expect(created.auth).toMatchObject({
      authorizeUrl: `${idp.issuer}/auth`,
      tokenUrl: `${idp.issuer}/token`,
      clientAuth: 'body',
      pkce: true,
      clientSecret: '••••••',
      server: { issuer: idp.issuer },
    })
    const authorizeUrl = await startConnect(admin, 'idp')
    expect(new URL(authorizeUrl).searchParams.get('ui_locales')).toBe('fr')
    const back = await server.as(admin, { url: pathOf(await idp.consent(authorizeUrl)) })
    expect(back.headers.location).toBe('/admin/datasources/idp?connected=1')
    const run = await server.as(admin, { method: 'POST', url: '/api/queries/idp-me/run', payload: {} })
    expect(run.statusCode, run.body).toBe(200)
    expect(run.json().rows).toEqual([{ sub: 'alice', client_id: 'quarry-web', scope: expect.any(String) }])
  })

  it('refuses an answer naming another issuer at the callback step, storing nothing', async () => {
    const admin = await server.signIn('ada', 'admin')
    await create(admin, 'idp2')
    const callback = new URL(await idp.consent(await startConnect(admin, 'idp2')))
    callback.searchParams.set('iss', `${idp.origin}/realms/evil`)
    const back = await server.as(admin, { url: pathOf(callback.href) })
    const said = decodeURIComponent(String(back.headers.location))
    expect(said).toContain(`Callback check failed: the answer names issuer "${idp.origin}/realms/evil"`)
    expect(said).toContain('Nothing was stored.')
    expect(await server.engine.store.connections.get('idp2')).toBeUndefined()
  })

  it('discovers at Connect what a datasource stored without endpoints lacks, and views read it again', async () => {
    const admin = await server.signIn('ada', 'admin')
    // As an import may store it: the issuer and endpoints given, the provider's document not read yet.
    await server.engine.addDatasource({
      name: 'idp3',
      type: 'rest',
      baseUrl: idp.resourceUrl,
      auth: {
        type: 'oauth2-authorization-code',
        issuer: idp.issuer,
        authorizeUrl: `${idp.issuer}/auth`,
        tokenUrl: `${idp.issuer}/token`,
        scopes: 'openid offline_access',
        clientId: 'quarry-web',
        clientSecret: 'web-secret',
        redirectUri: CALLBACK,
      },
    })
    await server.engine.addQuery({ name: 'idp3-me', datasource: 'idp3', path: '/me', cacheTtlSeconds: 60 })
    // A view of the query read its definition (the datasource without endpoints) a moment ago.
    const { views } = server.ctx
    const before = await server.engine.store.datasources.get('idp3')
    views.rememberDefinition('idp3-me', { scheduled: false } as never, views.generation, Date.now())
    expect(views.definition('idp3-me', Date.now())).toBeDefined()

    await startConnect(admin, 'idp3')
    const after = await server.engine.store.datasources.get('idp3')
    expect(JSON.stringify(before?.config)).not.toContain('"server"')
    expect(after?.config).toMatchObject({ auth: { server: { issuer: idp.issuer } } })
    expect(views.definition('idp3-me', Date.now())).toBeUndefined()
  })
})
