import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { refreshIdle } from '../../src/auth/keep-alive.js'
import { isQuarryError } from '../../src/domain/errors.js'
import { runQuery } from '../../src/engine/index.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { advance, connect, startTestSim, stats } from '../helpers/sim.js'

const DAY = 24 * 3600
describe.each(['sqlite', 'postgres'] as const)('on %s', (dialect) => {
  let sim: RunningSimulator
  let engine: TestEngine
  let schema: TestSchema | undefined

  beforeEach(async () => {
    sim = await startTestSim()
    schema = dialect === 'postgres' ? await createTestSchema() : undefined
    engine = await startTestEngine({}, schema ? { databaseUrl: schema.url } : {})
    await addSimJira(engine, sim, { connection: { accessExpiresAt: new Date(Date.now() + 3_600_000) } })
    await engine.addQuery({ name: 'me', datasource: 'jira', path: '/myself' })
  })

  afterEach(async () => {
    await engine.close()
    await sim.close()
    await schema?.drop()
  })

  describe('keep-alive (quarry connections refresh-idle)', () => {
    it('leaves a recently refreshed connection alone', async () => {
      const [result] = await refreshIdle(engine.store)
      expect(result).toMatchObject({ datasource: 'jira', outcome: 'fresh' })
      expect((await stats(sim)).refreshes).toBe(0)
    })

    it('keeps an idle connection alive: 89 days later it still works', async () => {
      // A daily cron on both clocks: the simulator's and Quarry's move together.
      let days = 0
      for (; days < 89; days++) {
        await advance(sim, DAY)
        await refreshIdle(engine.store, { now: () => Date.now() + (days + 1) * DAY * 1000 })
      }
      expect((await stats(sim)).refreshes).toBe(2) // at days 30 and 60
      await runQuery(engine, { query: 'me' })
      expect(await stats(sim)).toMatchObject({ invalidGrants: 0, revokedGrants: 0 })
    })

    it("refreshes every person's idle connection of a per-user datasource, each with its own grant", async () => {
      const stored = await engine.store.datasources.get('jira')
      await engine.store.datasources.update('jira', {
        config: { ...(stored?.config as object), connectionMode: 'per-user' },
      })
      for (const login of ['alice', 'bob']) {
        const tokens = await connect(sim, { login })
        await engine.store.connections.put(
          'jira',
          {
            tokens: { access_token: tokens.access_token, refresh_token: tokens.refresh_token as string },
            accessExpiresAt: new Date(Date.now() + tokens.expires_in * 1000),
            status: 'connected',
            statusMessage: null,
            scope: tokens.scope,
            site: null,
            lastRefreshAt: new Date(),
            lastUsedAt: null,
          },
          login,
        )
      }
      await advance(sim, 31 * DAY)
      const results = await refreshIdle(engine.store, { now: () => Date.now() + 31 * DAY * 1000 })
      const people = results.filter((result) => result.user !== '').map((r) => [r.user, r.outcome])
      expect(people.sort()).toEqual([
        ['alice', 'refreshed'],
        ['bob', 'refreshed'],
      ])
      // Each person's row was refreshed with their own refresh token (the test simulator consents as
      // alice every time, so both grants are hers: what differs is the grant, not the account).
      const states = await engine.store.connections.listConnections('jira')
      for (const login of ['alice', 'bob']) {
        const state = states.find((candidate) => candidate.user === login)
        expect(state?.status).toBe('connected')
        expect(state?.lastRefreshAt?.getTime()).toBeGreaterThan(Date.now() + 30 * DAY * 1000)
        await runQuery(engine, { query: 'me', viewer: { name: login, email: null, groups: [] } })
      }
      expect((await stats(sim)).refreshes).toBeGreaterThanOrEqual(2)
      expect(await stats(sim)).toMatchObject({ invalidGrants: 0, revokedGrants: 0 })
    })

    it('without it, 91 idle days end the grant: the user sees "needs consent" and the command', async () => {
      await advance(sim, 91 * DAY)
      const error = await runQuery(engine, { query: 'me' }).catch((e: unknown) => e)
      expect(isQuarryError(error, 'QUARRY_OAUTH_INVALID_GRANT')).toBe(true)
      expect((error as Error).message).toContain('needs consent again')
      expect((error as Error).message).toContain('Run: quarry connect jira')
      const [result] = await refreshIdle(engine.store)
      expect(result).toMatchObject({ outcome: 'needs_consent' })
      expect(result?.message).toContain('Run: quarry connect jira')
      // The server's keep-alive logs for admins of the admin UI: the Connect button, not a command.
      const [logged] = await refreshIdle(engine.store, { audience: 'ui' })
      expect(logged?.message).toContain('Press Connect on the page of datasource "jira"')
      expect(logged?.message).not.toContain('quarry connect')
    })
  })
})
