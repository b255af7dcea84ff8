import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { addSimJira } from '../helpers/jira.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { startTestSim } from '../helpers/sim.js'

/**
 * A public query's parameters are fixed for visitors (anyone who sees it only because it is public)
 * unless a parameter is opened to them, optionally within allowed values or a pattern (issue 10).
 */

const CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Summary: issue.fields.summary }))
}`

let sim: RunningSimulator
let server: TestServer

const jqlQuery = {
  datasource: 'jira',
  path: '/search/jql?jql=:jql&fields=summary&maxResults=50',
  pagination: { type: 'next-page-token' as const },
  converter: CONVERTER,
  cacheTtlSeconds: 300,
}

beforeAll(async () => {
  sim = await startTestSim({ issues: 200 })
  server = await startTestServer()
  await addSimJira(server.engine, sim)
  await server.engine.addQuery({
    ...jqlQuery,
    name: 'fixed',
    params: [{ name: 'jql', type: 'string', default: 'project = DEMO ORDER BY key ASC' }],
    visibility: { public: true },
  })
  await server.engine.addQuery({
    ...jqlQuery,
    name: 'by-project',
    path: '/search/jql?jql=project%20%3D%20:project%20AND%20key%20in%20(:keys)%20ORDER%20BY%20key&fields=summary',
    params: [
      { name: 'project', type: 'string', default: 'DEMO', visitorInput: { allowed: ['DEMO', 'WEB'] } },
      { name: 'keys', type: 'list', default: 'DEMO-1,DEMO-2', visitorInput: { pattern: '[A-Z]+-\\d{1,4}' } },
    ],
    visibility: { public: true },
  })
  await server.engine.addQuery({
    ...jqlQuery,
    name: 'team-or-public',
    params: [{ name: 'jql', type: 'string', default: 'project = DEMO ORDER BY key ASC' }],
    visibility: { public: true, groups: ['team'] },
  })
}, 30_000)
afterAll(async () => {
  await server.close()
  await sim.close()
})

const jql = (text: string) => `jql=${encodeURIComponent(text)}`

describe('a visitor of a public query', () => {
  it('sees it with the parameters’ defaults', async () => {
    const response = await server.as(undefined, { url: '/v/fixed' })
    expect(response.statusCode).toBe(200)
    expect(response.body).toContain('DEMO-1')
  })

  it('cannot set a parameter that is not opened to visitors, on the page, downloads or Refresh', async () => {
    for (const url of [
      `/v/fixed?${jql('project = OPS')}`,
      `/v/fixed/rows.json?${jql('project = OPS')}`,
      `/v/fixed/rows.csv?${jql('project = OPS')}`,
      `/v/fixed/rows.xlsx?${jql('project = OPS')}`,
    ]) {
      const response = await server.as(undefined, { url })
      expect(response.statusCode, url).toBe(403)
      expect(response.body, url).toMatch(
        /Parameter (&quot;|\\?")jql(&quot;|\\?") of this public view is fixed/,
      )
      expect(response.body, url).not.toContain('OPS-1')
    }
    const refresh = await server.as(undefined, {
      method: 'POST',
      url: `/v/fixed/refresh?${jql('project = OPS')}`,
    })
    expect(refresh.statusCode).toBe(403)
    expect(refresh.headers['content-type']).toMatch(/^text\/html/)
    expect(refresh.body).toContain('QUARRY_PARAM_NOT_ALLOWED')
  })

  it('is not offered a field for a fixed parameter', async () => {
    const body = (await server.as(undefined, { url: '/v/fixed' })).body
    expect(body).not.toContain('name="jql"')
    const open = (await server.as(undefined, { url: '/v/by-project' })).body
    expect(open).toContain('name="project"')
  })

  it('may set an opened parameter to an allowed value, and only to one', async () => {
    const allowed = await server.as(undefined, { url: '/v/by-project/rows.json?project=WEB&keys=WEB-1' })
    expect(allowed.statusCode).toBe(200)
    expect(allowed.json()).toEqual([expect.objectContaining({ Key: 'WEB-1' })])
    const other = await server.as(undefined, { url: '/v/by-project/rows.json?project=OPS&keys=OPS-1' })
    expect(other.statusCode).toBe(403)
    expect(other.json().error.message).toBe(
      'Parameter "project" of this public view takes only "DEMO", "WEB". Sign in to use other values.',
    )
  })

  it('may set an opened parameter only to values matching its pattern, each item of a list', async () => {
    const good = await server.as(undefined, { url: '/v/by-project/rows.json?keys=DEMO-2,DEMO-3' })
    expect(good.statusCode).toBe(200)
    expect(good.json().map((row: { Key: string }) => row.Key)).toEqual(['DEMO-2', 'DEMO-3'])
    const injected = await server.as(undefined, {
      url: `/v/by-project/rows.json?keys=${encodeURIComponent('DEMO-1) OR project = OPS OR key in (DEMO-1')}`,
    })
    expect(injected.statusCode).toBe(403)
    expect(injected.json().error.message).toContain(
      'Parameter "keys" of this public view does not take that value',
    )
  })

  it('is never sent a page rendered for a signed-in user’s own values', async () => {
    const admin = await server.signIn('ada', 'admin')
    const url = `/v/fixed?${jql('project = OPS ORDER BY key')}`
    const own = await server.as(admin, { url })
    expect(own.statusCode).toBe(200)
    expect(own.body).toContain('OPS-1')
    // The same URL, now with a rendered page of it in memory.
    const visitor = await server.as(undefined, { url })
    expect(visitor.statusCode).toBe(403)
    expect(visitor.body).not.toContain('OPS-1')
  })

  it('includes a signed-in user who sees the query only because it is public', async () => {
    const outsider = await server.signIn('olga', 'viewer')
    const member = await server.signIn('tim', 'viewer', ['team'])
    const url = `/v/team-or-public/rows.json?${jql('project = OPS ORDER BY key')}`
    expect((await server.as(outsider, { url })).statusCode).toBe(403)
    expect((await server.as(member, { url })).statusCode).toBe(200)
    const run = await server.as(outsider, {
      method: 'POST',
      url: '/api/queries/team-or-public/run',
      payload: { params: { jql: 'project = OPS' } },
    })
    expect(run.statusCode).toBe(403)
    expect(run.json().error.code).toBe('QUARRY_PARAM_NOT_ALLOWED')
  })
})

describe('opening a parameter to visitors', () => {
  it('refuses a pattern that is not a regular expression, naming the parameter', async () => {
    const editor = await server.signIn('eda', 'editor')
    const response = await server.as(editor, {
      method: 'POST',
      url: '/api/queries',
      payload: {
        ...jqlQuery,
        name: 'bad-pattern',
        params: [{ name: 'jql', visitorInput: { pattern: '(unclosed' } }],
      },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.message).toContain('not a valid regular expression')
  })
})

describe('the query list', () => {
  it('says of each query whether it is public', async () => {
    await server.engine.addQuery({ ...jqlQuery, name: 'members-only', params: [] })
    const editor = await server.signIn('lisa', 'editor')
    const list = (await server.as(editor, { url: '/api/queries' })).json() as {
      name: string
      public: boolean
    }[]
    const flag = (name: string) => list.find((query) => query.name === name)?.public
    expect(flag('fixed')).toBe(true)
    expect(flag('members-only')).toBe(false)
  })
})

describe('an upstream failure', () => {
  // The simulator answers 400 to JQL it cannot parse: the message names the upstream URL.
  const broken = `/v/fixed-broken`
  beforeAll(async () => {
    await server.engine.addQuery({
      ...jqlQuery,
      name: 'fixed-broken',
      params: [{ name: 'jql', type: 'string', default: 'project = = DEMO' }],
      visibility: { public: true },
    })
  })
  const upstreamHost = () => sim.url.replace(/^http:\/\//, '')

  it('is told in full, upstream URL included, to admins and editors', async () => {
    for (const role of ['admin', 'editor'] as const) {
      const who = await server.signIn(`${role}-reader`, role)
      const page = await server.as(who, { url: broken })
      expect(page.statusCode).toBe(502)
      expect(page.body, role).toContain(upstreamHost())
      const rows = await server.as(who, { url: `${broken}/rows.json` })
      expect(rows.json().error.message, role).toContain(upstreamHost())
    }
  })

  it('is told to viewers and anonymous visitors by its code and a plain sentence, without upstream details', async () => {
    const viewer = await server.signIn('plain-viewer', 'viewer')
    for (const who of [viewer, undefined]) {
      const page = await server.as(who, { url: broken })
      expect(page.statusCode).toBe(502)
      expect(page.body).toContain('The API answered with an error status. (QUARRY_UPSTREAM_STATUS)')
      expect(page.body).not.toContain(upstreamHost())
      expect(page.body).not.toContain('/rest/api/')
      const rows = await server.as(who, { url: `${broken}/rows.json` })
      expect(rows.json().error).toEqual({
        code: 'QUARRY_UPSTREAM_STATUS',
        message: 'The API answered with an error status.',
      })
    }
    const run = await server.as(viewer, { method: 'POST', url: '/api/queries/fixed-broken/run', payload: {} })
    expect(run.json().error.message).toBe('The API answered with an error status.')
  })
})
