import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ScheduleSchema } from '../../src/domain/schedule.js'
import { runQuery } from '../../src/engine/index.js'
import { createSchedule, retryAt, Scheduler, type ScheduleRunEvent } from '../../src/schedule/index.js'
import { StoreError, type ScheduleRepo, type DatasourceRepo } from '../../src/store/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

/**
 * The scheduler (issue 16) against a real HTTP upstream and a real store, on a clock the test moves:
 * a due tick runs once, refreshes the cached result views read, backs off after a failure (a 429's
 * Retry-After as its minimum) and tells its listeners.
 */

/** What the upstream answers next: rows, a 429 with Retry-After, or a 500. */
let answer: { status: 200; rows: unknown[] } | { status: 429; retryAfter: string } | { status: 500 }
let upstream: Upstream
let engine: TestEngine
let clock: Date
let scheduler: Scheduler
let events: ScheduleRunEvent[]

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (answer.status === 200) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(answer.rows.map((row) => ({ ...(row as object), url: req.url }))))
    } else if (answer.status === 429) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': answer.retryAfter })
      res.end('{"errorMessages":["Rate limit exceeded."]}')
    } else {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end('{"errorMessages":["Internal server error"]}')
    }
  })
})
afterAll(async () => {
  await upstream.close()
})

beforeEach(async () => {
  answer = { status: 200, rows: [{ key: 'OPS-1' }, { key: 'OPS-2' }] }
  clock = new Date('2026-12-03T09:00:00.400Z')
  // No retries inside a run: the schedule's own backoff is what is tested.
  engine = await startTestEngine({
    now: () => clock.getTime(),
    retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, maxTotalWaitMs: 0 },
  })
  await engine.addDatasource({ name: 'api', type: 'rest', baseUrl: upstream.url })
  await engine.addQuery({
    name: 'bugs',
    datasource: 'api',
    path: '/bugs?project=:project',
    params: [{ name: 'project', default: 'WEB' }],
  })
  scheduler = new Scheduler({ deps: () => engine, now: () => clock })
  events = []
  scheduler.onRun((event) => {
    events.push(event)
  })
  upstream.hits = 0
})
afterEach(async () => {
  await scheduler.stop()
  await engine.close()
})

async function hourly(params: Record<string, string> = { project: 'OPS' }) {
  // Defined at 08:30: its first run is 09:00 UTC.
  const schedule = ScheduleSchema.parse({ name: 'hourly', query: 'bugs', params, cron: '0 * * * *' })
  return createSchedule(engine.store, schedule, new Date('2026-12-03T08:30:00Z'))
}

async function tickAndWait(): Promise<number> {
  const claimed = await scheduler.tick()
  await scheduler.idle()
  return claimed
}

describe('a due schedule', () => {
  it('runs once at its time with its parameters, and its next run is the next cron time', async () => {
    await hourly()
    expect(await tickAndWait()).toBe(1)
    expect(await tickAndWait()).toBe(0)
    expect(upstream.hits).toBe(1)
    const saved = await engine.store.schedules.get('hourly')
    expect(saved).toMatchObject({ lastStatus: 'ok', lastRowCount: 2, failures: 0 })
    expect(saved?.nextRunAt?.toISOString()).toBe('2026-12-03T10:00:00.000Z')
    expect(JSON.parse(events[0]?.result?.rowsJson ?? '[]')).toEqual([
      { key: 'OPS-1', url: '/bugs?project=OPS' },
      { key: 'OPS-2', url: '/bugs?project=OPS' },
    ])
  })

  it('does not run before its time', async () => {
    await hourly()
    clock = new Date('2026-12-03T08:59:59.900Z')
    expect(await tickAndWait()).toBe(0)
    expect(upstream.hits).toBe(0)
  })

  it('leaves the result a run with the same parameters reads, fresh until after its next run', async () => {
    await hourly()
    await tickAndWait()
    const read = () => runQuery(engine, { query: 'bugs', params: { project: 'OPS' }, readCache: true })
    clock = new Date('2026-12-03T09:59:59.000Z')
    expect(await read()).toMatchObject({ fromCache: true, rowCount: 2 })
    // Other parameters are another result.
    expect(
      await runQuery(engine, { query: 'bugs', params: { project: 'WEB' }, readCache: true }),
    ).toMatchObject({
      fromCache: false,
    })
    expect(upstream.hits).toBe(2)
  })
})

