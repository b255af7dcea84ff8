import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkDatasource } from '../../src/engine/index.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'

/**
 * Issue 10: a 3LO datasource that is not connected (or needs consent again) tells the admin UI to
 * press Connect — the button next to the message — while the CLI keeps its `quarry connect` command.
 */

let server: TestServer
let admin: Browser

beforeAll(async () => {
  server = await startTestServer()
  admin = await server.signIn('ada', 'admin')
  await server.engine.addDatasource({
    name: 'jira',
    type: 'rest',
    baseUrl: 'http://127.0.0.1:9/rest/api/3',
    testPath: '/myself',
    auth: {
      type: 'oauth2-authorization-code',
      authorizeUrl: 'http://127.0.0.1:9/authorize',
      tokenUrl: 'http://127.0.0.1:9/oauth/token',
      clientId: 'quarry-web',
      clientSecret: 'web-secret',
      scopes: 'read:jira-work offline_access',
      redirectUri: 'http://quarry.test/api/oauth/callback',
    },
  })
  await server.engine.addQuery({ name: 'issues', datasource: 'jira', path: '/search/jql' })
})
afterAll(() => server.close())

describe('a 3LO datasource without consent', () => {
  it('answers Test connection in the server with "Press Connect", not a CLI command', async () => {
    const response = await server.as(admin, {
      method: 'POST',
      url: '/api/datasources/jira/test',
      payload: {},
    })
    expect(response.json()).toEqual({
      ok: false,
      message:
        'jira does not work: Datasource "jira" is not connected yet. Press Connect on the page of datasource "jira".',
    })
  })

  it('answers a run in the server with "Press Connect" and its error code', async () => {
    const response = await server.as(admin, { method: 'POST', url: '/api/queries/issues/run', payload: {} })
    expect(response.json().error).toEqual({
      code: 'QUARRY_OAUTH_NOT_CONNECTED',
      message: 'Datasource "jira" is not connected yet. Press Connect on the page of datasource "jira".',
    })
  })

  it('keeps the command for the CLI', async () => {
    const result = await checkDatasource(server.engine.store, 'jira')
    expect(result.message).toBe(
      'jira does not work: Datasource "jira" is not connected yet. Run: quarry connect jira',
    )
  })

  it('says the same after the grant was revoked (needs consent), pointing to Connect', async () => {
    await server.engine.store.connections.put('jira', {
      tokens: { access_token: 'a', refresh_token: 'r' },
      accessExpiresAt: new Date(Date.now() - 1000),
      status: 'needs_consent',
      statusMessage: 'the refresh token was revoked',
      scope: null,
      site: null,
      lastRefreshAt: null,
      lastUsedAt: null,
    })
    const response = await server.as(admin, {
      method: 'POST',
      url: '/api/datasources/jira/test',
      payload: {},
    })
    expect(response.json().message).toBe(
      'jira does not work: Datasource "jira" needs consent again (the refresh token was revoked). Press Connect on the page of datasource "jira".',
    )
  })
})
