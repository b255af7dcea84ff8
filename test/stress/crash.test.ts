import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import type { FaultPoint } from '../../src/auth/oauth/fault-point.js'
import { Random } from '../../src/sim/random.js'
import { TEST_SECRET_KEY, startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira, patchConnection } from '../helpers/jira.js'
import { startTestSim, stats } from '../helpers/sim.js'
import { addOidcApi, startOidcProvider } from './oidc-provider-server.js'

/**
 * Crash safety of the token invariant (issue 4): a process killed with SIGKILL
 * anywhere inside a refresh — with the lock taken, after the token endpoint
 * rotated the refresh token but before it was saved, after it was saved but
 * before the commit — leaves a connection the next run uses without new
 * consent (docs/architecture.md, "The token invariant", rule 5: the grace period honours the old
 * refresh token).
 */
const once = new URL('./fixtures/once.mjs', import.meta.url).pathname

/** What a crash suite runs against: datasource `api` with a connection, and the provider's counters. */
interface Provider {
  readonly setUp: (engine: TestEngine) => Promise<void>
  readonly counters: () => Promise<{ invalidGrants: number; revokedGrants: number }>
  readonly close: () => Promise<void>
}

async function simulator(): Promise<Provider> {
  const sim = await startTestSim()
  return {
    async setUp(engine) {
      await addSimJira(engine, sim, {
        name: 'api',
        connection: { accessExpiresAt: new Date(0), lastRefreshAt: null },
      })
      await engine.addQuery({ name: 'me', datasource: 'api', path: '/myself' })
    },
    counters: async () => {
      const counters = await stats(sim)
      return { invalidGrants: Number(counters.invalidGrants), revokedGrants: Number(counters.revokedGrants) }
    },
    close: () => sim.close(),
  }
}

async function oidcProvider(): Promise<Provider> {
  const provider = await startOidcProvider({ accessTtlSeconds: 3600 })
  return {
    async setUp(engine) {
      await addOidcApi(engine, provider)
      await engine.addQuery({ name: 'me', datasource: 'api', path: '/me' })
    },
    counters: async () => provider.counters(),
    close: () => provider.close(),
  }
}

/**
 * The simulator has Atlassian's grace: a death anywhere inside a refresh is survived. oidc-provider has
 * none: a death after it answered and before the commit loses the only copy of the new refresh token
 * (see the last test), so there it dies before sending and after the commit.
 */
const CASES = [
  ['the simulator', 'sqlite', simulator, 50, ['refresh:locked', 'refresh:token-received', 'refresh:saved']],
  ['the simulator', 'postgres', simulator, 50, ['refresh:locked', 'refresh:token-received', 'refresh:saved']],
  ['oidc-provider', 'sqlite', oidcProvider, 10, ['refresh:locked', 'refresh:committed']],
  ['oidc-provider', 'postgres', oidcProvider, 10, ['refresh:locked', 'refresh:committed']],
] as const

describe.each(CASES)('against %s on %s', (_name, dialect, start, TRIALS, POINTS) => {
  let provider: Provider
  let engine: TestEngine
  let schema: TestSchema | undefined
  let target: string

  beforeAll(async () => {
    provider = await start()
    schema = dialect === 'postgres' ? await createTestSchema() : undefined
    engine = await startTestEngine({}, schema ? { databaseUrl: schema.url } : {})
    target = schema ? schema.url : join(engine.dir, 'quarry.db')
    await provider.setUp(engine)
  })

  afterAll(async () => {
    await engine?.close()
    await provider?.close()
    await schema?.drop()
  })

  function runOnce(
    faultPoint?: FaultPoint,
  ): Promise<{ code: number | null; signal: string | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [once, target], {
        env: {
          ...process.env,
          QUARRY_SECRET_KEY: TEST_SECRET_KEY,
          QUARRY_DATA_DIR: engine.dir,
          QUARRY_FAULT_POINT: faultPoint ?? '',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (chunk) => (stderr += chunk))
      child.on('exit', (code, signal) => resolve({ code, signal, stderr }))
    })
  }

  /** Makes the stored access token due, so the next run must refresh. */
  async function expireStoredToken(): Promise<void> {
    await patchConnection(engine.store, 'api', { accessExpiresAt: new Date(0) })
  }

  describe('a process killed inside a refresh', () => {
    it(`loses no grant: ${TRIALS} trials at random fault points, each followed by a normal run`, async () => {
      const random = new Random(2026)
      const killedAt = new Map<FaultPoint, number>()
      for (let trial = 0; trial < TRIALS; trial++) {
        await expireStoredToken()
        const point = random.pick(POINTS)
        const crashed = await runOnce(point)
        expect(crashed.signal, `trial ${trial} at ${point}: ${crashed.stderr}`).toBe('SIGKILL')
        killedAt.set(point, (killedAt.get(point) ?? 0) + 1)
        await expireStoredToken()
        const next = await runOnce()
        expect(next.code, `trial ${trial}, the run after a crash at ${point}: ${next.stderr}`).toBe(0)
      }
      expect([...killedAt.keys()].sort()).toEqual([...POINTS].sort())
      expect(await provider.counters()).toMatchObject({ invalidGrants: 0, revokedGrants: 0 })
      expect((await engine.store.connections.get('api'))?.status).toBe('connected')
    }, 180_000)
  })
})

describe('against oidc-provider, which has no reuse grace', () => {
  it('a death after the provider answered and before the commit costs the grant, and the message says why', async () => {
    const provider = await startOidcProvider({ accessTtlSeconds: 3600 })
    const engine = await startTestEngine()
    try {
      await addOidcApi(engine, provider)
      await engine.addQuery({ name: 'me', datasource: 'api', path: '/me' })
      const run = (faultPoint: FaultPoint | '') =>
        new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, [once, join(engine.dir, 'quarry.db')], {
            env: {
              ...process.env,
              QUARRY_SECRET_KEY: TEST_SECRET_KEY,
              QUARRY_DATA_DIR: engine.dir,
              QUARRY_FAULT_POINT: faultPoint,
            },
            stdio: ['ignore', 'ignore', 'pipe'],
          })
          let stderr = ''
          child.stderr.on('data', (chunk) => (stderr += chunk))
          child.on('exit', (code, signal) => resolve({ code, signal, stderr }))
        })
      expect((await run('')).code).toBe(0)
      // Connected, and told plainly what a lost answer would cost.
      expect((await engine.store.connections.get('api'))?.statusMessage).toMatch(/no reuse grace/)
      await patchConnection(engine.store, 'api', { accessExpiresAt: new Date(0) })
      expect((await run('refresh:token-received')).signal).toBe('SIGKILL')
      const after = await run('')
      expect(after.code).toBe(1)
      expect(after.stderr).toMatch(/needs consent again.*no reuse grace/s)
      expect((await engine.store.connections.get('api'))?.status).toBe('needs_consent')
      expect(provider.counters()).toMatchObject({ invalidGrants: 1, revokedGrants: 1 })
    } finally {
      await engine.close()
      await provider.close()
    }
  }, 60_000)
})
