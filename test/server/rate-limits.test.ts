import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { addSimJira } from '../helpers/jira.js'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { startTestServer, TEST_PASSWORD, type TestServer } from '../helpers/server.js'
import { startTestSim, stats } from '../helpers/sim.js'

/**
 * Rate limits live in the store (issue 10): two servers on one PostgreSQL count sign-ins, Refresh
 * presses and API runs together, and the client address comes from X-Forwarded-For only when a
 * trusted proxy sent it.
 */

let schema: TestSchema
let sim: RunningSimulator
/** Believes no proxy. */
let a: TestServer
/** Believes X-Forwarded-For from 127.0.0.1 (a reverse proxy on the same machine). */
let b: TestServer

const limits = {
  loginAttemptsPerMinute: 3,
  refreshesPerMinute: 2,
  apiRunsPerMinute: 3,
  refreshCooldownSeconds: 60,
}

beforeAll(async () => {
  schema = await createTestSchema()
  sim = await startTestSim()
  a = await startTestServer(limits, { databaseUrl: schema.url })
  b = await startTestServer({ ...limits, trustProxy: ['127.0.0.1'] }, { databaseUrl: schema.url })
  await addSimJira(a.engine, sim)
  await a.engine.addQuery({
    name: 'board',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key&fields=summary&maxResults=50',
    pagination: { type: 'next-page-token' },
    cacheTtlSeconds: 600,
    visibility: { public: true },
  })
}, 30_000)
afterAll(async () => {
  await a.close()
  await b.close()
  await sim.close()
  await schema.drop()
})

function signInAttempt(server: TestServer, remoteAddress: string, forwardedFor?: string) {
  return server.as(undefined, {
    method: 'POST',
    url: '/api/session',
    remoteAddress,
    payload: { name: 'nobody', password: 'wrong password!' },
    ...(forwardedFor === undefined ? {} : { headers: { 'x-forwarded-for': forwardedFor } }),
  })
}

const searches = async () => (await stats(sim)).requests['GET search/jql'] ?? 0
/** Upstream requests of one fetch of the query (its pages), measured by the first, uncached view. */
let perFetch = 0

describe('sign-in attempts', () => {
  it('are counted per client address across both servers, then refused with 429 and Retry-After', async () => {
    for (const server of [a, b, a]) expect((await signInAttempt(server, '10.0.0.1')).statusCode).toBe(401)
    const refused = await signInAttempt(b, '10.0.0.1')
    expect(refused.statusCode).toBe(429)
    expect(refused.json().error.code).toBe('QUARRY_TOO_MANY_REQUESTS')
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    // Another address is not held back.
    expect((await signInAttempt(a, '10.0.0.2')).statusCode).toBe(401)
  })

  it('ignore a spoofed X-Forwarded-For when the server trusts no proxy', async () => {
    for (let i = 0; i < 3; i++) await signInAttempt(a, '10.0.0.3', `198.51.100.${i}`)
    expect((await signInAttempt(a, '10.0.0.3', '198.51.100.99')).statusCode).toBe(429)
  })

  it('ignore X-Forwarded-For from a client that is not a trusted proxy', async () => {
    for (let i = 0; i < 3; i++) await signInAttempt(b, '10.0.0.4', `198.51.100.${i}`)
    expect((await signInAttempt(b, '10.0.0.4', '198.51.100.99')).statusCode).toBe(429)
  })

  it('key on the address a trusted proxy forwards, so people behind it do not share one bucket', async () => {
    for (let i = 0; i < 3; i++) await signInAttempt(b, '127.0.0.1', '203.0.113.1')
    expect((await signInAttempt(b, '127.0.0.1', '203.0.113.1')).statusCode).toBe(429)
    expect((await signInAttempt(b, '127.0.0.1', '203.0.113.2')).statusCode).toBe(401)
  })

  it('still let the right password in once the window has passed', async () => {
    await a.signIn('ada', 'admin')
    const ok = await a.as(undefined, {
      method: 'POST',
      url: '/api/session',
      remoteAddress: '10.0.0.9',
      payload: { name: 'ada', password: TEST_PASSWORD },
    })
    expect(ok.statusCode).toBe(200)
  })
})

describe('Refresh of a public view', () => {
  it('by anonymous visitors fetches at most once per cool-down: 50 presses, one fetch', async () => {
    const first = await searches()
    await a.as(undefined, { url: '/v/board' })
    perFetch = (await searches()) - first
    expect(perFetch).toBeGreaterThan(0)
    const before = await searches()
    for (let press = 0; press < 50; press++) {
      const response = await (press % 2 === 0 ? a : b).as(undefined, {
        method: 'POST',
        url: '/v/board/refresh',
        remoteAddress: `192.0.2.${press}`,
      })
      expect(response.statusCode).toBe(303)
    }
    expect((await searches()) - before).toBe(perFetch)
    // The view still shows the rows.
    expect((await b.as(undefined, { url: '/v/board' })).body).toContain('DEMO-1')
  })

  it('by a signed-in user is limited per user across both servers', async () => {
    const viewer = await a.signIn('rae', 'viewer')
    const before = await searches()
    expect((await a.as(viewer, { method: 'POST', url: '/v/board/refresh' })).statusCode).toBe(303)
    expect((await b.as(viewer, { method: 'POST', url: '/v/board/refresh' })).statusCode).toBe(303)
    const third = await a.as(viewer, { method: 'POST', url: '/v/board/refresh' })
    expect(third.statusCode).toBe(429)
    // The Refresh button is a form in the page: the refusal is a page too, with its Retry-After.
    expect(third.headers['content-type']).toMatch(/^text\/html/)
    expect(third.headers['retry-after']).toMatch(/^\d+$/)
    expect(third.body).toMatch(/More than 2 Refresh presses a minute by rae; try again in \d+ s\./)
    expect((await searches()) - before).toBe(2 * perFetch)
  })
})

describe('API runs', () => {
  it('are limited per user across both servers', async () => {
    const viewer = await a.signIn('run-ray', 'viewer')
    const run = (server: TestServer) =>
      server.as(viewer, { method: 'POST', url: '/api/queries/board/run', payload: {} })
    for (const server of [a, b, a]) expect((await run(server)).statusCode).toBe(200)
    expect((await run(b)).statusCode).toBe(429)
  })
})
