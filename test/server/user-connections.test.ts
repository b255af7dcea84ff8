import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseClientSpec } from '../../src/sim/oauth/clients.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startTestSim } from '../helpers/sim.js'

/**
 * Per-user connections through the server (issue 15): each person connects their own account
 * through the server's callback and sees and revokes their own; admins see and revoke anyone's; a
 * view of a per-user datasource asks a viewer who has not connected to, with a form the page's CSP
 * lets go on to the provider.
 */

const SERVER_CLIENT = parseClientSpec('quarry-web:web-secret:http://quarry.test/api/oauth/callback')

let sim: RunningSimulator
let server: TestServer
let admin: Browser
let alice: Browser
let bob: Browser

beforeAll(async () => {
  // The simulator consents at once as its user alice (test/helpers/sim.ts).
  sim = await startTestSim({ clients: [SERVER_CLIENT] })
  server = await startTestServer()
  const cloudId = sim.context.world.sites[0]?.cloudId as string
  const auth = {
    type: 'oauth2-authorization-code',
    authorizeUrl: `${sim.url}/authorize`,
    tokenUrl: `${sim.url}/oauth/token`,
    clientId: 'quarry-web',
    clientSecret: 'web-secret',
    scopes: 'read:jira-work offline_access',
    redirectUri: 'http://quarry.test/api/oauth/callback',
    audience: 'api.atlassian.com',
  } as const
  const baseUrl = `${sim.url}/ex/jira/${cloudId}/rest/api/3`
  await server.engine.addDatasource({ name: 'jira', type: 'rest', baseUrl, auth, connectionMode: 'per-user' })
  await server.engine.addDatasource({ name: 'team-jira', type: 'rest', baseUrl, auth })
  await server.engine.addQuery({
    name: 'my-issues',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key&fields=summary&maxResults=3',
    converter: 'function convert(json) { return JSON.parse(json).issues.map(i => ({ Key: i.key })) }',
    visibility: { public: false, roles: ['viewer'] },
  })
  admin = await server.signIn('ada', 'admin')
  alice = await server.signIn('alice', 'viewer')
  bob = await server.signIn('bob', 'viewer')
})
afterAll(async () => {
  await server.close()
  await sim.close()
})

/** A person's grant as a consent leaves it, stored directly (the consent flow is tested below). */
async function storeGrant(user: string): Promise<void> {
  await server.engine.store.connections.put(
    'jira',
    {
      tokens: { access_token: `at-${user}`, refresh_token: `rt-${user}` },
      accessExpiresAt: new Date(Date.now() + 3600_000),
      status: 'connected',
      statusMessage: null,
      scope: 'read:jira-work offline_access',
      site: null,
      lastRefreshAt: new Date(),
      lastUsedAt: null,
    },
    user,
  )
}

/** What the browser does with an authorize URL: the simulator consents and redirects to the callback. */
async function consentAt(authorizeUrl: string): Promise<string> {
  const response = await fetch(authorizeUrl, { redirect: 'manual' })
  const location = response.headers.get('location')
  if (!location) throw new Error(`authorize answered ${response.status} without a redirect`)
  const callback = new URL(location)
  return `${callback.pathname}${callback.search}`
}

/** Connects `who`'s own account to jira through the server's callback; answers where it went back to. */
async function connectOwn(who: Browser, returnTo?: string): Promise<string | undefined> {
  const started = await server.as(who, {
    method: 'POST',
    url: '/api/me/connections/jira/connect',
    payload: returnTo === undefined ? {} : { returnTo },
  })
  expect(started.statusCode, started.body).toBe(200)
  const back = await server.as(who, { url: await consentAt(started.json().authorizeUrl) })
  expect(back.statusCode).toBe(302)
  return back.headers.location as string | undefined
}

