import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'

/**
 * Issue 17, done-when 2: dashboards over the API (CRUD, visibility) and as pages — each panel its
 * own document, so one failing panel shows its coded error while the others render.
 */

let server: TestServer
let editor: Browser
let viewer: Browser

const TEAM = {
  name: 'team',
  title: 'Team overview',
  params: [{ name: 'who', label: 'Who', default: 'world' }],
  panels: [
    { id: 'greeting', title: 'Greeting', query: 'greeting', x: 0, y: 0, width: 6, height: 2 },
    {
      id: 'shout',
      query: 'greeting',
      template: { type: 'liquid', source: '{% for row in rows %}<p>HEY {{ row.name }}!</p>{% endfor %}' },
      x: 6,
      y: 0,
      width: 6,
      height: 2,
    },
    { id: 'broken', title: 'Broken', query: 'broken', x: 0, y: 2, width: 12, height: 2 },
  ],
}

beforeAll(async () => {
  server = await startTestServer({ frameAncestors: ['https://wiki.example.com'] })
  // The store's own SQLite file: any readable database does for `SELECT :who`.
  await server.engine.addDatasource({
    name: 'db',
    type: 'sqlite',
    path: join(server.engine.dir, 'quarry.db'),
  })
  await server.engine.addQuery({
    name: 'greeting',
    datasource: 'db',
    sql: "SELECT :who AS name, 'hello' AS word",
    params: [{ name: 'who', type: 'string', default: 'nobody' }],
  })
  await server.engine.addQuery({
    name: 'public-greeting',
    datasource: 'db',
    sql: "SELECT :who AS name, 'hello' AS word",
    params: [{ name: 'who', type: 'string', default: 'nobody', visitorInput: { pattern: '[A-Za-z]+' } }],
    visibility: { public: true },
  })
  await server.engine.addQuery({ name: 'broken', datasource: 'db', sql: 'SELECT * FROM no_such_table' })
  await server.engine.addQuery({
    name: 'sales-only',
    datasource: 'db',
    sql: 'SELECT 1 AS n',
    visibility: { groups: ['sales'] },
  })
  editor = await server.signIn('eve', 'editor')
  viewer = await server.signIn('vic', 'viewer')
  const created = await server.as(editor, { method: 'POST', url: '/api/dashboards', payload: TEAM })
  expect(created.statusCode, created.body).toBe(201)
}, 30_000)
afterAll(() => server.close())

describe('the dashboards API', () => {
  it('lists the dashboards a viewer may see, with their address', async () => {
    const list = await server.as(viewer, { url: '/api/dashboards' })
    expect(list.json()).toEqual([
      { name: 'team', title: 'Team overview', panels: 3, public: false, url: '/d/team' },
    ])
    expect((await server.as(viewer, { url: '/api/dashboards/team' })).json()).toMatchObject({
      params: TEAM.params,
      panels: [{ id: 'greeting' }, { id: 'shout' }, { id: 'broken' }],
    })
  })

  it('creates, renames and removes a dashboard, and records each change in the audit log', async () => {
    const draft = { ...TEAM, name: 'draft', panels: TEAM.panels.slice(0, 1) }
    expect(
      (await server.as(editor, { method: 'POST', url: '/api/dashboards', payload: draft })).statusCode,
    ).toBe(201)
    const taken = await server.as(editor, { method: 'POST', url: '/api/dashboards', payload: draft })
    expect(taken.json().error.code).toBe('QUARRY_DASHBOARD_EXISTS')
    const renamed = await server.as(editor, {
      method: 'PUT',
      url: '/api/dashboards/draft',
      payload: { ...draft, name: 'final', title: 'Final' },
    })
    expect(renamed.json()).toMatchObject({ name: 'final', title: 'Final' })
    expect((await server.as(editor, { method: 'DELETE', url: '/api/dashboards/final' })).statusCode).toBe(204)
    const missing = await server.as(editor, { url: '/api/dashboards/final' })
    expect(missing.json().error.code).toBe('QUARRY_DASHBOARD_NOT_FOUND')
    const audited = await server.engine.store.audit.list({ kind: 'dashboard' })
    expect(audited.filter((entry) => entry.object !== 'team').map((entry) => entry.action)).toEqual([
      'remove',
      'update',
      'create',
    ])
  })

  it('refuses a panel on a missing query and a panel that leaves the grid, naming the field', async () => {
    const missing = await server.as(editor, {
      method: 'POST',
      url: '/api/dashboards',
      payload: { ...TEAM, name: 'bad', panels: [{ ...TEAM.panels[0], query: 'nope' }] },
    })
    expect(missing.json().error.code).toBe('QUARRY_QUERY_NOT_FOUND')
    const wide = await server.as(editor, {
      method: 'POST',
      url: '/api/dashboards',
      payload: { ...TEAM, name: 'bad', panels: [{ ...TEAM.panels[0], x: 8, width: 6 }] },
    })
    expect(wide.statusCode).toBe(400)
    expect(wide.json().error.message).toMatch(/12 columns/)
  })

  it('hides a dashboard from a viewer outside its groups, as if it did not exist', async () => {
    await server.as(editor, {
      method: 'POST',
      url: '/api/dashboards',
      payload: { ...TEAM, name: 'sales', visibility: { groups: ['sales'] } },
    })
    expect(
      (await server.as(viewer, { url: '/api/dashboards' })).json().map((d: { name: string }) => d.name),
    ).toEqual(['team'])
    expect((await server.as(viewer, { url: '/api/dashboards/sales' })).statusCode).toBe(404)
    const page = await server.as(viewer, { url: '/d/sales' })
    expect(page.statusCode).toBe(404)
    expect(page.body).toContain('QUARRY_DASHBOARD_NOT_FOUND')
    const anonymous = await server.as(undefined, { url: '/d/sales' })
    expect(anonymous.statusCode).toBe(302)
    expect(anonymous.headers.location).toBe('/admin/login?next=%2Fd%2Fsales')
  })
})

