import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunningOidcProvider } from '../helpers/oidc-provider.js'
import { GITLAB_CLIENT, startGitLabLike } from '../helpers/provider-shapes.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

/**
 * The google, entra and gitlab presets in the server (issue 14, Done-when 3): GET /api/presets lists
 * them with their own fields for the admin UI's quick forms, and a GitLab datasource made there (its
 * instance URL pointing at a provider shaped like GitLab) connects through the server's callback.
 */

const CALLBACK = 'http://quarry.test/api/oauth/callback'
let server: TestServer
let idp: RunningOidcProvider
beforeEach(async () => {
  server = await startTestServer()
  idp = await startGitLabLike([CALLBACK])
})
afterEach(async () => {
  await idp.close()
  await server.close()
})

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
    const admin = await server.signIn('ada', 'admin')
    const created = await server.as(admin, {
      method: 'POST',
      url: '/api/presets/gitlab/datasources',
      payload: {
        name: 'gl',
        clientId: GITLAB_CLIENT.id,
        clientSecret: GITLAB_CLIENT.secret,
        gitlabUrl: idp.issuer,
      },
    })
    expect(created.statusCode, created.body).toBe(201)
    expect(created.json()).toMatchObject({
      baseUrl: `${idp.issuer}/api/v4`,
      auth: { issuer: idp.issuer, redirectUri: CALLBACK, clientSecret: '••••••' },
    })
    const started = await server.as(admin, {
      method: 'POST',
      url: '/api/datasources/gl/connect',
      payload: {},
    })
    expect(started.statusCode, started.body).toBe(200)
    const callback = new URL(await idp.consent(started.json().authorizeUrl))
    const back = await server.as(admin, { url: `${callback.pathname}${callback.search}` })
    expect(back.statusCode, back.body).toBe(302)
    expect(back.headers.location).toBe('/admin/datasources/gl?connected=1')
    const listed = (await server.as(admin, { url: '/api/datasources' })).json() as { connection: unknown }[]
    expect(listed[0]?.connection).toMatchObject({ status: 'connected' })
  })
})
