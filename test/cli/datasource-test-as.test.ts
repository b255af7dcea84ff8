import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { runQuarry } from '../helpers/cli.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira, storeConnection } from '../helpers/jira.js'
import { connect, startTestSim } from '../helpers/sim.js'

/**
 * `quarry datasource test` on a per-user datasource (issue 15): it is tested with one person's own
 * connection, named with --as like `quarry run --as`; without a person it says how, never testing
 * the shared connection that per-user runs do not use.
 */

let sim: RunningSimulator
let engine: TestEngine
const quarry = (...args: string[]) =>
  runQuarry({ db: join(engine.dir, 'quarry.db'), dir: engine.dir }, ...args)

beforeAll(async () => {
  sim = await startTestSim()
  engine = await startTestEngine()
  // A shared connection that works: per-user tests must not use it.
  await addSimJira(engine, sim)
  const stored = await engine.store.datasources.get('jira')
  await engine.store.datasources.update('jira', {
    config: { ...(stored?.config as object), connectionMode: 'per-user' },
  })
  for (const name of ['alice', 'bob'])
    await engine.store.accounts.createUser({ name, passwordHash: 'x', role: 'viewer', groups: [] })
  await storeConnection(engine.store, 'jira', await connect(sim), { user: 'alice' })
}, 30_000)
afterAll(async () => {
  await engine?.close()
  await sim?.close()
})

describe('quarry datasource test on a per-user datasource', () => {
  it("tests the named user's own connection", async () => {
    const run = await quarry('datasource', 'test', 'jira', '--as', 'alice')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^ok: jira works \(GET .*\/myself answered in \d+ ms\)\n$/)
  })

  it('says that a user who has not connected must connect first', async () => {
    const run = await quarry('datasource', 'test', 'jira', '--as', 'bob')
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('failed: jira does not work: Connect your jira account')
  })

  it('without --as, says how to test it instead of testing the shared connection', async () => {
    const run = await quarry('datasource', 'test', 'jira')
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('jira runs per user')
    expect(run.stdout).toContain('quarry datasource test jira --as USER')
  })

  it('refuses a user that does not exist', async () => {
    const run = await quarry('datasource', 'test', 'jira', '--as', 'nobody')
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain('No Quarry user named "nobody" (--as)')
  })
})
