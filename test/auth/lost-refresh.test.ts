import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TokenManager } from '../../src/auth/index.js'
import { ATLASSIAN_REUSE_GRACE_MS, NO_REUSE_GRACE } from '../../src/auth/oauth/reuse-grace.js'
import { tokenRequestTimeoutMs, type TokenEndpoint } from '../../src/auth/oauth/token-client.js'
import { isQuarryError } from '../../src/domain/errors.js'
import type { FaultPolicy } from '../../src/sim/faults.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { DEFAULT_LOCK_TIMEOUT_MS, openStore, type Store } from '../../src/store/index.js'
import { TEST_SECRET_KEY, startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { TEST_CLIENT, startTestSim, stats } from '../helpers/sim.js'

/**
 * A refresh whose answer was lost (issue 14, Done-when 4): the provider may have rotated the refresh
 * token while Quarry never heard. Quarry sends the same refresh token again before anything else; with
 * Atlassian's reuse grace that is safe, and without one the connection says plainly what it cost.
 */
let sim: RunningSimulator | undefined
let engine: TestEngine | undefined
const extraStores: Store[] = []

afterEach(async () => {
  for (const store of extraStores.splice(0)) await store.close()
  await engine?.close()
  await sim?.close()
  engine = undefined
  sim = undefined
})

function endpointOf(running: RunningSimulator, extra: Partial<TokenEndpoint> = {}): TokenEndpoint {
  return {
    tokenUrl: `${running.url}/oauth/token`,
    clientId: TEST_CLIENT.clientId,
    clientSecret: TEST_CLIENT.clientSecret,
    clientAuth: 'body',
    ...extra,
  }
}

/** A fetch that lets the first `count` token requests reach the provider, then drops their answers. */
function losingAnswers(count: number): { fetch: typeof fetch; lost: () => number } {
  let lost = 0
  return {
    lost: () => lost,
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      if (lost >= count) return response
      await response.arrayBuffer()
      lost++
      throw new TypeError('terminated', {
        cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
      })
    },
  }
}

async function storedConnection() {
  const connection = await engine?.store.connections.get('jira')
  if (!connection) throw new Error('no connection')
  return connection
}

