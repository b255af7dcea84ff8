import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { REDIRECT_URI, TEST_CLIENT, connect, startTestSim, stats } from '../helpers/sim.js'

/**
 * The PocketQuery guide pastes a refresh and an access token into its datasource; the admin UI's
 * API takes them the same way (POST /api/datasources/:name/tokens), and rotation continues from
 * there (issue 13).
 */

let sim: RunningSimulator
let server: TestServer
let admin: Browser

beforeAll(async () => {
  sim = await startTestSim({ issues: 20 })
  server = await startTestServer()
  const cloudId = sim.context.world.sites[0]?.cloudId as string
  await server.engine.addDatasource({
    name: 'guide',
    type: 'rest',
    baseUrl: `${sim.url}/ex/jira/${cloudId}/rest/api/2`,
    testPath: '/myself',
    auth: {
      type: 'oauth2-authorization-code',
      authorizeUrl: `${sim.url}/authorize`,
      tokenUrl: `${sim.url}/oauth/token`,
      clientId: TEST_CLIENT.clientId,
      clientSecret: TEST_CLIENT.clientSecret,
      scopes: 'read:jira-work read:jira-user offline_access',
      redirectUri: REDIRECT_URI,
    },
  })
  await server.engine.addDatasource({
    name: 'plain',
    type: 'rest',
    baseUrl: sim.url,
    auth: { type: 'bearer', token: 'tok-0123456789' },
  })
  admin = await server.signIn('ada', 'admin')
}, 30_000)
afterAll(async () => {
  await server.close()
  await sim.close()
})

const post = (url: string, payload: object) => server.as(admin, { method: 'POST', url, payload })

describe('tokens obtained elsewhere, through the API', () => {
  it('connect a 3LO datasource, which works and refreshes (rotating) on first use', async () => {
    const tokens = await connect(sim)
    const before = Number((await stats(sim)).refreshes)
    const stored = await post('/api/datasources/guide/tokens', {
      refreshToken: tokens.refresh_token,
      accessToken: tokens.access_token,
    })
    expect(stored.statusCode, stored.body).toBe(200)
    expect(stored.json()).toMatchObject({ status: 'connected' })
    expect(stored.body).not.toContain(tokens.refresh_token as string)
    const test = await post('/api/datasources/guide/test', {})
    expect(test.json()).toMatchObject({ ok: true })
    expect((await stats(sim)).refreshes).toBe(before + 1)
    const connection = await server.engine.store.connections.get('guide')
    expect(connection?.tokens.refresh_token).not.toBe(tokens.refresh_token)
  })

  it('are refused for a datasource that does not use oauth2-authorization-code, saying why', async () => {
    const refused = await post('/api/datasources/plain/tokens', { refreshToken: 'r-0123456789' })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error.message).toBe(
      'Datasource "plain" uses bearer; tokens are for oauth2-authorization-code.',
    )
  })

  it('need a refresh token', async () => {
    const refused = await post('/api/datasources/guide/tokens', { accessToken: 'a-0123456789' })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error.message).toBe('Refresh token: required.')
  })
})
