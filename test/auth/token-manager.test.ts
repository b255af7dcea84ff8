import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TokenManager } from '../../src/auth/index.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import type { ConnectionRepo } from '../../src/store/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { TEST_CLIENT, startTestSim, stats } from '../helpers/sim.js'

let sim: RunningSimulator
let engine: TestEngine
let locks: number
let connections: ConnectionRepo

beforeEach(async () => {
  sim = await startTestSim()
  engine = await startTestEngine()
  await addSimJira(engine, sim, { connection: { accessExpiresAt: new Date(Date.now() + 3_600_000) } })
  // Count how often the store lock is taken, without changing what it does.
  locks = 0
  const real = engine.store.connections
  connections = {
    get: (name, user) => real.get(name, user),
    put: (name, input, user) => real.put(name, input, user),
    list: () => real.list(),
    remove: (name, user) => real.remove(name, user),
    markUsed: (name, at, user) => real.markUsed(name, at, user),
    listConnections: (name) => real.listConnections(name),
    removeConnection: (name, user) => real.removeConnection(name, user),
    withLock: (name, fn, user) => {
      locks++
      return real.withLock(name, fn, user)
    },
  }
})

afterEach(async () => {
  await engine.close()
  await sim.close()
})

function manager(): TokenManager {
  return new TokenManager({
    datasource: 'jira',
    connections,
    endpoint: {
      tokenUrl: `${sim.url}/oauth/token`,
      clientId: TEST_CLIENT.clientId,
      clientSecret: TEST_CLIENT.clientSecret,
      clientAuth: 'body',
    },
    grant: { kind: 'refresh' },
  })
}

describe('TokenManager', () => {
  it('serves a fresh stored token without taking the lock', async () => {
    const tokens = manager()
    await tokens.accessToken()
    await tokens.accessToken()
    expect(locks).toBe(0)
  })

  it('shares one refresh among concurrent callers in one process (single flight)', async () => {
    const tokens = manager()
    const stale = await tokens.accessToken()
    const renewed = await Promise.all(Array.from({ length: 10 }, () => tokens.renew(stale)))
    expect(new Set(renewed).size).toBe(1)
    expect(renewed[0]).not.toBe(stale)
    expect(locks).toBe(1)
    expect(await stats(sim)).toMatchObject({ refreshes: 1, invalidGrants: 0 })
  })

  it('uses the tokens another holder committed instead of refreshing again', async () => {
    const first = manager()
    const second = manager()
    const stale = await first.accessToken()
    await first.renew(stale)
    // The second manager still holds the old token; under the lock it finds the new one.
    const again = await second.renew(stale)
    expect(again).toBe(await first.accessToken())
    expect((await stats(sim)).refreshes).toBe(1)
  })

  it('commits the rotated refresh token before handing out the new access token', async () => {
    const before = await engine.store.connections.get('jira')
    const tokens = manager()
    const fresh = await tokens.renew(await tokens.accessToken())
    const after = await engine.store.connections.get('jira')
    expect(after?.tokens.access_token).toBe(fresh)
    expect(after?.tokens.refresh_token).not.toBe(before?.tokens.refresh_token)
    expect(after?.version).toBe((before?.version ?? 0) + 1)
  })

  it('says a token far from expiry is not near it, and a replaced one is', async () => {
    const tokens = manager()
    const current = await tokens.accessToken()
    expect(await tokens.nearExpiry(current)).toBe(false)
    expect(await tokens.nearExpiry('some-older-token')).toBe(true)
  })
})
