import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer } from '../../src/server/app.js'
import { SESSION_REVALIDATE_MS } from '../../src/server/auth/session-cache.js'
import { ViewCache } from '../../src/server/view-cache.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'

/**
 * Issue 18, done-when 4: what a server keeps in memory to answer cached pages fast — sessions for
 * up to SESSION_REVALIDATE_MS, dashboard pages and panel frames per person — never outlives a change
 * made on this server, and never reaches another person.
 */

let server: TestServer
let editor: Browser
let viewer: Browser

const BOARD = {
  name: 'board',
  title: 'Before',
  panels: [
    {
      id: 'open',
      query: 'open',
      template: { type: 'liquid', source: '{% for row in rows %}<p>FIRST {{ row.n }}</p>{% endfor %}' },
      x: 0,
      y: 0,
      width: 6,
      height: 2,
    },
    { id: 'staff', query: 'staff', x: 6, y: 0, width: 6, height: 2 },
  ],
  visibility: { public: true },
}

beforeAll(async () => {
  server = await startTestServer()
  await server.engine.addDatasource({
    name: 'db',
    type: 'sqlite',
    path: join(server.engine.dir, 'quarry.db'),
  })
  // Both cached for an hour: their panels are served from memory after the first request.
  await server.engine.addQuery({
    name: 'open',
    datasource: 'db',
    sql: 'SELECT 1 AS n',
    cacheTtlSeconds: 3600,
    visibility: { public: true },
  })
  await server.engine.addQuery({
    name: 'staff',
    datasource: 'db',
    sql: 'SELECT 2 AS n',
    cacheTtlSeconds: 3600,
  })
  editor = await server.signIn('eve', 'editor')
  viewer = await server.signIn('vic', 'viewer')
  const created = await server.as(editor, { method: 'POST', url: '/api/dashboards', payload: BOARD })
  expect(created.statusCode, created.body).toBe(201)
}, 30_000)
afterAll(() => server.close())

describe('a cached dashboard page', () => {
  it('is sent to no one but the person it was rendered for: not their panels, not their token', async () => {
    const eves = await server.as(editor, { url: '/d/board' })
    expect(eves.body).toContain('/v/staff/rows.csv')
    expect(eves.body).toContain(`value="${editor.csrf}"`)
    const vics = await server.as(viewer, { url: '/d/board' })
    expect(vics.body).toContain(`value="${viewer.csrf}"`)
    expect(vics.body).not.toContain(editor.csrf)
    const anonymous = await server.as(undefined, { url: '/d/board' })
    expect(anonymous.statusCode).toBe(200)
    expect(anonymous.body).not.toContain('/v/staff/rows.csv')
    expect(anonymous.body).not.toContain(editor.csrf)
    expect(anonymous.body).not.toContain(viewer.csrf)
  })

  it('shows an edit of the dashboard at once, page and panel', async () => {
    expect((await server.as(viewer, { url: '/d/board' })).body).toContain('Before')
    expect((await server.as(viewer, { url: '/d/board/panel/open?embed=1' })).body).toContain('FIRST 1')
    const edited = {
      ...BOARD,
      title: 'After',
      panels: BOARD.panels.map((panel) =>
        panel.id === 'open'
          ? {
              ...panel,
              template: {
                type: 'liquid',
                source: '{% for row in rows %}<p>SECOND {{ row.n }}</p>{% endfor %}',
              },
            }
          : panel,
      ),
    }
    const saved = await server.as(editor, { method: 'PUT', url: '/api/dashboards/board', payload: edited })
    expect(saved.statusCode, saved.body).toBe(200)
    expect((await server.as(viewer, { url: '/d/board' })).body).toContain('After')
    const panel = (await server.as(viewer, { url: '/d/board/panel/open?embed=1' })).body
    expect(panel).toContain('SECOND 1')
    expect(panel).not.toContain('FIRST 1')
  })

  it('shows an edit of a panel’s query at once: a query hidden from the viewer leaves their page', async () => {
    expect((await server.as(viewer, { url: '/d/board' })).body).toContain('/v/staff/rows.csv')
    expect((await server.as(viewer, { url: '/d/board/panel/staff?embed=1' })).statusCode).toBe(200)
    const query = (await server.as(editor, { url: '/api/queries/staff' })).json() as Record<string, unknown>
    const hidden = { ...query, visibility: { public: false, roles: ['viewer', 'editor'], groups: ['sales'] } }
    const saved = await server.as(editor, { method: 'PUT', url: '/api/queries/staff', payload: hidden })
    expect(saved.statusCode, saved.body).toBe(200)
    expect((await server.as(viewer, { url: '/d/board' })).body).not.toContain('/v/staff/rows.csv')
    expect((await server.as(viewer, { url: '/d/board/panel/staff?embed=1' })).statusCode).toBe(404)
  })
})

