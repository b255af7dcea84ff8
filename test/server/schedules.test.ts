import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'
import { startHttpReceiver } from '../notify/receivers.js'
import { AlertSchema, splitAlertSecrets } from '../../src/domain/alert.js'

/**
 * Schedules through the HTTP API (issue 16): defined by editors, shown with next run, last run and
 * last error, run now; and a scheduled query's view is served from the result its schedule left.
 */

let upstream: Upstream
let server: TestServer
let editor: Browser
let failing = false

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (failing) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '90' })
      res.end('{"errorMessages":["Rate limit exceeded."]}')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify([{ key: 'OPS-1', asked: req.url }]))
  })
  server = await startTestServer()
  await server.engine.addDatasource({ name: 'api', type: 'rest', baseUrl: upstream.url })
  await server.engine.addQuery({
    name: 'bugs',
    datasource: 'api',
    path: '/bugs?project=:project',
    params: [{ name: 'project', default: 'WEB' }],
  })
  editor = await server.signIn('eve', 'editor')
})
afterAll(async () => {
  await server.close()
  await upstream.close()
})
beforeEach(async () => {
  failing = false
  for (const schedule of await server.engine.store.schedules.list())
    await server.engine.store.schedules.remove(schedule.name)
})

function create(body: object) {
  return server.as(editor, { method: 'POST', url: '/api/schedules', payload: body })
}

