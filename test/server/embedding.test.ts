import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { addSimJira } from '../helpers/jira.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startTestSim } from '../helpers/sim.js'

/**
 * Embed origins listed by an admin (stored) join the --frame-ancestor flag's in the views' CSP at
 * once, without a restart; and issue keys link to the Jira Cloud site a datasource is connected to.
 */

const CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Summary: issue.fields.summary }))
}`

let sim: RunningSimulator
let server: TestServer
let admin: Browser

beforeAll(async () => {
  sim = await startTestSim({ issues: 5 })
  server = await startTestServer({ frameAncestors: ['https://flag.example.com'] })
  await addSimJira(server.engine, sim)
  await server.engine.addQuery({
    name: 'cached',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20DEMO&fields=summary',
    converter: CONVERTER,
    cacheTtlSeconds: 300,
    visibility: { public: true },
  })
  admin = await server.signIn('root', 'admin')
}, 30_000)
afterAll(async () => {
  await server.close()
  await sim.close()
})

const csp = async () =>
  String((await server.as(undefined, { url: '/v/cached?embed=1' })).headers['content-security-policy'])

describe('embed origins', () => {
  it('are the flag’s alone until an admin lists some', async () => {
    const response = await server.as(admin, { url: '/api/settings/embedding' })
    expect(response.json()).toEqual({ origins: [], serverOrigins: ['https://flag.example.com'] })
    expect(await csp()).toMatch(/frame-ancestors 'self' https:\/\/flag\.example\.com$/)
  })

  it('listed by an admin are in force for the next view, a cached one too, normalized', async () => {
    await csp() // the view is cached now
    const response = await server.as(admin, {
      method: 'PUT',
      url: '/api/settings/embedding',
      payload: { origins: ['HTTPS://Wiki.Example.com/', 'http://127.0.0.1:8081', 'https://*.example.org'] },
    })
    expect(response.statusCode).toBe(200)
    expect(response.json().origins).toEqual([
      'https://wiki.example.com',
      'http://127.0.0.1:8081',
      'https://*.example.org',
    ])
    expect(await csp()).toMatch(
      /frame-ancestors 'self' https:\/\/flag\.example\.com https:\/\/wiki\.example\.com http:\/\/127\.0\.0\.1:8081 https:\/\/\*\.example\.org$/,
    )
    await server.as(admin, { method: 'PUT', url: '/api/settings/embedding', payload: { origins: [] } })
    expect(await csp()).toMatch(/frame-ancestors 'self' https:\/\/flag\.example\.com$/)
  })

  it('refuses an entry that is not an http(s) origin, naming it, and keeps the list', async () => {
    await server.as(admin, {
      method: 'PUT',
      url: '/api/settings/embedding',
      payload: { origins: ['https://wiki.example.com'] },
    })
    for (const bad of ['*', 'https://wiki.example.com/page', "'unsafe-inline'", 'javascript:alert(1)']) {
      const response = await server.as(admin, {
        method: 'PUT',
        url: '/api/settings/embedding',
        payload: { origins: ['https://ok.example.com', bad] },
      })
      expect(response.statusCode, bad).toBe(400)
      expect(response.json().error.code).toBe('QUARRY_CONFIG_INVALID')
      expect(response.json().error.message).toContain(`"${bad}" cannot be an embed origin`)
    }
    expect((await server.as(admin, { url: '/api/settings/embedding' })).json().origins).toEqual([
      'https://wiki.example.com',
    ])
  })
})

describe('issue keys in a view', () => {
  it('link to the issue on the Jira Cloud site the datasource is connected to', async () => {
    const site = sim.context.world.sites[0]
    if (site === undefined) throw new Error('the simulator has no site')
    const datasource = await server.engine.store.datasources.get('jira')
    // As `quarry connect` leaves a jira-cloud preset datasource once the site is chosen.
    await server.engine.store.datasources.update('jira', {
      config: {
        ...(datasource?.config as object),
        preset: {
          name: 'jira-cloud',
          apiUrl: sim.url,
          site: { id: site.cloudId, name: site.name, url: site.url },
        },
      },
    })
    await server.engine.addQuery({
      name: 'linked',
      datasource: 'jira',
      path: '/search/jql?jql=project%20%3D%20DEMO&fields=summary',
      converter: CONVERTER,
      visibility: { public: true },
    })
    const body = (await server.as(undefined, { url: '/v/linked' })).body
    expect(body).toMatch(
      new RegExp(`<td><a href="${site.url}/browse/DEMO-1" rel="noopener noreferrer">DEMO-1</a></td>`),
    )
  })
})
