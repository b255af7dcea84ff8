import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ScheduleSchema } from '../../src/domain/schedule.js'
import { createSchedule } from '../../src/schedule/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { serveProcess, stopProcess } from '../helpers/serve-process.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

/**
 * Issue 16: two `quarry serve` processes on one PostgreSQL run each tick of a schedule exactly once —
 * not twice (a duplicate would reach the upstream twice) and not zero times (no tick is skipped).
 * Four schedules fire every 2 seconds for about 10 seconds while both servers tick.
 */

const SCHEDULES = 4
let schema: TestSchema
let upstream: Upstream
let engine: TestEngine
let dataDir: string
/** Upstream requests by schedule (its `s` parameter). */
const hitsBy = new Map<string, number>()
const servers: ChildProcess[] = []

const serve = async () => (await serveProcess({ databaseUrl: schema.url, dataDir })).child

beforeAll(async () => {
  schema = await createTestSchema()
  dataDir = mkdtempSync(join(tmpdir(), 'quarry-schedule-servers-'))
  upstream = await startUpstream((req, res) => {
    const s = new URL(req.url ?? '/', 'http://local').searchParams.get('s') ?? '?'
    hitsBy.set(s, (hitsBy.get(s) ?? 0) + 1)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify([{ s }]))
  })
  engine = await startTestEngine({}, { databaseUrl: schema.url })
  await engine.addDatasource({ name: 'api', type: 'rest', baseUrl: upstream.url })
  await engine.addQuery({ name: 'tick', datasource: 'api', path: '/tick?s=:s', params: [{ name: 's' }] })
}, 30_000)
afterAll(async () => {
  await Promise.all(servers.map((child) => stopProcess(child)))
  await engine.close()
  await upstream.close()
  await schema.drop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('two servers on one PostgreSQL', () => {
  it('run every tick of every schedule exactly once', async () => {
    servers.push(await serve(), await serve())
    for (let i = 1; i <= SCHEDULES; i += 1) {
      const schedule = ScheduleSchema.parse({
        name: `every-2s-${i}`,
        query: 'tick',
        params: { s: String(i) },
        cron: '*/2 * * * * *',
      })
      await createSchedule(engine.store, schedule)
    }
    await new Promise((resolve) => setTimeout(resolve, 10_000))
    // Switched off, then both stopped: no run is cut short by the count.
    for (let i = 1; i <= SCHEDULES; i += 1)
      await engine.store.schedules.update(`every-2s-${i}`, { enabled: false, nextRunAt: null })
    await Promise.all(servers.splice(0).map((child) => stopProcess(child)))

    const holders = new Set<string>()
    for (let i = 1; i <= SCHEDULES; i += 1) {
      const runs = await engine.store.schedules.runs(`every-2s-${i}`, 100)
      for (const run of runs) holders.add(run.holder)
      const fires = runs.map((run) => run.fireAt.getTime()).sort((a, b) => a - b)
      // About five ticks in ten seconds, each run once: as many upstream requests as runs …
      expect(fires.length).toBeGreaterThanOrEqual(3)
      expect(hitsBy.get(String(i))).toBe(fires.length)
      expect(runs.every((run) => run.status === 'ok')).toBe(true)
      // … and none skipped between the first and the last.
      for (let k = 1; k < fires.length; k += 1) expect((fires[k] ?? 0) - (fires[k - 1] ?? 0)).toBe(2000)
    }
    // Runs were claimed by the servers' schedulers (a random holder id each), not by anyone else.
    expect(holders.size).toBeGreaterThanOrEqual(1)
    expect(holders.size).toBeLessThanOrEqual(2)
  }, 60_000)
})
