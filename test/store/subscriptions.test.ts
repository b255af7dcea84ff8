import { describe, expect, test } from 'vitest'
import { DatasourceSchema, splitSecrets } from '../../src/domain/datasource.js'
import {
  joinSubscriptionSecrets,
  splitSubscriptionSecrets,
  SubscriptionSchema,
} from '../../src/domain/subscription.js'
import type { Store } from '../../src/store/index.js'
import { UNSUBSCRIBE_KEY } from '../../src/store/subscription-repo.js'
import { DIALECTS, useStoreTarget } from './harness.js'

/** Issue 16, done-when 4: subscriptions in the store (migration 0009_subscriptions), on both dialects. */

const subscription = SubscriptionSchema.parse({
  name: 'weekly',
  schedule: 'monday',
  to: ['ann@example.com', 'bob@example.com'],
  server: {
    host: 'smtp.example.com',
    port: 587,
    from: 'quarry@example.com',
    user: 'reports',
    password: 'SMTPSTORESECRET',
  },
  format: 'xlsx',
})

async function withSchedule(store: Store, name = 'monday'): Promise<void> {
  const { config, secrets } = splitSecrets(
    DatasourceSchema.parse({ type: 'rest', name: 'api', baseUrl: 'https://api.example.com' }),
  )
  await store.datasources.create({ name: 'api', type: 'rest', config, secrets })
  await store.queries.create({ name: 'bugs', datasource: 'api', definition: { path: '/bugs' } })
  await store.schedules.create({
    name,
    query: 'bugs',
    params: {},
    cron: '0 9 * * 1',
    timeZone: 'UTC',
    enabled: true,
    snapshot: false,
    nextRunAt: null,
  })
}

async function created(store: Store) {
  return store.subscriptions.create({
    name: 'weekly',
    schedule: 'monday',
    ...splitSubscriptionSecrets(subscription),
  })
}

for (const dialect of DIALECTS) {
  describe(`subscriptions (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('is stored with its SMTP login encrypted and an unsubscribe key of its own, and reads back whole', async () => {
      const store = await target().open()
      await withSchedule(store)
      const stored = await created(store)
      expect(joinSubscriptionSecrets(stored.config, stored.secrets)).toEqual(subscription)
      expect(stored.secrets[UNSUBSCRIBE_KEY]).toMatch(/^[\w-]{43}$/)
      expect(await store.subscriptions.forSchedule('monday')).toHaveLength(1)
      expect(await target().rawText()).not.toContain('SMTPSTORESECRET')
      expect(await target().rawText()).not.toContain(stored.secrets[UNSUBSCRIBE_KEY])
    })

    test('a taken name, a missing schedule and a missing subscription are coded errors', async () => {
      const store = await target().open()
      await withSchedule(store)
      await created(store)
      await expect(created(store)).rejects.toMatchObject({ code: 'QUARRY_SUBSCRIPTION_EXISTS' })
      await expect(
        store.subscriptions.create({ name: 'other', schedule: 'nope', config: {}, secrets: {} }),
      ).rejects.toMatchObject({ code: 'QUARRY_SCHEDULE_NOT_FOUND' })
      await expect(store.subscriptions.remove('nope')).rejects.toMatchObject({
        code: 'QUARRY_SUBSCRIPTION_NOT_FOUND',
      })
    })

    test('an address is removed in one update, the mailing outcome is recorded, and each change is audited', async () => {
      const store = await target().open()
      await withSchedule(store)
      await created(store)
      await store.subscriptions.updateConfig('weekly', (config) => ({
        ...(config as object),
        to: ['bob@example.com'],
      }))
      await store.subscriptions.recordSending(
        'weekly',
        new Date('2026-12-07T09:00:01Z'),
        'bob@example.com: refused',
      )
      const stored = await store.subscriptions.get('weekly')
      expect(joinSubscriptionSecrets(stored?.config, stored?.secrets ?? {}).to).toEqual(['bob@example.com'])
      expect(stored).toMatchObject({ lastError: 'bob@example.com: refused' })
      expect(stored?.lastSentAt?.toISOString()).toBe('2026-12-07T09:00:01.000Z')
      await store.subscriptions.remove('weekly')
      const audited = await store.audit.list({ kind: 'subscription' })
      expect(audited.map((entry) => entry.action).sort()).toEqual(['create', 'remove', 'update'])
      expect(JSON.stringify(audited)).not.toContain('SMTPSTORESECRET')
    })

    test('a subscription goes with its schedule', async () => {
      const store = await target().open()
      await withSchedule(store)
      await created(store)
      await store.schedules.remove('monday')
      expect(await store.subscriptions.list()).toEqual([])
    })
  })
}
