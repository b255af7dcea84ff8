import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { buildServer } from '../../src/server/app.js'
import { MIN_PASSWORD_LENGTH } from '../../src/server/auth/password.js'
import { startTestServer, TEST_PASSWORD, type Browser, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function cookieOf(response: { headers: Record<string, unknown> }): string {
  const header = response.headers['set-cookie']
  const first = Array.isArray(header) ? (header[0] as string) : (header as string)
  return first.split(';')[0] as string
}

describe('first-run setup', () => {
  it('creates the admin once, with the token only', async () => {
    server = await startTestServer()
    await server.engine.store.accounts.setSetupToken('the-token')
    expect((await server.as(undefined, { url: '/api/setup' })).json()).toEqual({ required: true })

    const wrong = await server.as(undefined, {
      method: 'POST',
      url: '/api/setup',
      payload: { token: 'guess', name: 'ada', password: TEST_PASSWORD },
    })
    expect(wrong.statusCode).toBe(403)
    expect(wrong.json().error.code).toBe('QUARRY_SETUP')

    const right = await server.as(undefined, {
      method: 'POST',
      url: '/api/setup',
      payload: { token: 'the-token', name: 'ada', password: TEST_PASSWORD },
    })
    expect(right.statusCode).toBe(201)
    expect(right.json().user).toEqual({ name: 'ada', role: 'admin', groups: [] })

    const again = await server.as(undefined, {
      method: 'POST',
      url: '/api/setup',
      payload: { token: 'the-token', name: 'eve', password: TEST_PASSWORD },
    })
    expect(again.statusCode).toBe(403)
    expect((await server.as(undefined, { url: '/api/setup' })).json()).toEqual({ required: false })
  })

  it.each([
    ['a server store', undefined],
    ['a store opened as the CLI', { type: 'cli', osUser: 'root' } as const],
  ])(
    "records the admin a visitor's setup made on %s as made by system, a signed-in change as its caller's",
    async (_, actor) => {
      server = await startTestServer({}, actor === undefined ? {} : { actor })
      await server.engine.store.accounts.setSetupToken('the-token')
      const setup = await server.as(undefined, {
        method: 'POST',
        url: '/api/setup',
        payload: { token: 'the-token', name: 'ada', password: TEST_PASSWORD },
      })
      expect(setup.statusCode).toBe(201)
      const ada: Browser = { name: 'ada', cookie: cookieOf(setup), csrf: setup.json().csrfToken }
      const made = await server.as(ada, {
        method: 'POST',
        url: '/api/users',
        payload: { name: 'bob', password: TEST_PASSWORD, role: 'viewer' },
      })
      expect(made.statusCode, made.body).toBe(201)

      const created = await server.engine.store.audit.list({ kind: 'user' })
      expect(created.map((entry) => `${entry.object} ${entry.action} by ${entry.actorName}`)).toEqual([
        'bob create by ada',
        'ada create by system',
      ])
    },
  )

  it('refuses a short password, naming the rule', async () => {
    server = await startTestServer()
    await server.engine.store.accounts.setSetupToken('t')
    const response = await server.as(undefined, {
      method: 'POST',
      url: '/api/setup',
      payload: { token: 't', name: 'ada', password: 'short' },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.message).toContain('Password: passwords have at least 10 characters')
  })
})

describe('sign-in', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie (Secure behind https) and answers the CSRF token', async () => {
    server = await startTestServer({ publicUrl: 'https://quarry.example.com' })
    await server.signIn('ada', 'editor')
    const response = await server.as(undefined, {
      method: 'POST',
      url: '/api/session',
      payload: { name: 'ada', password: TEST_PASSWORD },
    })
    expect(response.statusCode).toBe(200)
    const header = String(response.headers['set-cookie'])
    expect(header).toMatch(/^quarry_session=[\w-]{40,};/)
    expect(header).toContain('HttpOnly')
    expect(header).toContain('SameSite=Lax')
    expect(header).toContain('Secure')
    const session = await server.as(undefined, {
      url: '/api/session',
      headers: { cookie: cookieOf(response) },
    })
    expect(session.json()).toEqual({
      user: { name: 'ada', role: 'editor', groups: [] },
      csrfToken: response.json().csrfToken,
    })
  })

  it('answers a wrong password and an unknown name alike', async () => {
    server = await startTestServer()
    await server.signIn('ada', 'viewer')
    for (const payload of [
      { name: 'ada', password: 'not the password' },
      { name: 'nobody', password: TEST_PASSWORD },
    ]) {
      const response = await server.as(undefined, { method: 'POST', url: '/api/session', payload })
      expect(response.statusCode).toBe(401)
      expect(response.json().error).toEqual({
        code: 'QUARRY_LOGIN_FAILED',
        message: 'The name or password is wrong.',
      })
    }
  })

  it('limits sign-in attempts per client address', async () => {
    server = await startTestServer({ loginAttemptsPerMinute: 3 })
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const response = await server.as(undefined, {
        method: 'POST',
        url: '/api/session',
        payload: { name: 'ada', password: 'guess number ' + i },
      })
      statuses.push(response.statusCode)
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429])
  })

  it('signs out on the server, not only in the browser', async () => {
    server = await startTestServer()
    const browser = await server.signIn('ada', 'viewer')
    expect((await server.as(browser, { method: 'DELETE', url: '/api/session' })).statusCode).toBe(204)
    expect((await server.as(browser, { url: '/api/session' })).statusCode).toBe(401)
  })
})

