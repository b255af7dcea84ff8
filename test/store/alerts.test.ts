import { describe, expect, test } from 'vitest'
import { AlertSchema, joinAlertSecrets, splitAlertSecrets } from '../../src/domain/alert.js'
import { DatasourceSchema, splitSecrets } from '../../src/domain/datasource.js'
import { ALERT_EVENTS_KEPT } from '../../src/store/alert-repo.js'
import type { Store } from '../../src/store/index.js'
import { DIALECTS, useStoreTarget } from './harness.js'

/** Issue 16, done-when 3: alerts in the store (migration 0007_alerts), on both dialects. */

const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/STORESECRET'

const alert = AlertSchema.parse({
  name: 'blockers',
  query: 'open-issues',
  params: { project: 'DEMO' },
  condition: { kind: 'column', column: 'Priority', op: '=', value: 'Blocker' },
  channels: [{ type: 'slack', url: SLACK_URL }],
})

async function withQuery(store: Store, name = 'open-issues'): Promise<void> {
  if ((await store.datasources.get('api')) === undefined) {
    const { config, secrets } = splitSecrets(
      DatasourceSchema.parse({ type: 'rest', name: 'api', baseUrl: 'https://api.example.com' }),
    )
    await store.datasources.create({ name: 'api', type: 'rest', config, secrets })
  }
  await store.queries.create({ name, datasource: 'api', definition: { path: '/issues' } })
}

async function created(store: Store) {
  await withQuery(store)
  return store.alerts.create({ name: alert.name, query: alert.query, ...splitAlertSecrets(alert) })
}

const check = (state: 'ok' | 'firing' | 'error', at: string) => ({
  state,
  condition: state === 'error' ? null : state,
  error: state === 'error' ? 'the API answered 500' : null,
  at: new Date(at),
  summary: `${state} at ${at}`,
})

for (const dialect of DIALECTS) {
  describe(`alerts (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('an alert is stored with its secrets encrypted, starts ok, and reads back whole', async () => {
      const store = await target().open()
      const stored = await created(store)
      expect(stored).toMatchObject({ state: 'ok', notifiedState: 'ok', lastCheckedAt: null, lastError: null })
      expect(joinAlertSecrets(stored.config, stored.secrets)).toEqual(alert)
      expect(await store.alerts.list()).toHaveLength(1)
      expect(await target().rawText()).not.toContain('STORESECRET')
    })

    test('a taken name, a missing query and a missing alert are coded errors', async () => {
      const store = await target().open()
      await created(store)
      await expect(created(store)).rejects.toMatchObject({ code: 'QUARRY_QUERY_EXISTS' })
      await expect(
        store.alerts.create({ name: 'blockers', query: 'open-issues', ...splitAlertSecrets(alert) }),
      ).rejects.toMatchObject({
        code: 'QUARRY_ALERT_EXISTS',
      })
      await expect(
        store.alerts.create({ name: 'other', query: 'nope', ...splitAlertSecrets(alert) }),
      ).rejects.toMatchObject({
        code: 'QUARRY_QUERY_NOT_FOUND',
      })
      await expect(store.alerts.remove('nope')).rejects.toMatchObject({ code: 'QUARRY_ALERT_NOT_FOUND' })
      await expect(store.alerts.update('nope', { config: {} })).rejects.toMatchObject({
        code: 'QUARRY_ALERT_NOT_FOUND',
      })
    })

    test('a check that changes the condition is told once, writes the change event, and stamps the times', async () => {
      const store = await target().open()
      await created(store)
      const first = await store.alerts.recordCheck('blockers', check('firing', '2026-12-03T10:00:00.000Z'))
      expect(first).toMatchObject({ changed: true, previous: 'ok' })
      const again = await store.alerts.recordCheck('blockers', check('firing', '2026-12-03T10:05:00.000Z'))
      expect(again).toMatchObject({ changed: false, previous: 'firing', eventId: undefined })
      const stored = await store.alerts.get('blockers')
      expect(stored).toMatchObject({ state: 'firing', notifiedState: 'firing' })
      expect(stored?.lastChangedAt?.toISOString()).toBe('2026-12-03T10:00:00.000Z')
      expect(stored?.lastCheckedAt?.toISOString()).toBe('2026-12-03T10:05:00.000Z')
      const events = await store.alerts.events('blockers', 10)
      expect(events.map((e) => [e.kind, e.from, e.to, e.deliveries])).toEqual([
        ['change', 'ok', 'firing', null],
      ])
      await store.alerts.setDeliveries(first.eventId!, [
        { channel: 'slack hooks.slack.com', ok: true, attempts: [] },
      ])
      expect((await store.alerts.events('blockers', 10))[0]?.deliveries).toEqual([
        { channel: 'slack hooks.slack.com', ok: true, attempts: [] },
      ])
    })

    test('an error between two firing checks is recorded and changes nothing to tell', async () => {
      const store = await target().open()
      await created(store)
      await store.alerts.recordCheck('blockers', check('firing', '2026-12-03T10:00:00.000Z'))
      const failed = await store.alerts.recordCheck('blockers', check('error', '2026-12-03T10:05:00.000Z'))
      expect(failed.changed).toBe(false)
      expect(await store.alerts.get('blockers')).toMatchObject({
        state: 'error',
        notifiedState: 'firing',
        lastError: 'the API answered 500',
      })
      const back = await store.alerts.recordCheck('blockers', check('firing', '2026-12-03T10:10:00.000Z'))
      expect(back).toMatchObject({ changed: false, previous: 'error' })
      expect(await store.alerts.get('blockers')).toMatchObject({ state: 'firing', lastError: null })
    })

    test('of two stores checking the same change at once, exactly one is told to notify', async () => {
      const one = await target().open()
      const two = await target().open()
      await created(one)
      const outcomes = await Promise.all([
        one.alerts.recordCheck('blockers', check('firing', '2026-12-03T10:00:00.000Z')),
        two.alerts.recordCheck('blockers', check('firing', '2026-12-03T10:00:00.000Z')),
      ])
      expect(outcomes.filter((outcome) => outcome.changed)).toHaveLength(1)
      expect(await one.alerts.events('blockers', 10)).toHaveLength(1)
    })

    test("keeps an alert's latest events only", async () => {
      const store = await target().open()
      await created(store)
      const base = Date.parse('2026-12-03T00:00:00.000Z')
      for (let n = 0; n < ALERT_EVENTS_KEPT + 5; n++) {
        await store.alerts.addEvent({
          alert: 'blockers',
          at: new Date(base + n * 1000),
          kind: 'test',
          from: 'ok',
          to: 'ok',
          summary: `test ${n}`,
          deliveries: null,
        })
      }
      const events = await store.alerts.events('blockers', 1000)
      expect(events).toHaveLength(ALERT_EVENTS_KEPT)
      expect(events[0]?.summary).toBe(`test ${ALERT_EVENTS_KEPT + 4}`)
      expect(events.at(-1)?.summary).toBe('test 5')
    })

    test('renaming the query carries its alerts along; removing it takes them and their events', async () => {
      const store = await target().open()
      await created(store)
      await store.alerts.recordCheck('blockers', check('firing', '2026-12-03T10:00:00.000Z'))
      await store.queries.update('open-issues', { name: 'open-bugs' })
      expect((await store.alerts.get('blockers'))?.query).toBe('open-bugs')
      await store.queries.remove('open-bugs')
      expect(await store.alerts.list()).toEqual([])
      expect(await store.alerts.events('blockers', 10)).toEqual([])
    })
  })
}