describe('a cached page sent gzipped', () => {
  it('goes so to a browser that takes gzip when it holds no token, and never with a token in it', async () => {
    const plain = await server.as(undefined, { url: '/v/open' })
    expect(plain.statusCode).toBe(200)
    const gzip = { 'accept-encoding': 'gzip, deflate, br' }
    const zipped = await server.as(undefined, { url: '/v/open', headers: gzip })
    expect(zipped.headers['content-encoding']).toBe('gzip')
    expect(zipped.headers.vary).toBe('accept-encoding')
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(plain.body)
    const refused = await server.as(undefined, { url: '/v/open', headers: { 'accept-encoding': 'gzip;q=0' } })
    expect(refused.headers['content-encoding']).toBeUndefined()
    await server.as(viewer, { url: '/v/open' })
    const signedIn = await server.as(viewer, { url: '/v/open', headers: gzip })
    expect(signedIn.headers['content-encoding']).toBeUndefined()
    expect(signedIn.body).toContain(viewer.csrf)
  })
})

describe('a session read from memory', () => {
  it('ends at once on this server when its person signs out', async () => {
    const browser = await server.signIn('sam', 'viewer')
    expect((await server.as(browser, { url: '/api/session' })).statusCode).toBe(200)
    expect((await server.as(browser, { method: 'DELETE', url: '/api/session' })).statusCode).toBe(204)
    expect((await server.as(browser, { url: '/api/session' })).statusCode).toBe(401)
  })

  it('takes a role change made on this server at once', async () => {
    const admin = await server.signIn('ada', 'admin')
    const browser = await server.signIn('rob', 'viewer')
    expect((await server.as(browser, { url: '/api/queries/open' })).statusCode).toBe(200)
    expect((await server.as(browser, { method: 'DELETE', url: '/api/dashboards/nothing' })).statusCode).toBe(
      403,
    )
    const changed = await server.as(admin, {
      method: 'PUT',
      url: '/api/users/rob',
      payload: { role: 'editor' },
    })
    expect(changed.statusCode, changed.body).toBe(200)
    expect(
      (await server.as(browser, { method: 'DELETE', url: '/api/dashboards/nothing' })).statusCode,
    ).not.toBe(403)
  })

  it('ended through another server (in the store) is refused here within SESSION_REVALIDATE_MS', async () => {
    let clock = Date.now()
    // A second server process on the same store, with a clock of its own.
    const other = await buildServer(
      { ...server.ctx, views: new ViewCache({ revalidateMs: 2000 }), now: () => new Date(clock) },
      { logger: false },
    )
    try {
      const browser = await server.signIn('kim', 'viewer')
      const ask = () => other.inject({ url: '/api/session', headers: { cookie: browser.cookie } })
      expect((await ask()).statusCode).toBe(200)
      await server.engine.store.sessions.remove(browser.cookie.split('=')[1] as string)
      clock += SESSION_REVALIDATE_MS
      expect((await ask()).statusCode).toBe(401)
    } finally {
      await other.close()
    }
  })
})
