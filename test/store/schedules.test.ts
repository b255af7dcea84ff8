import { describe, expect, test } from 'vitest'
import { DatasourceSchema, splitSecrets } from '../../src/domain/datasource.js'
import type { ScheduleInput, Store } from '../../src/store/index.js'
import { DIALECTS, useStoreTarget } from './harness.js'

/** Schedules and the claim of their ticks (issue 16), on both dialects. */

const T0 = new Date('2026-12-03T09:00:00.000Z')
const LATER = new Date('2026-12-03T09:00:30.000Z')
const LONG_AGO = new Date('2026-12-03T08:00:00.000Z')

async function withQuery(store: Store, name = 'bugs'): Promise<void> {
  if ((await store.datasources.get('api')) === undefined) {
    const { config, secrets } = splitSecrets(
      DatasourceSchema.parse({ type: 'rest', name: 'api', baseUrl: 'https://api.example.com' }),
    )
    await store.datasources.create({ name: 'api', type: 'rest', config, secrets })
  }
  await store.queries.create({ name, datasource: 'api', definition: { path: '/bugs' } })
}

function input(overrides: Partial<ScheduleInput> = {}): ScheduleInput {
  return {
    name: 'hourly',
    query: 'bugs',
    params: { project: 'OPS' },
    cron: '0 * * * *',
    timeZone: 'Europe/Berlin',
    enabled: true,
    snapshot: false,
    nextRunAt: T0,
    ...overrides,
  }
}

