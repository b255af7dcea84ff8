import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { startKeepAlive } from '../../src/server/keep-alive-job.js'
import { addSimJira } from '../helpers/jira.js'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { startTestServer, TEST_PASSWORD, type TestServer } from '../helpers/server.js'
import { startTestSim, stats } from '../helpers/sim.js'

/** Two `quarry serve` processes behind one address share one PostgreSQL: everything a browser sees must agree. */
let schema: TestSchema
let sim: RunningSimulator
let a: TestServer
let b: TestServer

beforeAll(async () => {
  schema = await createTestSchema()
  sim = await startTestSim()
  a = await startTestServer({}, { databaseUrl: schema.url })
  b = await startTestServer({}, { databaseUrl: schema.url })
  await addSimJira(a.engine, sim)
  await a.engine.addQuery({
    name: 'demo',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key&fields=summary&maxResults=50',
    pagination: { type: 'next-page-token' },
    cacheTtlSeconds: 600,
  })
}, 30_000)
afterAll(async () => {
  await a.close()
  await b.close()
  await sim.close()
  await schema.drop()
})

describe('two servers on one PostgreSQL', () => {
  it('share sign-ins: a login on one works on the other, and a sign-out on one ends it on both', async () => {
    await a.signIn('ada', 'admin')
    const login = await a.as(undefined, {
      method: 'POST',
      url: '/api/session',
      payload: { name: 'ada', password: TEST_PASSWORD },
    })
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string
    const onB = await b.as(undefined, { url: '/api/session', headers: { cookie } })
    expect(onB.statusCode).toBe(200)
    expect(onB.json().user.name).toBe('ada')
    expect(onB.json().csrfToken).toBe(login.json().csrfToken)

    await b.as(undefined, {
      method: 'DELETE',
      url: '/api/session',
      headers: { cookie, 'x-csrf-token': login.json().csrfToken },
    })
    expect((await a.as(undefined, { url: '/api/session', headers: { cookie } })).statusCode).toBe(401)
  })

  it('share cached results: a run on one is served from the cache on the other', async () => {
    const viewer = await a.signIn('vic', 'viewer')
    const before = (await stats(sim)).requests['GET search/jql'] ?? 0
    const first = (await a.as(viewer, { method: 'POST', url: '/api/queries/demo/run', payload: {} })).json()
    const second = (await b.as(viewer, { method: 'POST', url: '/api/queries/demo/run', payload: {} })).json()
    expect(first.fromCache).toBe(false)
    expect(second.fromCache).toBe(true)
    expect(second.rows).toEqual(first.rows)
    expect(((await stats(sim)).requests['GET search/jql'] ?? 0) - before).toBe(first.pages)
  })

  it('run the keep-alive once per round, not once per server', async () => {
    const silent = { info: () => {}, error: () => {} } as never
    const jobs = [a, b].map((server) => startKeepAlive(server.engine.store, silent, { intervalMs: 3600_000 }))
    try {
      const ran = await Promise.all(jobs.map((job) => job.runOnce()))
      expect(ran.filter(Boolean)).toHaveLength(1)
      // The holder may run again (its next round); the other still may not.
      const again = await Promise.all(jobs.map((job) => job.runOnce()))
      expect(again).toEqual(ran)
    } finally {
      await Promise.all(jobs.map((job) => job.stop()))
    }
  })
})
