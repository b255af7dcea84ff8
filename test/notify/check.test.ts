import { afterEach, describe, expect, it } from 'vitest'
import { AlertSchema, splitAlertSecrets } from '../../src/domain/alert.js'
import { DatasourceSchema, splitSecrets } from '../../src/domain/datasource.js'
import type { RunResult } from '../../src/engine/index.js'
import {
  checkAlert,
  checkAlertsForRun,
  evaluateAlert,
  testAlert,
  type DeliveryReport,
} from '../../src/notify/index.js'
import type { Store } from '../../src/store/index.js'
import { useStoreTarget } from '../store/harness.js'
import { refusedPort, startHttpReceiver, type HttpReceiver } from './receivers.js'

/**
 * Issue 16, done-when 3: checking an alert against a run's result — a change of state notifies once,
 * no change notifies nobody, a dead receiver is retried and recorded without holding up another
 * alert, and the recorded outcome holds no secret.
 */

const WEBHOOK_SECRET = 'whsec-check-0123456789abcdef'
const FAST = { retry: { attempts: 3, baseDelayMs: 30, maxDelayMs: 200 } }

const receivers: HttpReceiver[] = []
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
})
async function receiver(answer?: (n: number) => number | 'stall'): Promise<HttpReceiver> {
  const started = await startHttpReceiver(answer)
  receivers.push(started)
  return started
}

function result(rows: object[]): RunResult {
  return {
    query: 'open-issues',
    rowsJson: JSON.stringify(rows),
    rowCount: rows.length,
    pages: 1,
    notices: [],
    fromCache: false,
    fetchedAt: new Date('2026-12-03T10:00:00.000Z'),
  }
}
const BLOCKER = [
  { Key: 'DEMO-1', Priority: 'Blocker' },
  { Key: 'DEMO-2', Priority: 'Minor' },
]
const CALM = [{ Key: 'DEMO-2', Priority: 'Minor' }]

async function storeWithAlert(
  store: Store,
  name: string,
  slackUrl: string,
  params: Record<string, string> = {},
) {
  if ((await store.queries.get('open-issues')) === undefined) {
    const { config, secrets } = splitSecrets(
      DatasourceSchema.parse({ type: 'rest', name: 'api', baseUrl: 'https://api.example.com' }),
    )
    await store.datasources.create({ name: 'api', type: 'rest', config, secrets })
    await store.queries.create({ name: 'open-issues', datasource: 'api', definition: { path: '/issues' } })
  }
  const alert = AlertSchema.parse({
    name,
    query: 'open-issues',
    params,
    condition: { kind: 'column', column: 'Priority', op: '=', value: 'Blocker', quantifier: 'exists' },
    channels: [{ type: 'slack', url: slackUrl }],
  })
  return store.alerts.create({ name, query: 'open-issues', ...splitAlertSecrets(alert) })
}

describe('evaluateAlert', () => {
  const alert = AlertSchema.parse({
    name: 'a',
    query: 'q',
    condition: { kind: 'row-count', op: '>', value: 1 },
    channels: [{ type: 'slack', url: 'https://hooks.slack.com/services/x' }],
  })
  it('counts rows without reading them, and says error for a column that no row has', () => {
    expect(evaluateAlert(alert, { ...result(BLOCKER), rowsJson: '' }).state).toBe('firing')
    const column = {
      ...alert,
      condition: {
        kind: 'column' as const,
        column: 'Prio',
        op: '=' as const,
        value: 'x',
        quantifier: 'exists' as const,
      },
    }
    expect(evaluateAlert(column, result(BLOCKER))).toMatchObject({
      state: 'error',
      error: expect.stringContaining('"Prio", which no row has'),
    })
  })
})

