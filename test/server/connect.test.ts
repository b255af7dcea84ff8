import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseClientSpec } from '../../src/sim/oauth/clients.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startTestSim, stats } from '../helpers/sim.js'

/** The app registered for the server: its redirect URI is the server's own callback route. */
const SERVER_CLIENT = parseClientSpec('quarry-web:web-secret:http://quarry.test/api/oauth/callback')

let sim: RunningSimulator
let server: TestServer

beforeAll(async () => {
  sim = await startTestSim({ clients: [SERVER_CLIENT] })
  server = await startTestServer({ atlassian: { authUrl: sim.url, apiUrl: sim.url } })
})
afterAll(async () => {
  await server.close()
  await sim.close()
})

/** What the browser does after Connect: follows the authorize URL; the simulator consents (alice) and redirects. */
async function consentAt(authorizeUrl: string): Promise<string> {
  const response = await fetch(authorizeUrl, { redirect: 'manual' })
  const location = response.headers.get('location')
  if (!location) throw new Error(`authorize answered ${response.status} without a redirect`)
  const callback = new URL(location)
  return `${callback.pathname}${callback.search}`
}

/** Creates datasource `name` from the Jira Cloud preset with the server's client, as `admin`. */
function fromJiraPreset(admin: Browser, name: string, extra: Record<string, string> = {}) {
  return server.as(admin, {
    method: 'POST',
    url: '/api/presets/jira-cloud/datasources',
    payload: { name, clientId: 'quarry-web', clientSecret: 'web-secret', ...extra },
  })
}

describe('Connect in the server', () => {
  it('runs consent through the server’s callback and stores the connection with its site', async () => {
    const admin = await server.signIn('ada', 'admin')
    const created = await fromJiraPreset(admin, 'jira')
    expect(created.statusCode).toBe(201)
    expect(created.json().auth.clientSecret).toBe('••••••')

    const started = await server.as(admin, {
      method: 'POST',
      url: '/api/datasources/jira/connect',
      payload: {},
    })
    const { authorizeUrl, redirectUri } = started.json()
    expect(redirectUri).toBe('http://quarry.test/api/oauth/callback')
    expect(new URL(authorizeUrl).searchParams.get('redirect_uri')).toBe(redirectUri)

    const back = await server.as(admin, { url: await consentAt(authorizeUrl) })
    expect(back.statusCode).toBe(302)
    expect(back.headers.location).toBe('/admin/datasources/jira?connected=1')

    const [listed] = (await server.as(admin, { url: '/api/datasources' })).json()
    expect(listed.connection).toMatchObject({ status: 'connected', site: { name: 'acme' } })
    const run = await server.as(admin, {
      method: 'POST',
      url: '/api/queries/jira-issues/run',
      payload: { params: { jql: 'project = DEMO ORDER BY key ASC' } },
    })
    expect(run.statusCode).toBe(200)
    expect(run.json().rows.length).toBeGreaterThan(0)
  })

  it('refuses a consent answer that arrives in another browser session, storing nothing', async () => {
    const admin = await server.signIn('ada', 'admin')
    const other = await server.signIn('bea', 'admin')
    await fromJiraPreset(admin, 'jira2')
    const { authorizeUrl } = (
      await server.as(admin, { method: 'POST', url: '/api/datasources/jira2/connect', payload: {} })
    ).json()
    const exchangesBefore = (await stats(sim)).codeExchanges
    const back = await server.as(other, { url: await consentAt(authorizeUrl) })
    expect(back.statusCode).toBe(302)
    expect(decodeURIComponent(String(back.headers.location))).toContain(
      'does not belong to a Connect started in this browser session',
    )
    expect(await server.engine.store.connections.get('jira2')).toBeUndefined()
    expect((await stats(sim)).codeExchanges).toBe(exchangesBefore)
  })

  it('refuses a replayed callback', async () => {
    const admin = await server.signIn('ada', 'admin')
    await fromJiraPreset(admin, 'jira3')
    const { authorizeUrl } = (
      await server.as(admin, { method: 'POST', url: '/api/datasources/jira3/connect', payload: {} })
    ).json()
    const callback = await consentAt(authorizeUrl)
    expect((await server.as(admin, { url: callback })).headers.location).toBe(
      '/admin/datasources/jira3?connected=1',
    )
    const replay = await server.as(admin, { url: callback })
    expect(decodeURIComponent(String(replay.headers.location))).toContain('expired, or was used')
  })

  it('makes the Jira Cloud preset on the server’s configured Atlassian hosts (the simulator here), not on atlassian.com', async () => {
    const admin = await server.signIn('ada', 'admin')
    await fromJiraPreset(admin, 'jira4')
    const stored = (await server.as(admin, { url: '/api/datasources/jira4' })).json()
    expect(stored.auth.authorizeUrl).toBe(`${sim.url}/authorize`)
    expect(stored.auth.tokenUrl).toBe(`${sim.url}/oauth/token`)
    expect(stored.baseUrl.startsWith(sim.url)).toBe(true)
    expect(JSON.stringify(stored)).not.toContain('atlassian.com/')
  })

  // Last: it revokes alice's grants, which every connection above uses.
  it('answers Run on a connection that needs consent again with 409, never the 401 that means "sign in to Quarry" (issue 10)', async () => {
    const admin = await server.signIn('ada', 'admin')
    const revoked = await fetch(`${sim.url}/_sim/revoke?user=alice`, { method: 'POST' })
    expect(revoked.status).toBe(200)
    const run = await server.as(admin, {
      method: 'POST',
      url: '/api/queries/jira-count/run',
      payload: { params: { jql: 'project = DEMO' }, refresh: true },
    })
    expect(run.json().error.code).toBe('QUARRY_OAUTH_INVALID_GRANT')
    expect(run.statusCode).toBe(409)
    // The caller's own session is untouched.
    expect((await server.as(admin, { url: '/api/session' })).statusCode).toBe(200)
    const view = await server.as(admin, { url: '/v/jira-count?jql=project%20%3D%20DEMO' })
    expect(view.statusCode).toBe(409)
  })
})

