import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'

/** Issue 10: a rejected body names the fields as the admin UI labels them, never zod's schema text. */

let server: TestServer
let admin: Browser

beforeAll(async () => {
  server = await startTestServer()
  admin = await server.signIn('ada', 'admin')
})
afterAll(() => server.close())

async function rejected(url: string, payload: unknown): Promise<{ code: string; message: string }> {
  const response = await server.as(admin, { method: 'POST', url, payload: payload as object })
  expect(response.statusCode).toBe(400)
  return (response.json() as { error: { code: string; message: string } }).error
}

describe('a rejected request body', () => {
  it('names the query field that is missing in words ("Datasource: choose one")', async () => {
    const error = await rejected('/api/queries', { name: 'issues', datasource: '', path: '/search' })
    expect(error.code).toBe('QUARRY_CONFIG_INVALID')
    expect(error.message).toBe('Datasource: choose one.')
  })

  it('says what a valid query name and parameter name are, naming the parameter by its place', async () => {
    const error = await rejected('/api/queries', {
      name: 'my issues!',
      datasource: 'jira',
      path: '/search',
      params: [{ name: 'jql' }, { name: 'two words' }],
    })
    expect(error.message).toBe(
      'Name: names are 1–64 letters, digits, "_", "." or "-", starting with a letter or digit. ' +
        'Parameter 2 name: parameter names are letters, digits and "_".',
    )
  })

  it('names a datasource field without repeating the secret that was sent', async () => {
    const secret = 'hunter2-very-secret'
    const error = await rejected('/api/datasources', {
      name: 'api',
      type: 'rest',
      baseUrl: `not a url ${secret}`,
      auth: { type: 'basic', username: '', password: secret },
    })
    expect(error.code).toBe('QUARRY_CONFIG_INVALID')
    expect(error.message).toContain('Base URL: must be an absolute http(s) URL without user:password.')
    expect(error.message).toContain('Authentication username: required.')
    expect(error.message).not.toContain(secret)
    expect(error.message).not.toMatch(/Too small|expected string/)
  })

  it('names a number field and its limit', async () => {
    const error = await rejected('/api/queries', {
      name: 'issues',
      datasource: 'jira',
      path: '/search',
      maxPages: 0,
    })
    expect(error.message).toBe('Max pages: use at least 1.')
  })
})