describe('CSRF', () => {
  it('refuses a state change from a session without the token, and accepts it with the token', async () => {
    server = await startTestServer()
    const browser = await server.signIn('ada', 'admin')
    const payload = { name: 'bob', password: TEST_PASSWORD, role: 'viewer' }
    const forged = await server.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { cookie: browser.cookie },
      payload,
    })
    expect(forged.statusCode).toBe(403)
    expect(forged.json().error.code).toBe('QUARRY_CSRF')
    const wrong = await server.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { cookie: browser.cookie, 'x-csrf-token': 'x'.repeat(browser.csrf.length) },
      payload,
    })
    expect(wrong.statusCode).toBe(403)
    expect(await server.engine.store.accounts.getUser('bob')).toBeUndefined()
    expect((await server.as(browser, { method: 'POST', url: '/api/users', payload })).statusCode).toBe(201)
  })
})

describe('API tokens', () => {
  it('authenticate scripts without a cookie or CSRF token, until revoked', async () => {
    server = await startTestServer()
    const browser = await server.signIn('ada', 'editor')
    const created = (
      await server.as(browser, { method: 'POST', url: '/api/tokens', payload: { name: 'cron' } })
    ).json()
    expect(created.token).toMatch(/^qk_[\w-]{40,}$/)
    const bearer = { authorization: `Bearer ${created.token}` }

    const listed = await server.app.inject({ url: '/api/tokens', headers: bearer })
    expect(listed.json()).toEqual([expect.objectContaining({ id: created.id, name: 'cron' })])
    expect(listed.body).not.toContain(created.token)
    const write = await server.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: bearer,
      payload: { name: 'x' },
    })
    expect(write.statusCode).toBe(201)

    await server.as(browser, { method: 'DELETE', url: `/api/tokens/${created.id}` })
    const revoked = await server.app.inject({ url: '/api/tokens', headers: bearer })
    expect(revoked.statusCode).toBe(401)
    expect(revoked.json().error.message).toContain('unknown or was revoked')
  })
})

describe('users', () => {
  it('keeps at least one admin', async () => {
    server = await startTestServer()
    const admin = await server.signIn('ada', 'admin')
    const demote = await server.as(admin, {
      method: 'PUT',
      url: '/api/users/ada',
      payload: { role: 'viewer' },
    })
    expect(demote.statusCode).toBe(403)
    expect(demote.json().error.message).toBe('ada is the only admin; make another admin first.')
  })
})

