import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import type { FaultPoint } from '../../src/auth/oauth/fault-point.js'
import { Random } from '../../src/sim/random.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { TEST_SECRET_KEY, startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira, patchConnection } from '../helpers/jira.js'
import { startTestSim, stats } from '../helpers/sim.js'

/**
 * Crash safety of the token invariant (issue 4): a process killed with SIGKILL
 * anywhere inside a refresh — with the lock taken, after the token endpoint
 * rotated the refresh token but before it was saved, after it was saved but
 * before the commit — leaves a connection the next run uses without new
 * consent (docs/architecture.md, "The token invariant", rule 5: the grace period honours the old
 * refresh token).
 */
const TRIALS = 50
const POINTS: readonly FaultPoint[] = ['refresh:locked', 'refresh:token-received', 'refresh:saved']
const once = new URL('./fixtures/once.mjs', import.meta.url).pathname

describe.each(['sqlite', 'postgres'] as const)('on %s', (dialect) => {
  let sim: RunningSimulator
  let engine: TestEngine
  let schema: TestSchema | undefined
  let target: string

  beforeAll(async () => {
    sim = await startTestSim()
    schema = dialect === 'postgres' ? await createTestSchema() : undefined
    engine = await startTestEngine({}, schema ? { databaseUrl: schema.url } : {})
    target = schema ? schema.url : join(engine.dir, 'quarry.db')
    await addSimJira(engine, sim, { connection: { accessExpiresAt: new Date(0), lastRefreshAt: null } })
    await engine.addQuery({ name: 'me', datasource: 'jira', path: '/myself' })
  })

  afterAll(async () => {
    await engine?.close()
    await sim?.close()
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
    await patchConnection(engine.store, 'jira', { accessExpiresAt: new Date(0) })
  }

  describe('a process killed inside a refresh', () => {
    it(`loses no grant: ${TRIALS} trials at random fault points, each followed by a normal run`, async () => {
      const random = new Random(2026)
      const killedAt = new Map<string, number>()
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
      const counters = await stats(sim)
      expect(counters).toMatchObject({ invalidGrants: 0, revokedGrants: 0 })
      expect((await engine.store.connections.get('jira'))?.status).toBe('connected')
    }, 180_000)
  })
})
