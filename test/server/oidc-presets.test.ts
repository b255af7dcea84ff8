import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunningOidcProvider } from '../helpers/oidc-provider.js'
import {
  ENTRA_CLIENT,
  ENTRA_TENANT,
  GITLAB_CLIENT,
  GOOGLE_CLIENT,
  startEntraLike,
  startGitLabLike,
  startGoogleLike,
} from '../helpers/provider-shapes.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

/**
 * The google, entra and gitlab presets in the server (issue 14, Done-when 3): GET /api/presets lists
 * them with their own fields for the admin UI's quick forms, and a datasource made there connects
 * through the server's callback to a certified OpenID provider shaped like its provider
 * (test/helpers/provider-shapes.ts). GitLab's instance URL is one of its fields; Google's and Entra's
 * hosts are given as the CLI gives them (`--auth-url`, `--api-url`): `authUrl` and `apiUrl` in the body.
 */

const CALLBACK = 'http://quarry.test/api/oauth/callback'
let server: TestServer
let idp: RunningOidcProvider | undefined
beforeEach(async () => {
  server = await startTestServer()
})
afterEach(async () => {
  await idp?.close()
  idp = undefined
  await server.close()
})

type Admin = Awaited<ReturnType<TestServer['signIn']>>

async function createFromPreset(admin: Admin, preset: string, payload: Record<string, unknown>) {
  const created = await server.as(admin, {
    method: 'POST',
    url: `/api/presets/${preset}/datasources`,
    payload,
  })
  expect(created.statusCode, created.body).toBe(201)
  return created.json() as Record<string, unknown>
}

/** Connect as the admin UI's button does it; the provider plays the user; its redirect comes to the server. */
async function connectThroughCallback(admin: Admin, name: string): Promise<URL> {
  const started = await server.as(admin, {
    method: 'POST',
    url: `/api/datasources/${name}/connect`,
    payload: {},
  })
  expect(started.statusCode, started.body).toBe(200)
  const authorize = new URL(started.json().authorizeUrl)
  const callback = new URL(await (idp as RunningOidcProvider).consent(authorize.href))
  expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK)
  const back = await server.as(admin, { url: `${callback.pathname}${callback.search}` })
  expect(back.statusCode, back.body).toBe(302)
  expect(back.headers.location).toBe(`/admin/datasources/${name}?connected=1`)
  return authorize
}

async function runRows(admin: Admin, query: string): Promise<Record<string, unknown>[]> {
  const run = await server.as(admin, { method: 'POST', url: `/api/queries/${query}/run`, payload: {} })
  expect(run.statusCode, run.body).toBe(200)
  return run.json().rows as Record<string, unknown>[]
}