describe('logs', () => {
  it('never contain the session cookie, the CSRF token or an API token', async () => {
    server = await startTestServer()
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    })
    const logged = await buildServer(server.ctx, { logger: { level: 'info', stream } })
    const browser = await server.signIn('ada', 'admin')
    await logged.inject({ url: '/api/session', headers: { cookie: browser.cookie } })
    await logged.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie: browser.cookie, 'x-csrf-token': browser.csrf },
      payload: { name: 'x' },
    })
    await logged.inject({ url: '/api/users', headers: { authorization: 'Bearer qk_secret-token-value-123' } })
    await logged.inject({ url: '/api/oauth/callback?code=the-auth-code-42&state=the-state-43' })
    await logged.close()
    const text = lines.join('')
    expect(text).toContain('"url":"/api/session"')
    for (const secret of [
      browser.cookie.split('=')[1] as string,
      browser.csrf,
      'qk_secret-token-value-123',
      'the-auth-code-42',
      'the-state-43',
    ])
      expect(text).not.toContain(secret)
  })
})

describe('export and import over the API', () => {
  it('moves the configuration between servers, secrets only with a passphrase', async () => {
    server = await startTestServer()
    const admin = await server.signIn('ada', 'admin')
    await server.as(admin, {
      method: 'POST',
      url: '/api/datasources',
      payload: {
        name: 'api',
        type: 'rest',
        baseUrl: 'https://api.example.com',
        auth: { type: 'bearer', token: 'tok-123456789' },
      },
    })
    const plain = (await server.as(admin, { url: '/api/export' })).json()
    expect(plain.datasources).toHaveLength(1)
    expect(JSON.stringify(plain)).not.toContain('tok-123456789')
    const sealed = (
      await server.as(admin, { method: 'POST', url: '/api/export', payload: { passphrase: 'long enough' } })
    ).json()
    expect(JSON.stringify(sealed)).not.toContain('tok-123456789')

    const other = await startTestServer()
    try {
      const root = await other.signIn('root', 'admin')
      const refused = await other.as(root, {
        method: 'POST',
        url: '/api/import',
        payload: { document: sealed },
      })
      expect(refused.json().error.message).toBe('This document holds encrypted secrets: send its passphrase.')
      expect(await other.engine.store.datasources.list()).toEqual([])
      const imported = await other.as(root, {
        method: 'POST',
        url: '/api/import',
        payload: { document: sealed, passphrase: 'long enough' },
      })
      expect(imported.json()).toEqual({
        datasources: 1,
        queries: 0,
        converters: 0,
        templates: 0,
        dashboards: 0,
        lackingSecrets: [],
      })
      expect((await other.engine.store.datasources.get('api'))?.secrets).toEqual({
        'auth.token': 'tok-123456789',
      })
    } finally {
      await other.close()
    }
  })
})

describe('a password reset', () => {
  it('ends the user’s sessions and revokes their API tokens', async () => {
    server = await startTestServer()
    const admin = await server.signIn('ada', 'admin')
    const user = await server.signIn('bob', 'editor')
    const { token } = (
      await server.as(user, { method: 'POST', url: '/api/tokens', payload: { name: 'cron' } })
    ).json()
    const reset = await server.as(admin, {
      method: 'PUT',
      url: '/api/users/bob',
      payload: { password: 'a brand new password' },
    })
    expect(reset.statusCode).toBe(200)
    expect((await server.as(user, { url: '/api/session' })).statusCode).toBe(401)
    expect(
      (await server.app.inject({ url: '/api/tokens', headers: { authorization: `Bearer ${token}` } }))
        .statusCode,
    ).toBe(401)
    expect((await server.as(admin, { url: '/api/session' })).statusCode).toBe(200)
  })
})