describe('Connect on a per-user datasource (issue 15)', () => {
  it("stores the grant as the signed-in person's own; another person's session cannot finish it", async () => {
    const admin = await server.signIn('ada', 'admin')
    await fromJiraPreset(admin, 'mine')
    const stored = await server.engine.store.datasources.get('mine')
    await server.engine.store.datasources.update('mine', {
      config: { ...(stored?.config as object), connectionMode: 'per-user' },
    })
    const vic = await server.signIn('vic', 'viewer')
    const wes = await server.signIn('wes', 'viewer')

    const { authorizeUrl } = (
      await server.as(vic, { method: 'POST', url: '/api/datasources/mine/connect', payload: {} })
    ).json()
    const callback = await consentAt(authorizeUrl)
    const stolen = await server.as(wes, { url: callback })
    expect(decodeURIComponent(String(stolen.headers.location))).toContain('Nothing was stored')
    expect(await server.engine.store.connections.get('mine', 'wes')).toBeUndefined()

    const { authorizeUrl: again } = (
      await server.as(vic, { method: 'POST', url: '/api/datasources/mine/connect', payload: {} })
    ).json()
    const back = await server.as(vic, { url: await consentAt(again) })
    // A person's own connection goes back to their My connections page (a viewer has no datasource pages).
    expect(back.headers.location).toBe('/admin/connections?connected=1')
    expect(await server.engine.store.connections.get('mine', 'vic')).toMatchObject({ status: 'connected' })
    expect(await server.engine.store.connections.get('mine')).toBeUndefined()
  })

  it("refuses a viewer's Connect of a shared datasource: its connection is the admins'", async () => {
    const admin = await server.signIn('ada', 'admin')
    await fromJiraPreset(admin, 'shared')
    const vic = await server.signIn('vic', 'viewer')
    const refused = await server.as(vic, {
      method: 'POST',
      url: '/api/datasources/shared/connect',
      payload: {},
    })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error.code).toBe('QUARRY_FORBIDDEN')
  })

  it('creates a per-user datasource from a preset when the body asks for one', async () => {
    const admin = await server.signIn('ada', 'admin')
    const created = await fromJiraPreset(admin, 'everyone', { connectionMode: 'per-user' })
    expect(created.statusCode).toBe(201)
    expect(created.json().connectionMode).toBe('per-user')
    expect((await server.engine.store.datasources.get('everyone'))?.config).toMatchObject({
      connectionMode: 'per-user',
    })
  })

  it('refuses a preset body field that is none of its form, by name, storing nothing', async () => {
    const admin = await server.signIn('ada', 'admin')
    const refused = await fromJiraPreset(admin, 'typo', { conectionMode: 'per-user' })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error.code).toBe('QUARRY_CONFIG_INVALID')
    expect(refused.json().error.message).toContain('The jira-cloud preset has no field conectionMode')
    expect(refused.json().error.message).toContain('connectionMode')
    expect(await server.engine.store.datasources.get('typo')).toBeUndefined()
  })

  it('refuses a connection mode that is neither shared nor per-user', async () => {
    const admin = await server.signIn('ada', 'admin')
    const refused = await fromJiraPreset(admin, 'odd', { connectionMode: 'each' })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error.message).toMatch(/Connection mode: choose one of shared.*per-user/)
    expect(await server.engine.store.datasources.get('odd')).toBeUndefined()
  })
})