describe('checkAlert', () => {
  const target = useStoreTarget('sqlite')

  it('notifies once when the alert starts firing, not again while it fires, and once when it is ok again', async () => {
    const store = await target().open()
    const slack = await receiver()
    let stored = await storeWithAlert(store, 'blockers', `${slack.url}/services/T/B/SECRETPATH`)
    const steps: [object[], string, boolean][] = [
      [CALM, 'ok', false],
      [BLOCKER, 'firing', true],
      [BLOCKER, 'firing', false],
      [CALM, 'ok', true],
      [CALM, 'ok', false],
    ]
    for (const [rows, state, changed] of steps) {
      const check = await checkAlert(store, stored, result(rows), FAST)
      expect([check.state, check.changed]).toEqual([state, changed])
      await check.delivered
      stored = (await store.alerts.get('blockers'))!
    }
    expect(
      slack.received.map((got) => (JSON.parse(got.body) as { text: string }).text.split('\n')[0]),
    ).toEqual(['[Quarry] Alert "blockers" is firing', '[Quarry] Alert "blockers" is back to ok'])
    const events = await store.alerts.events('blockers', 10)
    expect(events.map((event) => [event.from, event.to])).toEqual([
      ['firing', 'ok'],
      ['ok', 'firing'],
    ])
    expect((events[0]?.deliveries as DeliveryReport[])[0]).toMatchObject({
      ok: true,
      attempts: [{ ok: true }],
    })
  })

  it('records a failed run as error, notifies nobody, and the next firing check after it does not notify twice', async () => {
    const store = await target().open()
    const slack = await receiver()
    const stored = await storeWithAlert(store, 'blockers', `${slack.url}/services/x`)
    await (
      await checkAlert(store, stored, result(BLOCKER), FAST)
    ).delivered
    const failed = await checkAlert(
      store,
      (await store.alerts.get('blockers'))!,
      new Error('GET https://api.example.com/issues answered 500.'),
    )
    expect(failed).toMatchObject({ state: 'error', changed: false })
    expect(await store.alerts.get('blockers')).toMatchObject({
      state: 'error',
      lastError: 'GET https://api.example.com/issues answered 500.',
    })
    const back = await checkAlert(store, (await store.alerts.get('blockers'))!, result(BLOCKER), FAST)
    expect(back.changed).toBe(false)
    expect(slack.received).toHaveLength(1)
  })

  it("records a dead receiver's every attempt without its URL, and does not hold up another alert of the same run", async () => {
    const store = await target().open()
    const live = await receiver()
    const stalled = await receiver(() => 'stall')
    const port = await refusedPort()
    await storeWithAlert(store, 'dead', `http://127.0.0.1:${port}/services/T/B/DEADSECRET`)
    await storeWithAlert(store, 'stalled', `${stalled.url}/services/T/B/STALLSECRET`)
    await storeWithAlert(store, 'live', `${live.url}/services/T/B/LIVESECRET`)
    await storeWithAlert(store, 'other-params', `${live.url}/services/x`, { project: 'OTHER' })
    const checks = await checkAlertsForRun(
      store,
      { query: 'open-issues', params: {}, result: result(BLOCKER) },
      { ...FAST, timeoutMs: 300 },
    )
    expect(checks.map((check) => [check.alert, check.changed]).sort()).toEqual([
      ['dead', true],
      ['live', true],
      ['stalled', true],
    ])
    const byName = Object.fromEntries(checks.map((check) => [check.alert, check]))
    let stalledDone = false
    void byName['stalled']!.delivered.then(() => (stalledDone = true))
    const [liveReport] = await byName['live']!.delivered
    expect(liveReport?.ok).toBe(true)
    expect(live.received).toHaveLength(1)
    expect(stalledDone).toBe(false)

    const [deadReport] = await byName['dead']!.delivered
    await byName['stalled']!.delivered
    expect(deadReport?.attempts.map((attempt) => attempt.ok)).toEqual([false, false, false])
    const recorded = JSON.stringify([
      ...(await store.alerts.events('dead', 5)),
      ...(await store.alerts.events('stalled', 5)),
      ...(await store.alerts.events('live', 5)),
    ])
    expect(recorded).toContain('refused the connection (ECONNREFUSED)')
    expect(recorded).toContain('did not answer within 300 ms')
    for (const secret of ['DEADSECRET', 'STALLSECRET', 'LIVESECRET']) expect(recorded).not.toContain(secret)
  })

  it('sends a test to every channel, recorded as a test event, leaving the state alone', async () => {
    const store = await target().open()
    const hook = await receiver()
    const alert = AlertSchema.parse({
      name: 'signed',
      query: 'open-issues',
      condition: { kind: 'row-count', op: '>', value: 0 },
      channels: [{ type: 'webhook', url: `${hook.url}/hook`, secret: WEBHOOK_SECRET }],
    })
    await storeWithAlert(store, 'placeholder', `${hook.url}/x`)
    const stored = await store.alerts.create({
      name: 'signed',
      query: 'open-issues',
      ...splitAlertSecrets(alert),
    })
    const reports = await testAlert(store, stored, FAST)
    expect(reports.map((report) => report.ok)).toEqual([true])
    expect(JSON.parse(hook.received[0]!.body)).toMatchObject({ event: 'test', alert: 'signed' })
    const [event] = await store.alerts.events('signed', 5)
    expect(event).toMatchObject({ kind: 'test', from: 'ok', to: 'ok' })
    expect(await store.alerts.get('signed')).toMatchObject({ state: 'ok', lastCheckedAt: null })
    expect(JSON.stringify(event)).not.toContain(WEBHOOK_SECRET)
  })
})
