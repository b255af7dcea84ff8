import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { TEST_SECRET_KEY, startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { connect, startTestSim, stats } from '../helpers/sim.js'
import { addOidcApi, startOidcProvider } from './oidc-provider-server.js'

/**
 * The token invariant under load (issue 4): 4 OS processes, each with 25
 * concurrent query runs, sharing one store, for 60 s, with access tokens that
 * live 2 s. Rotation makes any reuse of an old refresh token after the grace
 * period fatal to the grant, so zero invalid grants and zero revoked grants
 * prove no process ever sent a superseded refresh token late; the refresh count
 * proves the lock makes one refresh per expiry, not one per process. Against the
 * simulator with its grace set to 0, and against oidc-provider (issue 14), which
 * nobody here wrote and which has no grace at all.
 */
const PROCESSES = 4
const CONCURRENCY = 25
const SECONDS = Number(process.env.QUARRY_STRESS_SECONDS ?? 60)
const TTL = 2

const runner = new URL('./fixtures/runner.mjs', import.meta.url).pathname

/** The Quarry users of the per-user cases (issue 15): each runs with a grant of their own. */
const USERS = ['alice', 'bob'] as const

/** Where the tokens come from: what the stores share is the same, what counts the grants differs. */
interface TokenProvider {
  /** Adds datasource `api` with a connection the first run must refresh, and query `me` on it. */
  setUp(engine: TestEngine): Promise<void>
  counters(): Promise<{ refreshes: number; invalidGrants: number; revokedGrants: number }>
  close(): Promise<void>
}

/** The Atlassian simulator with a grace period of 0: a superseded refresh token reused even a moment later revokes the grant. */
async function simulator(): Promise<TokenProvider> {
  const sim = await startTestSim({ accessTtlSeconds: TTL, refreshGraceSeconds: 0 })
  return {
    async setUp(engine) {
      await addSimJira(engine, sim, {
        name: 'api',
        connection: { accessExpiresAt: new Date(Date.now() + TTL * 1000) },
      })
      await engine.addQuery({ ...ME, path: '/myself?n=:n' })
    },
    counters: async () => {
      const { refreshes, invalidGrants, revokedGrants } = await stats(sim)
      return {
        refreshes: Number(refreshes),
        invalidGrants: Number(invalidGrants),
        revokedGrants: Number(revokedGrants),
      }
    },
    close: () => sim.close(),
  }
}

/**
 * The simulator with grace 0 and datasource `api` per-user (issue 15): alice and bob each hold a grant
 * of their own, every process runs for both, so each person's connection has its own lock and refreshes.
 */
async function perUserSimulator(): Promise<TokenProvider> {
  const sim = await startTestSim({ accessTtlSeconds: TTL, refreshGraceSeconds: 0 })
  return {
    async setUp(engine) {
      await addSimJira(engine, sim, { name: 'api' })
      const stored = await engine.store.datasources.get('api')
      await engine.store.datasources.update('api', {
        config: { ...(stored?.config as object), connectionMode: 'per-user' },
      })
      for (const user of USERS) {
        const tokens = await connect(sim)
        await engine.store.connections.put(
          'api',
          {
            tokens: { access_token: tokens.access_token, refresh_token: tokens.refresh_token as string },
            accessExpiresAt: new Date(Date.now() + TTL * 1000),
            status: 'connected',
            statusMessage: null,
            scope: tokens.scope,
            site: null,
            lastRefreshAt: new Date(),
            lastUsedAt: null,
          },
          user,
        )
      }
      await engine.addQuery({ ...ME, path: '/myself?n=:n' })
    },
    counters: async () => {
      const { refreshes, invalidGrants, revokedGrants } = await stats(sim)
      return {
        refreshes: Number(refreshes),
        invalidGrants: Number(invalidGrants),
        revokedGrants: Number(revokedGrants),
      }
    },
    close: () => sim.close(),
  }
}

/** oidc-provider: rotates every refresh token, no grace; its userinfo endpoint is the API. */
async function oidcProvider(): Promise<TokenProvider> {
  const provider = await startOidcProvider({ accessTtlSeconds: TTL })
  return {
    async setUp(engine) {
      await addOidcApi(engine, provider)
      await engine.addQuery({ ...ME, path: '/me?n=:n' })
    },
    counters: async () => provider.counters(),
    close: () => provider.close(),
  }
}

/** The query every run makes (its path is the provider's). */
const ME = { name: 'me', datasource: 'api', params: [{ name: 'n', type: 'integer' }] }

// The simulator runs the full time; oidc-provider and the per-user cases a third of it, to keep the
// suite's time in CI modest. The last column: the users each process runs for (none: the shared connection).
const CASES = [
  ['the simulator', 'sqlite', simulator, SECONDS, []],
  ['the simulator', 'postgres', simulator, SECONDS, []],
  ['oidc-provider', 'sqlite', oidcProvider, Math.ceil(SECONDS / 3), []],
  ['oidc-provider', 'postgres', oidcProvider, Math.ceil(SECONDS / 3), []],
  ['the simulator, 2 users per-user', 'sqlite', perUserSimulator, Math.ceil(SECONDS / 3), USERS],
  ['the simulator, 2 users per-user', 'postgres', perUserSimulator, Math.ceil(SECONDS / 3), USERS],
] as const

describe.each(CASES)(
  'the token invariant under load, against %s on %s',
  (_name, dialect, start, seconds, users) => {
    let tokens: TokenProvider
    let engine: TestEngine
    let schema: TestSchema | undefined
    let target: string

    beforeAll(async () => {
      if (!existsSync(new URL('../../dist/engine/index.js', import.meta.url)))
        throw new Error('dist/ is missing: run `npm run build` (scripts/test.sh does) before this test')

      tokens = await start()
      schema = dialect === 'postgres' ? await createTestSchema() : undefined
      engine = await startTestEngine({}, schema ? { databaseUrl: schema.url } : {})
      target = schema ? schema.url : join(engine.dir, 'quarry.db')
      await tokens.setUp(engine)
    })

    afterAll(async () => {
      await engine?.close()
      await tokens?.close()
      await schema?.drop()
    })

    function runProcess(): Promise<{ ok: number; failed: number; errors: string[] }> {
      return new Promise((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [runner, target, String(seconds), String(CONCURRENCY), users.join(',')],
          {
            env: { ...process.env, QUARRY_SECRET_KEY: TEST_SECRET_KEY, QUARRY_DATA_DIR: engine.dir },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        )
        let out = ''
        let err = ''
        child.stdout.on('data', (chunk) => (out += chunk))
        child.stderr.on('data', (chunk) => (err += chunk))
        child.on('exit', (code) => {
          if (code !== 0) reject(new Error(`runner exited ${code}: ${err}`))
          else resolve(JSON.parse(out.trim().split('\n').at(-1) as string))
        })
      })
    }

    it(
      `${PROCESSES} processes × ${CONCURRENCY} concurrent runs for ${seconds} s with ${TTL} s tokens: no grant lost, one refresh per expiry`,
      async () => {
        const started = Date.now()
        const results = await Promise.all(Array.from({ length: PROCESSES }, runProcess))
        const elapsed = (Date.now() - started) / 1000
        const counters = await tokens.counters()
        const ok = results.reduce((sum, r) => sum + r.ok, 0)
        const failed = results.reduce((sum, r) => sum + r.failed, 0)
        const report = JSON.stringify({
          elapsed,
          ok,
          failed,
          errors: results.flatMap((r) => r.errors),
          counters,
        })
        console.log(
          `stress: ${ok} runs in ${elapsed.toFixed(1)} s, ${counters.refreshes} refreshes (bound ${(elapsed / TTL + 4).toFixed(0)}), invalidGrants ${counters.invalidGrants}, revokedGrants ${counters.revokedGrants}`,
        )
        expect(failed, report).toBe(0)
        expect(ok, report).toBeGreaterThan(PROCESSES * CONCURRENCY)
        expect(counters.invalidGrants, report).toBe(0)
        expect(counters.revokedGrants, report).toBe(0)
        // One refresh per expiry per grant: each user's connection is a grant of its own.
        expect(counters.refreshes, report).toBeLessThanOrEqual(
          Math.max(1, users.length) * (elapsed / TTL + 4),
        )
        expect(counters.refreshes, report).toBeGreaterThan(0)
      },
      (seconds + 60) * 1000,
    )
  },
)