describe('the dashboard page', () => {
  it('has the parameter bar with the URL’s value, and one frame per panel carrying it', async () => {
    const page = await server.as(viewer, { url: '/d/team?who=Ada' })
    expect(page.statusCode).toBe(200)
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'none'")
    expect(page.body).toContain('<h1>Team overview</h1>')
    expect(page.body).toMatch(/<label for="dp-who">Who<input id="dp-who" name="who" type="text" value="Ada">/)
    for (const id of ['greeting', 'shout', 'broken'])
      expect(page.body).toContain(`src="/d/team/panel/${id}?who=Ada&amp;embed=1"`)
    expect(page.body).toContain('class="quarry-dash-panel qd-x6 qd-w6 qd-y0 qd-h2"')
  })

  it('renders each panel on its own: the working ones with the shared parameter, the failing one with its code', async () => {
    const greeting = await server.as(viewer, { url: '/d/team/panel/greeting?who=Ada&embed=1' })
    expect(greeting.statusCode).toBe(200)
    expect(greeting.body).toContain('<td>Ada</td>')
    const shout = await server.as(viewer, { url: '/d/team/panel/shout?who=Ada&embed=1' })
    expect(shout.body).toContain('<p>HEY Ada!</p>')
    const broken = await server.as(viewer, { url: '/d/team/panel/broken?who=Ada&embed=1' })
    expect(broken.body).toMatch(/class="quarry-error" role="alert">[^<]*\(QUARRY_[A-Z_]+\)/)
    expect(broken.body).not.toContain('    at ')
  })

  it('uses the dashboard parameter’s default when the URL has none', async () => {
    const greeting = await server.as(viewer, { url: '/d/team/panel/greeting?embed=1' })
    expect(greeting.body).toContain('<td>world</td>')
  })

  it('links each panel’s CSV and XLSX to the view’s downloads with that panel’s values', async () => {
    const page = await server.as(viewer, { url: '/d/team?who=Ada' })
    expect(page.body).toContain('href="/v/greeting/rows.csv?who=Ada"')
    expect(page.body).toContain('href="/v/greeting/rows.xlsx?who=Ada"')
    const csv = await server.as(viewer, { url: '/v/greeting/rows.csv?who=Ada' })
    expect(csv.body).toContain('Ada,hello')
  })

  it('refreshes one panel and comes back to it, or the whole page and comes back to it', async () => {
    const one = await server.as(viewer, {
      method: 'POST',
      url: '/d/team/panel/greeting/refresh?who=Ada',
      payload: {},
    })
    expect(one.statusCode).toBe(303)
    expect(one.headers.location).toBe('/d/team/panel/greeting?who=Ada&embed=1')
    const all = await server.as(viewer, { method: 'POST', url: '/d/team/refresh?who=Ada', payload: {} })
    expect(all.statusCode).toBe(303)
    expect(all.headers.location).toBe('/d/team?who=Ada')
  })

  it('shows a panel whose query the viewer may not see as not found, and its other panels', async () => {
    await server.as(editor, {
      method: 'POST',
      url: '/api/dashboards',
      payload: {
        ...TEAM,
        name: 'mixed',
        panels: [TEAM.panels[0], { id: 'hidden', query: 'sales-only', x: 0, y: 2, width: 4, height: 2 }],
      },
    })
    const hidden = await server.as(viewer, { url: '/d/mixed/panel/hidden?embed=1' })
    expect(hidden.body).toContain('QUARRY_QUERY_NOT_FOUND')
    expect((await server.as(viewer, { url: '/d/mixed/panel/greeting?embed=1' })).body).toContain(
      '<td>world</td>',
    )
    const page = await server.as(viewer, { url: '/d/mixed' })
    expect(page.body).not.toContain('/v/sales-only/rows.csv')
  })

  it('answers an unknown panel with a coded error page', async () => {
    const response = await server.as(viewer, { url: '/d/team/panel/nope' })
    expect(response.statusCode).toBe(404)
    expect(response.body).toContain('(QUARRY_NOT_FOUND)')
  })

  it('embeds like a view: framed only by the embed origins, and with ?embed=1 without heading and bar', async () => {
    await server.as(editor, {
      method: 'POST',
      url: '/api/dashboards',
      payload: {
        ...TEAM,
        name: 'open',
        panels: [{ id: 'hello', query: 'public-greeting', x: 0, y: 0, width: 12, height: 2 }],
        visibility: { public: true },
      },
    })
    const embedded = await server.as(undefined, { url: '/d/open?embed=1&who=Ada' })
    expect(embedded.statusCode).toBe(200)
    expect(String(embedded.headers['content-security-policy'])).toContain(
      "frame-ancestors 'self' https://wiki.example.com",
    )
    expect(embedded.body).toContain('<html lang="en" data-embed>')
    expect(embedded.body).not.toContain('<h1>')
    expect(embedded.body).not.toContain('dp-who')
    // A visitor of a public dashboard runs its public query with the values a visitor may set.
    const panel = await server.as(undefined, { url: '/d/open/panel/hello?who=Ada&embed=1' })
    expect(panel.body).toContain('<td>Ada</td>')
    expect(String(panel.headers['content-security-policy'])).toContain('https://wiki.example.com')
    const refused = await server.as(undefined, { url: '/d/open/panel/hello?who=1%3D1&embed=1' })
    expect(refused.body).toContain('QUARRY_PARAM_NOT_ALLOWED')
  })
})