for (const dialect of DIALECTS) {
  describe(`schedules (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('a schedule is saved with its parameters, pattern, zone and next run, and read back', async () => {
      const store = await target().open()
      await withQuery(store)
      await store.schedules.create(input())
      const saved = await store.schedules.get('hourly')
      expect(saved).toMatchObject({
        query: 'bugs',
        params: { project: 'OPS' },
        cron: '0 * * * *',
        timeZone: 'Europe/Berlin',
        enabled: true,
        nextRunAt: T0,
        lastRunAt: null,
        failures: 0,
      })
      expect((await store.schedules.listForQuery('bugs')).map((s) => s.name)).toEqual(['hourly'])
    })

    test('a taken name is QUARRY_SCHEDULE_EXISTS; a missing query is QUARRY_QUERY_NOT_FOUND', async () => {
      const store = await target().open()
      await withQuery(store)
      await store.schedules.create(input())
      await expect(store.schedules.create(input())).rejects.toMatchObject({ code: 'QUARRY_SCHEDULE_EXISTS' })
      await expect(store.schedules.create(input({ name: 'other', query: 'nothing' }))).rejects.toMatchObject({
        code: 'QUARRY_QUERY_NOT_FOUND',
      })
      await expect(store.schedules.remove('nowhere')).rejects.toMatchObject({
        code: 'QUARRY_SCHEDULE_NOT_FOUND',
      })
    })

    test('due lists enabled schedules whose time has come, earliest first', async () => {
      const store = await target().open()
      await withQuery(store)
      await store.schedules.create(input({ name: 'late', nextRunAt: LATER }))
      await store.schedules.create(input({ name: 'early', nextRunAt: T0 }))
      await store.schedules.create(input({ name: 'off', enabled: false, nextRunAt: T0 }))
      await store.schedules.create(input({ name: 'future', nextRunAt: new Date('2026-12-04T00:00:00Z') }))
      expect((await store.schedules.due(LATER, 10)).map((s) => s.name)).toEqual(['early', 'late'])
      expect((await store.schedules.due(T0, 10)).map((s) => s.name)).toEqual(['early'])
    })

    test('of two stores claiming the same tick, exactly one wins; the next tick is claimed afresh', async () => {
      const one = await target().open()
      const two = await target().open()
      await withQuery(one)
      await one.schedules.create(input())
      const claims = await Promise.all([
        one.schedules.claim('hourly', T0, 'one', T0, LONG_AGO),
        two.schedules.claim('hourly', T0, 'two', T0, LONG_AGO),
        one.schedules.claim('hourly', T0, 'three', T0, LONG_AGO),
      ])
      expect(claims.filter(Boolean)).toHaveLength(1)
      expect(await two.schedules.claim('hourly', LATER, 'two', LATER, LONG_AGO)).toBe(true)
    })

    test('claimMany: two stores claiming the same burst split it, each tick won exactly once', async () => {
      const one = await target().open()
      const two = await target().open()
      await withQuery(one)
      const names = ['a', 'b', 'c', 'd', 'e', 'f']
      for (const name of names) await one.schedules.create(input({ name }))
      const ticks = names.map((name) => ({ name, fireAt: T0 }))
      const [first, second] = await Promise.all([
        one.schedules.claimMany(ticks, 'one', T0, LONG_AGO),
        two.schedules.claimMany([...ticks].reverse(), 'two', T0, LONG_AGO),
      ])
      expect([...first].filter((key) => second.has(key))).toEqual([])
      expect([...first, ...second].sort()).toEqual(names.map((name) => `${name}@${T0.toISOString()}`))
      // A removed schedule in the burst: the others are still claimed.
      await one.schedules.remove('a')
      const next = await one.schedules.claimMany(
        ['a', 'b'].map((name) => ({ name, fireAt: LATER })),
        'one',
        LATER,
        LONG_AGO,
      )
      expect([...next]).toEqual([`b@${LATER.toISOString()}`])
    })

    test('an unfinished claim older than the stale time is taken over once; a finished one never', async () => {
      const store = await target().open()
      await withQuery(store)
      await store.schedules.create(input())
      expect(await store.schedules.claim('hourly', T0, 'dead', T0, LONG_AGO)).toBe(true)
      // Still fresh: not taken.
      expect(await store.schedules.claim('hourly', T0, 'alive', LATER, LONG_AGO)).toBe(false)
      // Stale (started before LATER): one takeover, then it is fresh again.
      expect(await store.schedules.claim('hourly', T0, 'alive', LATER, LATER)).toBe(true)
      expect(await store.schedules.claim('hourly', T0, 'third', LATER, LATER)).toBe(false)
      await store.schedules.finish('hourly', T0, {
        finishedAt: LATER,
        status: 'ok',
        rowCount: 3,
        failures: 0,
        nextRunAt: new Date('2026-12-03T10:00:00Z'),
      })
      const far = new Date('2030-01-01T00:00:00Z')
      expect(await store.schedules.claim('hourly', T0, 'fourth', far, far)).toBe(false)
      expect((await store.schedules.runs('hourly', 5)).map((r) => r.holder)).toEqual(['alive'])
    })

    test('finish records the run and the schedule: a success, then a failure keeps the last error', async () => {
      const store = await target().open()
      await withQuery(store)
      await store.schedules.create(input())
      await store.schedules.claim('hourly', T0, 'me', T0, LONG_AGO)
      const ten = new Date('2026-12-03T10:00:00Z')
      await store.schedules.finish('hourly', T0, {
        finishedAt: LATER,
        status: 'ok',
        rowCount: 7,
        failures: 0,
        nextRunAt: ten,
      })
      expect(await store.schedules.get('hourly')).toMatchObject({
        lastRunAt: LATER,
        lastStatus: 'ok',
        lastRowCount: 7,
        nextRunAt: ten,
        lastError: null,
      })
      await store.schedules.claim('hourly', ten, 'me', ten, LONG_AGO)
      const failedAt = new Date('2026-12-03T10:00:02Z')
      const retry = new Date('2026-12-03T10:00:32Z')
      await store.schedules.finish('hourly', ten, {
        finishedAt: failedAt,
        status: 'failed',
        error: { code: 'QUARRY_RATE_LIMITED', message: 'Jira answered 429.' },
        failures: 1,
        nextRunAt: retry,
      })
      expect(await store.schedules.get('hourly')).toMatchObject({
        lastStatus: 'failed',
        lastRowCount: 7,
        lastError: 'Jira answered 429.',
        lastErrorCode: 'QUARRY_RATE_LIMITED',
        lastErrorAt: failedAt,
        failures: 1,
        nextRunAt: retry,
      })
      expect((await store.schedules.runs('hourly', 5)).map((r) => [r.status, r.rowCount, r.error])).toEqual([
        ['failed', null, 'Jira answered 429. (QUARRY_RATE_LIMITED)'],
        ['ok', 7, null],
      ])
    })

    test('an edit made while a run was going keeps its next run when the run finishes', async () => {
      const store = await target().open()
      await withQuery(store)
      await store.schedules.create(input())
      await store.schedules.claim('hourly', T0, 'me', T0, LONG_AGO)
      const edited = new Date('2026-12-03T09:15:00Z')
      await store.schedules.update('hourly', { cron: '*/15 * * * *', nextRunAt: edited })
      await store.schedules.finish('hourly', T0, {
        finishedAt: LATER,
        status: 'ok',
        rowCount: 1,
        failures: 0,
        nextRunAt: new Date('2026-12-03T10:00:00Z'),
      })
      expect((await store.schedules.get('hourly'))?.nextRunAt).toEqual(edited)
    })

    test('pruneRuns keeps the newest runs; removing the query removes its schedules and runs', async () => {
      const store = await target().open()
      await withQuery(store)
      await store.schedules.create(input())
      for (let minute = 0; minute < 5; minute += 1) {
        const at = new Date(T0.getTime() + minute * 60_000)
        await store.schedules.claim('hourly', at, 'me', at, LONG_AGO)
        await store.schedules.finish('hourly', at, {
          finishedAt: at,
          status: 'ok',
          failures: 0,
          nextRunAt: null,
        })
      }
      expect(await store.schedules.pruneRuns('hourly', 2)).toBe(3)
      expect((await store.schedules.runs('hourly', 10)).map((r) => r.fireAt.getUTCMinutes())).toEqual([4, 3])
      await store.queries.remove('bugs')
      expect(await store.schedules.list()).toEqual([])
      expect(await store.schedules.claim('hourly', LATER, 'me', LATER, LONG_AGO)).toBe(false)
    })
  })
}