describe('per-user connections, listed and revoked', () => {
  it("shows admins each person's connection, never a token", async () => {
    await storeGrant('alice')
    const listed = await server.as(admin, { url: '/api/datasources/jira/connections' })
    expect(listed.statusCode).toBe(200)
    expect(listed.json()).toEqual([
      {
        user: 'alice',
        status: 'connected',
        expiresAt: expect.any(String),
        lastRefreshAt: expect.any(String),
        lastUsedAt: null,
        statusMessage: null,
      },
    ])
    expect(listed.body).not.toContain('at-alice')
    expect(listed.body).not.toContain('rt-alice')
  })

  it('shows each person their own connection only', async () => {
    expect((await server.as(alice, { url: '/api/me/connections' })).json()).toEqual([
      { datasource: 'jira', connection: expect.objectContaining({ status: 'connected' }) },
    ])
    expect((await server.as(bob, { url: '/api/me/connections' })).json()).toEqual([
      { datasource: 'jira', connection: null },
    ])
  })

  it("refuses to list a shared datasource's people: it has one connection", async () => {
    const listed = await server.as(admin, { url: '/api/datasources/team-jira/connections' })
    expect(listed.statusCode).toBe(400)
    expect(listed.json().error.code).toBe('QUARRY_CONFIG_INVALID')
  })

  it("lets a person revoke only their own: bob has nothing to revoke, and cannot reach alice's", async () => {
    const own = await server.as(bob, { method: 'DELETE', url: '/api/me/connections/jira' })
    expect(own.statusCode).toBe(404)
    const hers = await server.as(bob, { method: 'DELETE', url: '/api/datasources/jira/connections/alice' })
    expect(hers.statusCode).toBe(403)
    expect((await server.as(admin, { url: '/api/datasources/jira/connections' })).json()).toHaveLength(1)
  })

  it("lets an admin revoke a person's connection, recorded in the audit log", async () => {
    const revoked = await server.as(admin, {
      method: 'DELETE',
      url: '/api/datasources/jira/connections/alice',
    })
    expect(revoked.statusCode).toBe(204)
    expect((await server.as(admin, { url: '/api/datasources/jira/connections' })).json()).toEqual([])
    const audit = (await server.as(admin, { url: '/api/audit?kind=connection' })).json()
    expect(audit).toContainEqual(
      expect.objectContaining({
        object: 'jira/alice',
        action: 'disconnect',
        actor: expect.objectContaining({ user: 'ada' }),
      }),
    )
  })

  it('lets a person revoke their own connection', async () => {
    await storeGrant('bob')
    const revoked = await server.as(bob, { method: 'DELETE', url: '/api/me/connections/jira' })
    expect(revoked.statusCode).toBe(204)
    expect((await server.as(bob, { url: '/api/me/connections' })).json()).toEqual([
      { datasource: 'jira', connection: null },
    ])
  })

  it("refuses to start a person's consent on a shared datasource", async () => {
    const started = await server.as(alice, {
      method: 'POST',
      url: '/api/me/connections/team-jira/connect',
      payload: {},
    })
    expect(started.statusCode).toBe(400)
    expect(started.json().error.code).toBe('QUARRY_CONFIG_INVALID')
  })
})

describe("a person's own consent, from a view", () => {
  it('asks a viewer who has not connected, in the view, with a Connect form the CSP lets reach the provider', async () => {
    const view = await server.as(alice, { url: '/v/my-issues' })
    expect(view.body).toMatch(/Connect your .* account to see this/)
    expect(view.body).toContain('<form method="post" action="/v/my-issues/connect">')
    expect(view.body).toContain(`name="_csrf" value="${alice.csrf}"`)
    expect(view.headers['content-security-policy']).toContain(`form-action 'self' ${sim.url};`)

    const started = await server.as(alice, {
      method: 'POST',
      url: '/v/my-issues/connect',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(alice.csrf)}`,
    })
    expect(started.statusCode).toBe(303)
    expect(new URL(started.headers.location as string).origin).toBe(sim.url)
  })

  it("in an embed, the prompt's form opens consent in a window of its own", async () => {
    const view = await server.as(alice, { url: '/v/my-issues?embed=1' })
    expect(view.body).toContain(
      '<form method="post" action="/v/my-issues/connect?embed=1" target="quarry-connect" data-connect-popup>',
    )
  })

  it('connects through the callback, back to the view, which then shows her rows', async () => {
    expect(await connectOwn(alice, '/v/my-issues')).toBe('/v/my-issues')
    expect((await server.as(admin, { url: '/api/datasources/jira/connections' })).json()).toEqual([
      expect.objectContaining({ user: 'alice', status: 'connected' }),
    ])
    const view = await server.as(alice, { url: '/v/my-issues' })
    expect(view.body).toContain('DEMO-1')
    expect(view.body).not.toContain('quarry-connect')
  })

  it('goes back to My connections when the page to return to is not on this server', async () => {
    expect(await connectOwn(alice, '//evil.example/x')).toBe('/admin/connections?connected=1')
  })
})
