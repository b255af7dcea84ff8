import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { zonedTime } from '../../src/domain/context-params.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

/**
 * Issue 15, done-when 5: the context parameters through real server requests, per role — the
 * signed-in user's name, email and groups reach the upstream (path, query string, header, body),
 * nobody can set them, and a visitor of a public view has none.
 */

let upstream: Upstream
let server: TestServer
let admin: Browser
let editor: Browser
let viewer: Browser
let token: string
/** The server's clock for these tests: one instant, so :@now and :@today are known. */
const NOW = new Date()

/** What the upstream saw: the path, query, the X-User header and the body, as one row. */
const CONVERTER = 'function convert(json) { return [JSON.parse(json)] }'

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://upstream')
      res.setHeader('content-type', 'application/json')
      res.end(
        JSON.stringify({
          path: decodeURIComponent(url.pathname),
          email: url.searchParams.get('email'),
          groups: url.searchParams.get('groups'),
          today: url.searchParams.get('today'),
          header: req.headers['x-user'] ?? null,
          body: body === '' ? null : body,
        }),
      )
    })
  })
  server = await startTestServer()
  ;(server.ctx as { now: () => Date }).now = () => NOW
  await server.engine.addDatasource({
    name: 'echo',
    type: 'rest',
    baseUrl: upstream.url,
    headers: [{ name: 'X-User', value: ':@user.name' }],
  })
  await server.engine.addQuery({
    name: 'whoami',
    datasource: 'echo',
    method: 'POST',
    path: '/people/:@user.name?email=:@user.email&groups=:@user.groups&today=:@today',
    body: '{"who": ":@user.name", "groups": :@user.groups}',
    converter: CONVERTER,
    timeZone: 'Pacific/Kiritimati',
    cacheTtlSeconds: 300,
    visibility: { roles: ['viewer'], groups: [], public: false },
  })
  // The same upstream without the header: its queries need no signed-in user.
  await server.engine.addDatasource({ name: 'plain', type: 'rest', baseUrl: upstream.url })
  await server.engine.addQuery({
    name: 'today',
    datasource: 'plain',
    path: '/calendar?today=:@today',
    converter: 'function convert(json) { return [{ today: JSON.parse(json).today }] }',
    visibility: { roles: ['viewer'], groups: [], public: true },
  })
  await server.engine.addQuery({
    name: 'public-whoami',
    datasource: 'plain',
    path: '/people/:@user.name',
    converter: CONVERTER,
    visibility: { roles: [], groups: [], public: true },
  })
  admin = await server.signIn('ada', 'admin')
  editor = await server.signIn('eddie', 'editor', ['writers'])
  viewer = await server.signIn('vera', 'viewer', ['ops', "o'reilly"])
  for (const [name, email] of [
    ['ada', 'ada@example.com'],
    ['eddie', 'eddie@example.com'],
    ['vera', "vera.o'neil@example.com"],
  ] as const)
    await server.engine.store.accounts.updateUser(name, { email })
  token = `qk_${randomUUID()}`
  await server.engine.store.accounts.createApiToken({
    id: randomUUID(),
    user: 'vera',
    name: 'ci',
    token,
    scope: 'run',
    expiresAt: null,
  })
}, 30_000)
afterAll(async () => {
  await server.close()
  await upstream.close()
})

const run = (who: Browser | undefined, name: string, params: Record<string, string> = {}) =>
  server.as(who, { method: 'POST', url: `/api/queries/${name}/run`, payload: { params } })

const kiritimatiToday = zonedTime(NOW, 'Pacific/Kiritimati').slice(0, 10)

