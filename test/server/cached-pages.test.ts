import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer } from '../../src/server/app.js'
import { SESSION_REVALIDATE_MS } from '../../src/server/auth/session-cache.js'
import { VIEW_REVALIDATE_MS } from '../../src/server/start.js'
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
  await server.engine.addQuery({
    name: 'greeting',
    datasource: 'db',
    sql: "SELECT :who AS name, 'hello' AS word",
    params: [{ name: 'who', type: 'string', default: 'nobody', visitorInput: { pattern: '[a-z0-9]+' } }],
    cacheTtlSeconds: 3600,
    visibility: { public: true },
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

/** The greeting query's word, changed in the store as another server process would change it. */
async function setWord(word: string): Promise<void> {
  const stored = await server.engine.store.queries.get('greeting')
  const definition = stored?.definition as Record<string, unknown>
  await server.engine.store.queries.update('greeting', {
    definition: { ...definition, sql: `SELECT :who AS name, '${word}' AS word` },
  })
}

/**
 * A second server process on the same store, with a clock of its own and a store whose query,
 * datasource and schedule reads are counted.
 */
async function countingServer() {
  const store = server.ctx.store
  const reads = { queries: 0, datasources: 0, schedules: 0 }
  const counted = <T extends object>(repo: T, method: string, what: keyof typeof reads): T =>
    new Proxy(repo, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          if (property === method) reads[what] += 1
          return (value as (...args: unknown[]) => unknown).apply(target, args)
        }
      },
    })
  const countedStore = Object.create(store, {
    queries: { value: counted(store.queries, 'get', 'queries') },
    datasources: { value: counted(store.datasources, 'get', 'datasources') },
    schedules: { value: counted(store.schedules, 'listForQuery', 'schedules') },
  }) as typeof store
  const clock = { now: Date.now() }
  const views = new ViewCache({ revalidateMs: VIEW_REVALIDATE_MS })
  const app = await buildServer(
    { ...server.ctx, store: countedStore, views, now: () => new Date(clock.now) },
    { logger: false },
  )
  return { app, reads, clock }
}

describe("a cached query's definition", () => {
  it('is read from the store once for views of any parameters while its pages may be kept', async () => {
    const { app, reads } = await countingServer()
    try {
      for (const who of ['ann', 'bob', 'cy']) {
        const page = await app.inject({ url: `/v/greeting?who=${who}` })
        expect(page.statusCode, page.body).toBe(200)
        expect(page.body).toContain(`>${who}<`)
      }
      expect(reads).toEqual({ queries: 1, datasources: 1, schedules: 1 })
    } finally {
      await app.close()
    }
  })

  it('changed through another server (in the store) shows here within VIEW_REVALIDATE_MS', async () => {
    const { app, clock } = await countingServer()
    try {
      expect((await app.inject({ url: '/v/greeting?who=dee' })).body).toContain('hello')
      await setWord('goodbye')
      try {
        expect((await app.inject({ url: '/v/greeting?who=eve' })).body).toContain('hello')
        clock.now += VIEW_REVALIDATE_MS
        expect((await app.inject({ url: '/v/greeting?who=eve' })).body).toContain('goodbye')
      } finally {
        await setWord('hello')
      }
    } finally {
      await app.close()
    }
  })

  it('draws no page kept past the definition it came from', async () => {
    const { app, clock } = await countingServer()
    try {
      expect((await app.inject({ url: '/v/greeting?who=ida' })).body).toContain('hello')
      await setWord('goodbye')
      // Late in the definition's life, a page of new values is drawn from it...
      clock.now += VIEW_REVALIDATE_MS - 100
      expect((await app.inject({ url: '/v/greeting?who=jo' })).body).toContain('hello')
      // ...and is not kept past it: the change shows within VIEW_REVALIDATE_MS of the first read.
      clock.now += 100
      expect((await app.inject({ url: '/v/greeting?who=jo' })).body).toContain('goodbye')
    } finally {
      await setWord('hello')
      await app.close()
    }
  })

  it('held in memory is still shown only to who may see the query', async () => {
    const { app } = await countingServer()
    try {
      const staff = await app.inject({ url: '/v/staff', headers: { cookie: editor.cookie } })
      expect(staff.statusCode).toBe(200)
      // Read into memory by the editor's view; vic's role or groups do not let them see it.
      const refused = await app.inject({ url: '/v/staff', headers: { cookie: viewer.cookie } })
      expect(refused.statusCode).toBe(404)
      expect((await app.inject({ url: '/v/staff' })).statusCode).toBe(302)
    } finally {
      await app.close()
    }
  })

  it('changed on this server shows at once, and hiding the query hides it at once', async () => {
    const page = (who: string) => server.as(undefined, { url: `/v/greeting?who=${who}` })
    expect((await page('fay')).body).toContain('hello')
    const query = (await server.as(editor, { url: '/api/queries/greeting' })).json() as Record<
      string,
      unknown
    >
    const put = (payload: Record<string, unknown>) =>
      server.as(editor, { method: 'PUT', url: '/api/queries/greeting', payload })
    const otherWord = { ...query, sql: "SELECT :who AS name, 'welcome' AS word" }
    expect((await put(otherWord)).statusCode).toBe(200)
    expect((await page('gus')).body).toContain('welcome')
    expect((await put({ ...otherWord, visibility: { public: false } })).statusCode).toBe(200)
    const hidden = await page('hal')
    expect(hidden.statusCode).toBe(302)
    expect((await put(query)).statusCode).toBe(200)
  })
})

describe('viewers asking for the same page while it renders', () => {
  it('get one rendering of it, and each the page', async () => {
    const views = new ViewCache({ revalidateMs: VIEW_REVALIDATE_MS })
    let renders = 0
    let finish: (page: string) => void = () => {}
    const render = () => {
      renders += 1
      return new Promise<string>((resolve) => (finish = resolve))
    }
    const asked = [1, 2, 3].map(() => views.renderOnce('k', render))
    finish('the page')
    const answers = await Promise.all(asked)
    expect(renders).toBe(1)
    expect(answers.map(({ result }) => result)).toEqual(['the page', 'the page', 'the page'])
    expect(answers.map(({ shared }) => shared)).toEqual([false, true, true])
    // Once rendered, the next asks again (the rendered-page cache is what keeps pages).
    expect(await views.renderOnce('k', async () => 'later')).toEqual({ result: 'later', shared: false })
  })

  it('render their own when the first rendering failed', async () => {
    const views = new ViewCache({ revalidateMs: VIEW_REVALIDATE_MS })
    const failed = views.renderOnce('f', () => Promise.reject(new Error('boom')))
    const after = views.renderOnce('f', async () => 'fine')
    await expect(failed).rejects.toThrow('boom')
    expect(await after).toEqual({ result: 'fine', shared: false })
  })
})
