import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'

/** API tokens have a scope within their user's role and an optional expiry (issue 10). */

let server: TestServer
let admin: Browser

beforeAll(async () => {
  server = await startTestServer()
  admin = await server.signIn('ada', 'admin')
})
afterAll(() => server.close())

async function makeToken(by: Browser | string, payload: object) {
  return typeof by === 'string'
    ? server.app.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: { authorization: `Bearer ${by}` },
        payload,
      })
    : server.as(by, { method: 'POST', url: '/api/tokens', payload })
}

function withToken(token: string, request: { method?: 'GET' | 'POST'; url: string; payload?: object }) {
  return server.app.inject({ ...request, headers: { authorization: `Bearer ${token}` } })
}

const QUERY = { name: 'q1', datasource: 'nowhere', path: '/x' }

describe('an API token', () => {
  it('is made with the run scope unless another is asked for, and lasts until revoked unless given days', async () => {
    const created = (await makeToken(admin, { name: 'cron' })).json()
    expect(created).toMatchObject({ name: 'cron', scope: 'run', expiresAt: null })
    const dated = (await makeToken(admin, { name: 'ci', scope: 'edit', expiresInDays: 30 })).json()
    expect(dated.scope).toBe('edit')
    const days = (Date.parse(dated.expiresAt) - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(29.9)
    expect(days).toBeLessThanOrEqual(30)
  })

  it('with the run scope acts as a viewer, even for an admin', async () => {
    const { token } = (await makeToken(admin, { name: 'reader', scope: 'run' })).json()
    expect((await withToken(token, { url: '/api/queries' })).statusCode).toBe(200)
    const users = await withToken(token, { url: '/api/users' })
    expect(users.statusCode).toBe(403)
    expect(users.json().error.message).toBe('This needs the admin role; ada is viewer.')
    expect((await withToken(token, { method: 'POST', url: '/api/queries', payload: QUERY })).statusCode).toBe(
      403,
    )
  })

  it('with the edit scope writes queries but does not manage users', async () => {
    const { token } = (await makeToken(admin, { name: 'deployer', scope: 'edit' })).json()
    expect((await withToken(token, { url: '/api/users' })).statusCode).toBe(403)
    // Past the access rule: the datasource is what is missing.
    const write = await withToken(token, { method: 'POST', url: '/api/queries', payload: QUERY })
    expect(write.json().error.code).toBe('QUARRY_DATASOURCE_NOT_FOUND')
  })

  it('cannot be wider than its user’s role', async () => {
    const viewer = await server.signIn('vic', 'viewer')
    const refused = await makeToken(viewer, { name: 'mine', scope: 'edit' })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error.message).toBe(
      'A token with scope "edit" needs more than the viewer role; the widest you can make is "run".',
    )
    expect((await makeToken(viewer, { name: 'mine', scope: 'run' })).statusCode).toBe(201)
  })

  it('cannot mint a token wider than itself', async () => {
    const { token } = (await makeToken(admin, { name: 'narrow', scope: 'run' })).json()
    const wider = await makeToken(token, { name: 'wider', scope: 'admin' })
    expect(wider.statusCode).toBe(403)
    expect(wider.json().error.message).toBe(
      'A token with scope "admin" needs more than this token allows; the widest you can make is "run".',
    )
    expect((await makeToken(token, { name: 'same', scope: 'run' })).statusCode).toBe(201)
  })

  it('cannot mint a token that outlives it', async () => {
    const { token } = (await makeToken(admin, { name: 'week', scope: 'admin', expiresInDays: 7 })).json()
    for (const payload of [{ name: 'forever' }, { name: 'month', expiresInDays: 30 }]) {
      const refused = await makeToken(token, payload)
      expect(refused.statusCode).toBe(403)
      expect(refused.json().error.message).toContain('a token it makes must expire by then')
    }
    expect((await makeToken(token, { name: 'day', expiresInDays: 1 })).statusCode).toBe(201)
  })

  it('is refused once expired, saying so', async () => {
    const token = `qk_${randomUUID()}`
    await server.engine.store.accounts.createApiToken({
      id: randomUUID(),
      user: 'ada',
      name: 'old',
      token,
      scope: 'admin',
      expiresAt: new Date(Date.now() - 1000),
    })
    const refused = await withToken(token, { url: '/api/queries' })
    expect(refused.statusCode).toBe(401)
    expect(refused.json().error.message).toMatch(
      /^The API token expired at \d{4}-.*; make a new one on the Tokens page\.$/,
    )
  })

  it('is listed with its scope, expiry and last use, never its value', async () => {
    const created = (await makeToken(admin, { name: 'listed', scope: 'edit', expiresInDays: 2 })).json()
    await withToken(created.token, { url: '/api/queries' })
    const listed = (await server.as(admin, { url: '/api/tokens' })).json() as Array<Record<string, unknown>>
    const entry = listed.find((token) => token.id === created.id)
    expect(entry).toEqual({
      id: created.id,
      name: 'listed',
      scope: 'edit',
      createdAt: expect.any(String),
      expiresAt: created.expiresAt,
      lastUsedAt: expect.any(String),
    })
    expect(JSON.stringify(listed)).not.toContain(created.token)
  })

  it('refuses a scope it does not know, naming the field', async () => {
    const refused = await makeToken(admin, { name: 'x', scope: 'root' })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error.message).toBe('Scope: choose one of run, edit, admin.')
  })
})
