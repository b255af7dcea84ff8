import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../../src/server/start.js'
import { NO_FAULTS } from '../../src/sim/faults.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { startTestSim } from '../helpers/sim.js'

/** An upstream that takes 800 ms per answer, so a view is in flight when the server is told to stop. */
let sim: RunningSimulator
let engine: TestEngine

beforeAll(async () => {
  sim = await startTestSim({ faults: { ...NO_FAULTS, latencyMs: 800 } })
  engine = await startTestEngine()
  await addSimJira(engine, sim)
  await engine.addQuery({
    name: 'slow',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key&fields=summary&maxResults=5',
    maxPages: 1,
    visibility: { public: true },
  })
})
afterAll(async () => {
  await engine.close()
  await sim.close()
})

describe('stopping the server', () => {
  it('lets a request in flight finish, then refuses new ones', async () => {
    const server = await startServer(engine.store, { host: '127.0.0.1', port: 0, logger: false })
    const inFlight = fetch(`${server.url}/v/slow`)
    // In flight: the upstream has the view's search, and holds its answer for 800 ms.
    const searches = () =>
      [...sim.context.stats.requests].filter(([endpoint]) => endpoint.includes('search')).length
    await expect.poll(searches, { interval: 10 }).toBeGreaterThan(0)
    const closing = server.close()
    const answer = await inFlight
    expect(answer.status).toBe(200)
    expect(await answer.text()).toContain('DEMO-1')
    await closing
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
  })
})