describe('a refresh whose answer was lost', () => {
  it("with Atlassian's grace: 50 lost answers to the simulator's slow and cut token faults, 0 needs-consent", async () => {
    // Every token answer is at risk: late (past the request's timeout), cut half way, not JSON, or a 5xx.
    const faults: FaultPolicy = {
      latencyMs: 25,
      latencyJitterMs: 25,
      errorRate: 0.1,
      malformedRate: 0.3,
      slowBodyMs: 0,
    }
    sim = await startTestSim({ faults, tokenFaults: true, seed: 14 })
    engine = await startTestEngine()
    await addSimJira(engine, sim)
    const manager = new TokenManager({
      datasource: 'jira',
      connections: engine.store.connections,
      endpoint: endpointOf(sim, { reuseGraceMs: ATLASSIAN_REUSE_GRACE_MS, timeoutMs: 35 }),
      grant: { kind: 'refresh' },
      resendAfterMs: [5, 20],
    })
    let failedRefreshes = 0
    let rounds = 0
    while (Number((await stats(sim)).graceRefreshes) < 50) {
      rounds++
      const { tokens } = await storedConnection()
      try {
        await manager.renew(tokens.access_token as string)
      } catch (error) {
        // Every resend lost too: a failure, not a lost grant. The next round sends the same token first.
        expect(isQuarryError(error, 'QUARRY_OAUTH_INVALID_GRANT'), String(error)).toBe(false)
        failedRefreshes++
      }
      expect((await storedConnection()).status, `round ${rounds}`).toBe('connected')
      expect(rounds, 'the faults lose answers often enough to reach 50 within 2000 rounds').toBeLessThan(2000)
    }
    const counters = await stats(sim)
    console.log(
      `lost refreshes: ${counters.graceRefreshes} resent in the grace over ${rounds} rounds (${failedRefreshes} rounds lost every try)`,
    )
    expect(counters).toMatchObject({ invalidGrants: 0, revokedGrants: 0 })
    // The refresh token Quarry holds now is the provider's current one: a refresh without faults works.
    const held = (await storedConnection()).tokens.refresh_token as string
    const answer = sim.context.auth.refresh(TEST_CLIENT.clientId, held)
    expect(answer.ok).toBe(true)
  }, 120_000)

  it('every answer lost: the access token is marked due, and the next use sends the same refresh token again first', async () => {
    sim = await startTestSim()
    engine = await startTestEngine()
    await addSimJira(engine, sim)
    const before = await storedConnection()
    const losing = losingAnswers(3)
    const forced = new TokenManager({
      datasource: 'jira',
      connections: engine.store.connections,
      endpoint: endpointOf(sim, { reuseGraceMs: ATLASSIAN_REUSE_GRACE_MS, fetch: losing.fetch }),
      grant: { kind: 'refresh' },
      resendAfterMs: [5, 5],
    })
    // A forced refresh (the keep-alive's, or after a 401) while the access token still has an hour.
    await expect(forced.renew(before.tokens.access_token as string)).rejects.toThrow(/token endpoint/)
    expect(losing.lost()).toBe(3)
    const marked = await storedConnection()
    expect(marked.tokens.refresh_token).toBe(before.tokens.refresh_token)
    expect(marked.status).toBe('connected')
    expect(marked.statusMessage).toMatch(/answer to the last refresh was lost/)
    expect((marked.accessExpiresAt as Date).getTime()).toBeLessThanOrEqual(Date.now())

    // The next process asks for a token: it does not hand out the old access token but refreshes first.
    const next = new TokenManager({
      datasource: 'jira',
      connections: engine.store.connections,
      endpoint: endpointOf(sim, { reuseGraceMs: ATLASSIAN_REUSE_GRACE_MS }),
      grant: { kind: 'refresh' },
    })
    const token = await next.accessToken()
    expect(token).not.toBe(before.tokens.access_token)
    expect(await stats(sim)).toMatchObject({
      refreshes: 4,
      graceRefreshes: 3,
      invalidGrants: 0,
      revokedGrants: 0,
    })
    expect((await storedConnection()).statusMessage).toBeNull()
  })

  it('without a grace: the resend is refused, and the connection says plainly why consent is needed', async () => {
    sim = await startTestSim({ refreshGraceSeconds: 0 })
    engine = await startTestEngine()
    await addSimJira(engine, sim)
    const before = await storedConnection()
    const losing = losingAnswers(1)
    const manager = new TokenManager({
      datasource: 'jira',
      connections: engine.store.connections,
      endpoint: endpointOf(sim, { fetch: losing.fetch }),
      grant: { kind: 'refresh' },
      resendAfterMs: [5],
    })
    const failure = await manager.renew(before.tokens.access_token as string).catch((error: unknown) => error)
    expect(isQuarryError(failure, 'QUARRY_OAUTH_INVALID_GRANT'), String(failure)).toBe(true)
    expect(String((failure as Error).message)).toMatch(
      /answer to an earlier refresh was lost.*no reuse grace/,
    )
    const after = await storedConnection()
    expect(after.status).toBe('needs_consent')
    expect(after.statusMessage).toMatch(/no reuse grace/)
    // It was the resend, with the same refresh token, that the provider refused: the only one sent.
    expect(await stats(sim)).toMatchObject({ refreshes: 1, revokedGrants: 1 })
  })

  it('a rotating provider without a grace is named on the connection; one with a grace is not', async () => {
    sim = await startTestSim({ refreshGraceSeconds: 0 })
    engine = await startTestEngine()
    await addSimJira(engine, sim)
    for (const [grace, note] of [
      [0, NO_REUSE_GRACE],
      [ATLASSIAN_REUSE_GRACE_MS, null],
    ] as const) {
      const manager = new TokenManager({
        datasource: 'jira',
        connections: engine.store.connections,
        endpoint: endpointOf(sim, { reuseGraceMs: grace }),
        grant: { kind: 'refresh' },
      })
      await manager.renew((await storedConnection()).tokens.access_token as string)
      expect((await storedConnection()).statusMessage).toBe(note)
    }
  })

  it('a slow provider without a grace: its answer is awaited, and waiters outwait the lock timeout instead of failing', async () => {
    // Answers take 600 ms; the stores give up waiting for a lock after 150 ms.
    sim = await startTestSim({
      refreshGraceSeconds: 0,
      tokenFaults: true,
      faults: { latencyMs: 600, latencyJitterMs: 0, errorRate: 0, malformedRate: 0, slowBodyMs: 0 },
    })
    engine = await startTestEngine()
    await addSimJira(engine, sim, { connection: { accessExpiresAt: new Date(0) } })
    const managers = await Promise.all(
      [0, 1, 2].map(async () => {
        const store = await openStore({
          sqlitePath: join(engine?.dir as string, 'quarry.db'),
          secretKey: TEST_SECRET_KEY,
          dataDir: engine?.dir as string,
          lockTimeoutMs: 150,
        })
        extraStores.push(store)
        return new TokenManager({
          datasource: 'jira',
          connections: store.connections,
          endpoint: endpointOf(sim as RunningSimulator, { timeoutMs: 2000 }),
          grant: { kind: 'refresh' },
        })
      }),
    )
    const tokens = await Promise.all(managers.map((manager) => manager.accessToken()))
    expect(new Set(tokens).size).toBe(1)
    expect(await stats(sim)).toMatchObject({ refreshes: 1, invalidGrants: 0, revokedGrants: 0 })
  })

  it('the token request waits longer where a lost answer would cost the grant, and never less than the lock', () => {
    const noGrace = tokenRequestTimeoutMs({})
    const grace = tokenRequestTimeoutMs({ reuseGraceMs: ATLASSIAN_REUSE_GRACE_MS })
    expect(noGrace).toBeGreaterThan(grace)
    expect(noGrace).toBeGreaterThan(DEFAULT_LOCK_TIMEOUT_MS)
    // With a grace, three tries at the full timeout still end well inside it.
    expect(3 * grace).toBeLessThan(ATLASSIAN_REUSE_GRACE_MS)
  })
})