describe('the schedules API', () => {
  it('creates a schedule and answers it with its next run in its time zone', async () => {
    const created = await create({
      name: 'mornings',
      query: 'bugs',
      params: { project: 'OPS' },
      cron: '0 9 * * 1-5',
      timeZone: 'America/New_York',
    })
    expect(created.statusCode).toBe(201)
    const body = created.json()
    expect(body).toMatchObject({ name: 'mornings', enabled: true, lastRunAt: null, failures: 0 })
    // 09:00 in New York is 14:00 UTC in winter (13:00 in summer).
    expect(new Date(body.nextRunAt).getUTCHours()).toBeGreaterThanOrEqual(13)
    const listed = (await server.as(editor, { url: '/api/schedules' })).json()
    expect(listed.map((s: { name: string }) => s.name)).toEqual(['mornings'])
  })

  it('refuses a bad cron pattern and an unknown time zone, naming the field', async () => {
    const bad = await create({ name: 'x', query: 'bugs', cron: '0 9 * *', timeZone: 'Mars/Base' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('QUARRY_CONFIG_INVALID')
    expect(bad.json().error.message).toMatch(/cron/i)
    expect(bad.json().error.message).toMatch(/time zone/)
  })

  it('refuses parameter values the query would refuse when it runs', async () => {
    await server.engine.addQuery({
      name: 'limited',
      datasource: 'api',
      path: '/bugs?n=:n',
      params: [{ name: 'n', type: 'integer' }],
    })
    const bad = await create({ name: 'x', query: 'limited', params: { n: 'ten' }, cron: '* * * * *' })
    expect(bad.json().error.code).toBe('QUARRY_PARAM_TYPE')
  })

  it('runs now, then shows last run and row count; a 429 shows as last error with the retry', async () => {
    await create({ name: 'hourly', query: 'bugs', params: { project: 'OPS' }, cron: '0 * * * *' })
    const run = await server.as(editor, { method: 'POST', url: '/api/schedules/hourly/run' })
    expect(run.json()).toMatchObject({ status: 'ok', rowCount: 1, error: null })
    failing = true
    const failed = (await server.as(editor, { method: 'POST', url: '/api/schedules/hourly/run' })).json()
    expect(failed.status).toBe('failed')
    expect(failed.error).toContain('QUARRY_RATE_LIMITED')
    const detail = (await server.as(editor, { url: '/api/schedules/hourly' })).json()
    expect(detail).toMatchObject({
      lastStatus: 'failed',
      lastErrorCode: 'QUARRY_RATE_LIMITED',
      lastRowCount: 1,
    })
    expect(detail.lastErrorAt).toEqual(expect.any(String))
    expect(detail.runs.map((r: { status: string }) => r.status)).toEqual(['failed', 'ok'])
  })

  it('edits a schedule: a disabled one has no next run; an unknown name is QUARRY_SCHEDULE_NOT_FOUND', async () => {
    await create({ name: 'hourly', query: 'bugs', cron: '0 * * * *' })
    const off = await server.as(editor, {
      method: 'PUT',
      url: '/api/schedules/hourly',
      payload: { enabled: false },
    })
    expect(off.json()).toMatchObject({ enabled: false, nextRunAt: null, cron: '0 * * * *' })
    const missing = await server.as(editor, { method: 'PUT', url: '/api/schedules/nope', payload: {} })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error.code).toBe('QUARRY_SCHEDULE_NOT_FOUND')
    expect((await server.as(editor, { method: 'DELETE', url: '/api/schedules/hourly' })).statusCode).toBe(204)
  })
})

describe('a scheduled view', () => {
  it('is served from the refreshed result without asking the upstream; an unscheduled one asks', async () => {
    await create({ name: 'hourly', query: 'bugs', params: { project: 'OPS' }, cron: '0 * * * *' })
    await server.as(editor, { method: 'POST', url: '/api/schedules/hourly/run' })
    const before = upstream.hits
    const view = await server.as(editor, { url: '/v/bugs?project=OPS' })
    expect(view.statusCode).toBe(200)
    expect(view.body).toContain('OPS-1')
    const rows = await server.as(editor, { url: '/v/bugs/rows.json?project=OPS' })
    expect(rows.json()).toEqual([{ key: 'OPS-1', asked: '/bugs?project=OPS' }])
    expect(upstream.hits).toBe(before)
    // Other parameters were not scheduled: that view asks the upstream.
    await server.as(editor, { url: '/v/bugs?project=WEB' })
    expect(upstream.hits).toBe(before + 1)
  })
})

describe("a schedule's alerts", () => {
  it("are checked on each run of the alert's query and parameters, notifying once per change", async () => {
    const receiver = await startHttpReceiver()
    try {
      const alert = AlertSchema.parse({
        name: 'ops-has-bugs',
        query: 'bugs',
        params: { project: 'OPS' },
        condition: { kind: 'column', column: 'key', op: '=', value: 'OPS-1', quantifier: 'exists' },
        channels: [{ type: 'webhook', url: receiver.url, secret: 'whsec-0123456789abcdef' }],
      })
      await server.engine.store.alerts.create({
        name: alert.name,
        query: alert.query,
        ...splitAlertSecrets(alert),
      })
      await create({ name: 'hourly', query: 'bugs', params: { project: 'OPS' }, cron: '0 * * * *' })
      for (let run = 0; run < 2; run++) {
        expect(
          (await server.as(editor, { method: 'POST', url: '/api/schedules/hourly/run' })).statusCode,
        ).toBe(200)
      }
      expect((await server.engine.store.alerts.get('ops-has-bugs'))?.state).toBe('firing')
      await waitFor(() => receiver.received.length >= 1)
      // The second run found the same state: no second notice.
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(receiver.received).toHaveLength(1)
      expect(JSON.parse(receiver.received[0]?.body ?? '{}')).toMatchObject({
        alert: 'ops-has-bugs',
        event: 'firing',
        previous: 'ok',
      })
    } finally {
      await server.engine.store.alerts.remove('ops-has-bugs')
      await receiver.close()
    }
  })
})

async function waitFor(condition: () => boolean): Promise<void> {
  for (let tries = 0; !condition(); tries++) {
    if (tries > 100) throw new Error('the condition never held')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('a schedule that takes snapshots', () => {
  it('freezes the rows of each run as a snapshot taken by the schedule; one without the switch takes none', async () => {
    const before = (await server.engine.store.snapshots.list('bugs')).length
    await create({ name: 'plain', query: 'bugs', params: { project: 'WEB' }, cron: '0 * * * *' })
    await server.as(editor, { method: 'POST', url: '/api/schedules/plain/run' })
    expect(await server.engine.store.snapshots.list('bugs')).toHaveLength(before)

    const created = await create({
      name: 'nightly',
      query: 'bugs',
      params: { project: 'OPS' },
      cron: '0 2 * * *',
      snapshot: true,
    })
    expect(created.json()).toMatchObject({ snapshot: true })
    await server.as(editor, { method: 'POST', url: '/api/schedules/nightly/run' })
    const [taken] = await server.engine.store.snapshots.list('bugs')
    expect(taken).toMatchObject({ takenBy: 'schedule:nightly', params: { project: 'OPS' }, rowCount: 1 })
    expect(
      JSON.parse((await server.engine.store.snapshots.rowsJson('bugs', taken?.id ?? '')) ?? '[]'),
    ).toEqual([{ key: 'OPS-1', asked: '/bugs?project=OPS' }])
  })
})