describe('per role, the signed-in user fills :@user.… everywhere a REST query binds', () => {
  it.each([
    ['admin', () => admin, 'ada', 'ada@example.com', []],
    ['editor', () => editor, 'eddie', 'eddie@example.com', ['writers']],
    ['viewer', () => viewer, 'vera', "vera.o'neil@example.com", ['ops', "o'reilly"]],
  ] as const)('%s: path, query string, header and body', async (_role, who, name, email, groups) => {
    const answer = await run(who(), 'whoami')
    expect(answer.statusCode, answer.body).toBe(200)
    expect(answer.json().rows).toEqual([
      {
        path: `/people/${name}`,
        email,
        groups: groups.join(','),
        today: kiritimatiToday,
        header: name,
        body: `{"who": "${name}", "groups": ${JSON.stringify(groups)}}`,
      },
    ])
  })

  it('an API token runs as its user', async () => {
    const answer = await server.app.inject({
      method: 'POST',
      url: '/api/queries/whoami/run',
      headers: { authorization: `Bearer ${token}` },
      payload: { params: {} },
    })
    expect(answer.statusCode, answer.body).toBe(200)
    expect(answer.json().rows[0]).toMatchObject({ path: '/people/vera', header: 'vera' })
  })

  it('a view shows each person their own rows, also from the cache', async () => {
    for (let round = 0; round < 2; round++) {
      const forAda = await server.as(admin, { url: '/v/whoami/rows.json' })
      const forVera = await server.as(viewer, { url: '/v/whoami/rows.json' })
      expect(forAda.json()[0].path).toBe('/people/ada')
      expect(forVera.json()[0].path).toBe('/people/vera')
      // The rendered-page cache is shared: ada's page must not be what vera gets next.
      expect((await server.as(admin, { url: '/v/whoami' })).body).toContain('/people/ada')
      const page = await server.as(viewer, { url: '/v/whoami' })
      expect(page.statusCode).toBe(200)
      expect(page.body).toContain('/people/vera')
      expect(page.body).not.toContain('/people/ada')
    }
  })
})

describe('nobody can set them', () => {
  it('the API refuses a value for :@user.name with QUARRY_PARAM_CONTEXT', async () => {
    const refused = await run(viewer, 'whoami', { '@user.name': 'ada' })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error.code).toBe('QUARRY_PARAM_CONTEXT')
  })

  it('a view’s URL cannot set :@user.email or :@today either', async () => {
    for (const search of ['%40user.email=ada%40example.com', '%40today=2000-01-01']) {
      const refused = await server.as(viewer, { url: `/v/whoami/rows.json?${search}` })
      expect(refused.statusCode).toBe(400)
      expect(refused.json().error.code).toBe('QUARRY_PARAM_CONTEXT')
    }
  })
})

describe('a public view has no signed-in user', () => {
  it('a visitor gets QUARRY_CONTEXT_MISSING for :@user.name, and the upstream is not asked', async () => {
    const hits = upstream.hits
    const answer = await server.as(undefined, { url: '/v/public-whoami/rows.json' })
    expect(answer.statusCode).toBe(400)
    expect(answer.json().error.code).toBe('QUARRY_CONTEXT_MISSING')
    expect(upstream.hits).toBe(hits)
  })

  it('a signed-in person who sees it only because it is public is a visitor too', async () => {
    const answer = await run(viewer, 'public-whoami')
    expect(answer.statusCode).toBe(400)
    expect(answer.json().error.code).toBe('QUARRY_CONTEXT_MISSING')
  })

  it('a visitor still gets :@today (UTC: the query has no time zone)', async () => {
    const answer = await server.as(undefined, { url: '/v/today/rows.json' })
    expect(answer.statusCode, answer.body).toBe(200)
    expect(answer.json()).toEqual([{ today: NOW.toISOString().slice(0, 10) }])
  })
})

describe('users have an email address', () => {
  it('an admin sets and clears it through the API; a bad one is refused', async () => {
    await server.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: { name: 'nina', password: 'correct horse battery', role: 'viewer', email: 'nina@example.com' },
    })
    const listed = (await server.as(admin, { url: '/api/users' })).json() as {
      name: string
      email: string | null
    }[]
    expect(listed.find((user) => user.name === 'nina')?.email).toBe('nina@example.com')
    const cleared = await server.as(admin, {
      method: 'PUT',
      url: '/api/users/nina',
      payload: { email: null },
    })
    expect(cleared.json().email).toBeNull()
    const bad = await server.as(admin, { method: 'PUT', url: '/api/users/nina', payload: { email: 'nope' } })
    expect(bad.statusCode).toBe(400)
  })

  it('a user without one gets QUARRY_CONTEXT_MISSING naming the fix', async () => {
    const nina = await server.signIn('nina', 'viewer')
    const answer = await run(nina, 'whoami')
    expect(answer.statusCode).toBe(400)
    expect(answer.json().error).toMatchObject({ code: 'QUARRY_CONTEXT_MISSING' })
    expect(answer.json().error.message).toContain('user "nina" has no email address')
  })
})