describe('the OpenID presets in the server', () => {
  it('lists each with its fields and the queries it adds', async () => {
    const admin = await server.signIn('ada', 'admin')
    const presets = (await server.as(admin, { url: '/api/presets' })).json() as {
      name: string
      fields: { key: string }[]
      queries: string[]
    }[]
    const byName = new Map(presets.map((preset) => [preset.name, preset]))
    expect(byName.get('google')?.queries).toEqual(['{name}-events', '{name}-files'])
    expect(byName.get('entra')?.fields.map((field) => field.key)).toEqual([
      'clientId',
      'clientSecret',
      'tenant',
    ])
    expect(byName.get('gitlab')?.fields.map((field) => field.key)).toEqual([
      'clientId',
      'clientSecret',
      'gitlabUrl',
    ])
  })

  it('connects a GitLab datasource through the server’s callback', async () => {
    idp = await startGitLabLike([CALLBACK])
    const admin = await server.signIn('ada', 'admin')
    const created = await createFromPreset(admin, 'gitlab', {
      name: 'gl',
      clientId: GITLAB_CLIENT.id,
      clientSecret: GITLAB_CLIENT.secret,
      gitlabUrl: idp.issuer,
    })
    expect(created).toMatchObject({
      baseUrl: `${idp.issuer}/api/v4`,
      auth: { issuer: idp.issuer, redirectUri: CALLBACK, clientSecret: '••••••' },
    })
    await connectThroughCallback(admin, 'gl')
    const listed = (await server.as(admin, { url: '/api/datasources' })).json() as { connection: unknown }[]
    expect(listed[0]?.connection).toMatchObject({ status: 'connected' })
  })

  it('connects a Google datasource through the server’s callback (offline access, PKCE) and lists events', async () => {
    idp = await startGoogleLike([CALLBACK])
    const admin = await server.signIn('ada', 'admin')
    const created = await createFromPreset(admin, 'google', {
      name: 'cal',
      clientId: GOOGLE_CLIENT.id,
      clientSecret: GOOGLE_CLIENT.secret,
      authUrl: idp.issuer,
      apiUrl: idp.resourceUrl,
    })
    expect(created).toMatchObject({
      baseUrl: idp.resourceUrl,
      auth: { issuer: idp.issuer, tokenUrl: `${idp.issuer}/token`, redirectUri: CALLBACK, pkce: true },
    })
    const authorize = await connectThroughCallback(admin, 'cal')
    expect(authorize.searchParams.get('access_type')).toBe('offline')
    expect(authorize.searchParams.get('prompt')).toBe('consent')
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    // access_type=offline is what made the provider grant one: Google's refresh token is stored.
    expect((await server.engine.store.connections.get('cal'))?.tokens.refresh_token).toEqual(
      expect.any(String),
    )
    expect((await runRows(admin, 'cal-events')).map((row) => row.Summary)).toEqual([
      'Meeting 1',
      'Meeting 2',
      'Meeting 3',
    ])
  })

  it('connects an Entra datasource for a tenant through the server’s callback, its ID token checked, and reads Graph', async () => {
    idp = await startEntraLike([CALLBACK])
    const admin = await server.signIn('ada', 'admin')
    const created = await createFromPreset(admin, 'entra', {
      name: 'graph',
      clientId: ENTRA_CLIENT.id,
      clientSecret: ENTRA_CLIENT.secret,
      tenant: ENTRA_TENANT,
      authUrl: idp.origin,
      apiUrl: `${idp.resourceUrl}/v1.0`,
    })
    const tenantIssuer = `${idp.origin}/${ENTRA_TENANT}/v2.0`
    expect(idp.issuer).toBe(tenantIssuer)
    expect(created).toMatchObject({
      auth: {
        issuer: tenantIssuer,
        tokenUrl: `${idp.origin}/${ENTRA_TENANT}/oauth2/v2.0/token`,
        redirectUri: CALLBACK,
        scopes: expect.stringMatching(/^openid /),
      },
    })
    const authorize = await connectThroughCallback(admin, 'graph')
    expect(authorize.searchParams.get('prompt')).toBe('select_account')
    // With openid asked for, a connect without an ID token, or with one naming another issuer, fails
    // (finish-consent.ts): connected means the tenant's ID token came and was checked.
    expect(await server.engine.store.connections.get('graph')).toBeDefined()
    expect(await runRows(admin, 'graph-me')).toEqual([
      {
        Name: 'Alice Example',
        Mail: 'alice@contoso.example',
        Login: 'alice@contoso.example',
        Title: 'Engineer',
      },
    ])
  })

  it('refuses a provider host that is not an http(s) URL, naming the field and storing nothing', async () => {
    const admin = await server.signIn('ada', 'admin')
    const refused = await server.as(admin, {
      method: 'POST',
      url: '/api/presets/google/datasources',
      payload: { name: 'cal', clientId: 'c', clientSecret: 's', authUrl: 'file:///etc/passwd' },
    })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error).toMatchObject({
      code: 'QUARRY_CONFIG_INVALID',
      message: 'Auth url: is not a valid url.',
    })
    expect(await server.engine.store.datasources.get('cal')).toBeUndefined()
  })
})