describe('a failing schedule', () => {
  it('records its error and time, and tries again after the Retry-After of a 429', async () => {
    await hourly()
    answer = { status: 429, retryAfter: '120' }
    await tickAndWait()
    const saved = await engine.store.schedules.get('hourly')
    expect(saved).toMatchObject({ lastStatus: 'failed', lastErrorCode: 'QUARRY_RATE_LIMITED', failures: 1 })
    expect(saved?.lastError).toContain('429')
    expect(saved?.lastErrorAt).toEqual(clock)
    // 120 s (the Retry-After), not the 30 s of a first backoff.
    expect(saved?.nextRunAt?.getTime()).toBe(clock.getTime() + 120_000)
    expect(events[0]?.error?.code).toBe('QUARRY_RATE_LIMITED')
  })

  it('backs off doubling, and a success ends the streak at the next cron time', async () => {
    await hourly()
    answer = { status: 500 }
    await tickAndWait()
    const first = await engine.store.schedules.get('hourly')
    expect(first?.nextRunAt?.getTime()).toBe(clock.getTime() + 30_000)
    clock = first?.nextRunAt ?? clock
    await tickAndWait()
    const second = await engine.store.schedules.get('hourly')
    expect(second?.failures).toBe(2)
    expect(second?.nextRunAt?.getTime()).toBe(clock.getTime() + 60_000)
    clock = second?.nextRunAt ?? clock
    answer = { status: 200, rows: [{ key: 'OPS-3' }] }
    await tickAndWait()
    expect(await engine.store.schedules.get('hourly')).toMatchObject({
      lastStatus: 'ok',
      failures: 0,
      lastRowCount: 1,
      // The last error stays visible after the success.
      lastErrorCode: 'QUARRY_UPSTREAM_STATUS',
      nextRunAt: new Date('2026-12-03T10:00:00.000Z'),
    })
    expect(upstream.hits).toBe(3)
  })

  it('waits for the first cron time after its backoff when the backoff passes the next one', () => {
    const now = new Date('2026-12-03T09:00:10Z')
    // Every minute; the 5th failure waits 8 minutes: the minute at or after 09:08:10 is 09:09.
    expect(retryAt({ cron: '* * * * *', timeZone: 'UTC', failures: 5, now })?.toISOString()).toBe(
      '2026-12-03T09:09:00.000Z',
    )
  })
})

/** A repository whose `method` fails once as a store out of reach does (issue 18), then works again. */
function unreachableOnce<R extends object>(repo: R, method: keyof R & string): void {
  const real = (repo[method] as (...args: unknown[]) => unknown).bind(repo)
  let failed = false
  Object.assign(repo, {
    [method]: (...args: unknown[]) => {
      if (failed) return real(...args)
      failed = true
      return Promise.reject(new StoreError('QUARRY_STORE_UNREACHABLE', 'PostgreSQL is down.'))
    },
  })
}

describe('a store outage', () => {
  it("records a run whose end the store missed at the next tick, so the next cron time's run is not held up", async () => {
    await hourly()
    unreachableOnce(engine.store.schedules as ScheduleRepo, 'finish')
    await tickAndWait()
    expect(await engine.store.schedules.runs('hourly', 1)).toMatchObject([{ status: null }])
    await tickAndWait()
    expect(await engine.store.schedules.runs('hourly', 1)).toMatchObject([{ status: 'ok' }])
    clock = new Date('2026-12-03T10:00:00.400Z')
    expect(await tickAndWait()).toBe(1)
    expect(upstream.hits).toBe(2)
  })

  it('does not back a schedule off, nor count a failure, when its run failed because the store was out of reach', async () => {
    await hourly()
    unreachableOnce(engine.store.datasources as DatasourceRepo, 'get')
    await tickAndWait()
    const saved = await engine.store.schedules.get('hourly')
    expect(saved).toMatchObject({
      lastStatus: 'failed',
      lastErrorCode: 'QUARRY_STORE_UNREACHABLE',
      failures: 0,
    })
    expect(saved?.nextRunAt?.toISOString()).toBe('2026-12-03T10:00:00.000Z')
  })
})

describe('listeners and manual runs', () => {
  it('a manual run records its outcome and keeps the next cron time; a failing listener harms nothing', async () => {
    await hourly()
    scheduler.onRun(() => {
      throw new Error('a listener bug')
    })
    clock = new Date('2026-12-03T08:45:00Z')
    const event = await scheduler.runNow('hourly')
    expect(event).toMatchObject({ manual: true, query: 'bugs', params: { project: 'OPS' } })
    expect(event.result?.rowCount).toBe(2)
    expect(await engine.store.schedules.get('hourly')).toMatchObject({
      lastStatus: 'ok',
      nextRunAt: new Date('2026-12-03T09:00:00.000Z'),
    })
    expect(events).toHaveLength(1)
  })

  it('a schedule in another time zone fires at its local time', async () => {
    const schedule = ScheduleSchema.parse({
      name: 'berlin',
      query: 'bugs',
      cron: '0 9 * * *',
      timeZone: 'Europe/Berlin',
    })
    const saved = await createSchedule(engine.store, schedule, new Date('2026-12-03T07:00:00Z'))
    // 09:00 in Berlin in winter is 08:00 UTC.
    expect(saved.nextRunAt?.toISOString()).toBe('2026-12-03T08:00:00.000Z')
  })
})