describe('changing one’s own password', () => {
  const NEW_PASSWORD = 'another long password'
  const change = (browser: Browser, payload: object) =>
    server!.as(browser, { method: 'PUT', url: '/api/session/password', payload })
  const signInWith = (password: string) =>
    server!.as(undefined, { method: 'POST', url: '/api/session', payload: { name: 'vic', password } })

  it('refuses a wrong current password with QUARRY_PASSWORD_WRONG and keeps the old one', async () => {
    server = await startTestServer()
    const viewer = await server.signIn('vic', 'viewer')
    const response = await change(viewer, { currentPassword: 'not my password', newPassword: NEW_PASSWORD })
    expect(response.statusCode).toBe(403)
    expect(response.json().error).toEqual({
      code: 'QUARRY_PASSWORD_WRONG',
      message: 'The current password is wrong; the password is unchanged.',
    })
    expect((await signInWith(TEST_PASSWORD)).statusCode).toBe(200)
    expect((await server.as(viewer, { url: '/api/session' })).statusCode).toBe(200)
  })

  it('refuses a new password shorter than the minimum, naming the rule', async () => {
    server = await startTestServer()
    const viewer = await server.signIn('vic', 'viewer')
    const response = await change(viewer, { currentPassword: TEST_PASSWORD, newPassword: 'short' })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.message).toContain(
      `New password: passwords have at least ${MIN_PASSWORD_LENGTH} characters`,
    )
    expect((await signInWith(TEST_PASSWORD)).statusCode).toBe(200)
  })

  it('takes the new password, ends the other sessions and API tokens, and signs this browser in again', async () => {
    server = await startTestServer()
    const viewer = await server.signIn('vic', 'viewer')
    const elsewhere = await server.signIn('vic', 'viewer')
    const { token } = (
      await server.as(viewer, { method: 'POST', url: '/api/tokens', payload: { name: 'cron' } })
    ).json()
    const response = await change(viewer, { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD })
    expect(response.statusCode).toBe(200)
    const renewed = { name: 'vic', cookie: cookieOf(response), csrf: response.json().csrfToken as string }
    expect(response.json().user).toEqual({ name: 'vic', role: 'viewer', groups: [] })

    expect((await server.as(renewed, { url: '/api/session' })).statusCode).toBe(200)
    expect((await server.as(viewer, { url: '/api/session' })).statusCode).toBe(401)
    expect((await server.as(elsewhere, { url: '/api/session' })).statusCode).toBe(401)
    const bearer = { authorization: `Bearer ${token}` }
    expect((await server.app.inject({ url: '/api/tokens', headers: bearer })).statusCode).toBe(401)

    const old = await signInWith(TEST_PASSWORD)
    expect(old.statusCode).toBe(401)
    expect(old.json().error.code).toBe('QUARRY_LOGIN_FAILED')
    expect((await signInWith(NEW_PASSWORD)).statusCode).toBe(200)
  })

  it('is not open to an API token (the change would revoke it)', async () => {
    server = await startTestServer()
    const viewer = await server.signIn('vic', 'viewer')
    const { token } = (
      await server.as(viewer, { method: 'POST', url: '/api/tokens', payload: { name: 'cron' } })
    ).json()
    const response = await server.app.inject({
      method: 'PUT',
      url: '/api/session/password',
      headers: { authorization: `Bearer ${token}` },
      payload: { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD },
    })
    expect(response.statusCode).toBe(403)
    expect(response.json().error.code).toBe('QUARRY_FORBIDDEN')
    expect((await signInWith(TEST_PASSWORD)).statusCode).toBe(200)
  })

  it('is rate-limited per client address like sign-in', async () => {
    server = await startTestServer({ loginAttemptsPerMinute: 2 })
    const viewer = await server.signIn('vic', 'viewer')
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (await change(viewer, { currentPassword: `guess ${i}`, newPassword: NEW_PASSWORD })).statusCode,
      )
    }
    expect(statuses).toEqual([403, 403, 429])
  })
})

describe('cross-site requests', () => {
  it('are refused by their Origin, signing in included (login CSRF)', async () => {
    server = await startTestServer()
    await server.signIn('ada', 'viewer')
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { origin: 'https://evil.example.com' },
      payload: { name: 'ada', password: TEST_PASSWORD },
    })
    expect(response.statusCode).toBe(403)
    expect(response.json().error.message).toBe(
      "A request from https://evil.example.com was refused: it is not this server's page.",
    )
    expect(response.headers['set-cookie']).toBeUndefined()
  })

  it('cannot post a form to the JSON API', async () => {
    server = await startTestServer()
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `name=ada&password=${encodeURIComponent(TEST_PASSWORD)}`,
    })
    expect(response.statusCode).toBe(415)
  })

  it('cannot post text/plain to the JSON API either: 415 like a form, not a 400 (issue 11)', async () => {
    server = await startTestServer()
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ name: 'ada', password: TEST_PASSWORD }),
    })
    expect(response.statusCode).toBe(415)
    expect(response.json().error).toEqual({
      code: 'QUARRY_MEDIA_TYPE',
      message: 'This route takes JSON (content-type: application/json).',
    })
  })
})
