import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { addSimJira } from '../helpers/jira.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startTestSim, stats } from '../helpers/sim.js'

/**
 * Named converters and templates over the API (issue 13): two queries share one; editing it changes
 * both at once — their runs, and their cached views, which are rendered again — and deleting it while
 * they use it is refused, naming them.
 */

const KEYS = `function convert(json) {
  return JSON.parse(json).issues.map((issue) => ({ Key: issue.key }))
}`
const TICKETS = `function convert(json) {
  return JSON.parse(json).issues.map((issue) => ({ Ticket: 'T-' + issue.key }))
}`

let sim: RunningSimulator
let server: TestServer
let editor: Browser

beforeAll(async () => {
  sim = await startTestSim({ issues: 20 })
  server = await startTestServer()
  await addSimJira(server.engine, sim)
  editor = await server.signIn('eve', 'editor')
}, 30_000)
afterAll(async () => {
  await server?.close()
  await sim?.close()
})

const send = (method: 'POST' | 'PUT' | 'DELETE' | 'GET', url: string, payload?: object) =>
  server.as(editor, { method, url, ...(payload ? { payload } : {}) })

const query = (name: string) => ({
  name,
  datasource: 'jira',
  path: '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key%20ASC&fields=summary&maxResults=5',
  cacheTtlSeconds: 300,
  converterName: 'rows',
  templateName: 'list',
})

describe('named converters and templates through the API', () => {
  it('two queries share a converter and a template; an edit changes both, cached views included', async () => {
    expect((await send('POST', '/api/converters', { name: 'rows', source: KEYS })).statusCode).toBe(201)
    const template = {
      type: 'liquid',
      source: '<ol class="named">{% for r in rows %}<li>{{ r.Key }}{{ r.Ticket }}</li>{% endfor %}</ol>',
    }
    expect((await send('POST', '/api/templates', { name: 'list', template })).statusCode).toBe(201)
    for (const name of ['first', 'second'])
      expect((await send('POST', '/api/queries', query(name))).statusCode).toBe(201)

    const listed = (await send('GET', '/api/converters')).json<{ name: string; usedBy: string[] }[]>()
    expect(listed).toEqual([
      expect.objectContaining({ name: 'rows', usedBy: ['first', 'second'], source: KEYS }),
    ])
    // A query as saved names its converter; it does not carry a copy.
    expect((await send('GET', '/api/queries/first')).json()).toMatchObject({
      converterName: 'rows',
      templateName: 'list',
    })
    expect((await send('GET', '/api/queries/first')).json()).not.toHaveProperty('converter')

    const viewer = await server.signIn('vic', 'viewer')
    const first = await server.as(viewer, { url: '/v/first' })
    expect(first.body).toContain('<ol class="named"><li>DEMO-1</li>')
    // Served again from the view cache: no request upstream.
    const before = (await stats(sim)).requests['GET search/jql'] ?? 0
    expect((await server.as(viewer, { url: '/v/first' })).body).toContain('<li>DEMO-1</li>')
    expect((await stats(sim)).requests['GET search/jql'] ?? 0).toBe(before)
    const run = await send('POST', '/api/queries/second/run', {})
    expect(run.json()).toMatchObject({
      rows: [{ Key: 'DEMO-1' }, { Key: 'DEMO-2' }, { Key: 'DEMO-3' }, { Key: 'DEMO-4' }, { Key: 'DEMO-5' }],
    })

    const edited = await send('PUT', '/api/converters/rows', {
      name: 'rows',
      description: 'Tickets',
      source: TICKETS,
    })
    expect(edited.statusCode).toBe(200)
    expect(edited.json()).toMatchObject({ description: 'Tickets', usedBy: ['first', 'second'] })

    // The cached view is rendered again with the new converter, and both queries run it.
    const after = await server.as(viewer, { url: '/v/first' })
    expect(after.body).toContain('<li>T-DEMO-1</li>')
    expect(after.body).not.toContain('<li>DEMO-1</li>')
    // Its result cached before the edit is not used: the converter is part of the cache key.
    const rerun = (await send('POST', '/api/queries/second/run', {})).json<{ rows: object[] }>()
    expect(rerun.rows[0]).toEqual({ Ticket: 'T-DEMO-1' })

    // A template edit: the cached view shows it at once.
    const table = await send('PUT', '/api/templates/list', { name: 'list', template: { type: 'table' } })
    expect(table.statusCode).toBe(200)
    const asTable = await server.as(viewer, { url: '/v/first' })
    expect(asTable.body).toContain('<table')
    expect(asTable.body).not.toContain('class="named"')
  })

  it('deleting one in use is refused with the queries it names; a viewer cannot read them', async () => {
    const refused = await send('DELETE', '/api/converters/rows')
    expect(refused.statusCode).toBe(409)
    expect(refused.json().error).toMatchObject({
      code: 'QUARRY_CONVERTER_IN_USE',
      message: expect.stringContaining('"first", "second"'),
    })
    expect((await send('DELETE', '/api/templates/list')).json().error).toMatchObject({
      code: 'QUARRY_TEMPLATE_IN_USE',
    })
    const viewer = await server.signIn('vic', 'viewer')
    expect((await server.as(viewer, { url: '/api/converters/rows' })).statusCode).toBe(403)
    expect((await send('GET', '/api/converters/nope')).json().error).toMatchObject({
      code: 'QUARRY_CONVERTER_NOT_FOUND',
    })
  })

  it('a rename follows into the queries; a query cannot have its own converter and a named one', async () => {
    const renamed = await send('PUT', '/api/converters/rows', { name: 'ticket-rows', source: TICKETS })
    expect(renamed.json()).toMatchObject({ name: 'ticket-rows', usedBy: ['first', 'second'] })
    expect((await send('GET', '/api/queries/second')).json()).toMatchObject({ converterName: 'ticket-rows' })
    const both = await send('POST', '/api/queries', {
      ...query('third'),
      converterName: 'ticket-rows',
      converter: KEYS,
    })
    expect(both.statusCode).toBe(400)
    expect(both.json<{ error: { message: string } }>().error.message).toContain(
      'its own converter or a named one, not both',
    )
    const unknown = await send('POST', '/api/queries', { ...query('third'), converterName: 'nope' })
    expect(unknown.json().error).toMatchObject({ code: 'QUARRY_CONVERTER_NOT_FOUND' })
    for (const name of ['first', 'second'])
      expect((await send('DELETE', `/api/queries/${name}`)).statusCode).toBe(204)
    expect((await send('DELETE', '/api/converters/ticket-rows')).statusCode).toBe(204)
  })
})
