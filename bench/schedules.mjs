// Schedules under load (issue 16, done-when 6): 1,000 schedules, each firing every 10 s (100 ticks
// a second), run by `quarry serve` on PostgreSQL — first one server, then two on the same store.
// Lag = when a run was claimed minus its cron time (from the claim rows); duplicates = upstream
// requests beyond one per claimed tick; missed = ticks skipped between a schedule's first and last.
//   npm run bench:schedules
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { DatasourceSchema, splitSecrets } from '../dist/domain/datasource.js'
import { QuerySchema, queryRowOf } from '../dist/domain/query.js'
import { ScheduleSchema } from '../dist/domain/schedule.js'
import { createSchedule } from '../dist/schedule/index.js'
import { openStore } from '../dist/store/index.js'
import { serveQuarry, stopProcess } from '../test/helpers/quarry-process.mjs'
import { recordResult } from './results.mjs'

const SCHEDULES = 1000
const EVERY_S = 10
const PHASE_MS = 45_000
const BASE = process.env.QUARRY_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const KEY = Buffer.alloc(32, 5).toString('base64')

const schema = `quarry_bench_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: BASE })
await admin.connect()
await admin.query(`create schema ${schema}`)
const url = new URL(BASE)
url.searchParams.set('options', `-c search_path=${schema}`)
const databaseUrl = url.toString()
const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-schedules-'))

// The upstream: counts requests per schedule (its `s` parameter).
const hits = new Map()
const upstream = createServer((req, res) => {
  const s = new URL(req.url, 'http://local').searchParams.get('s')
  hits.set(s, (hits.get(s) ?? 0) + 1)
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(`[{"s":"${s}"}]`)
})
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve))
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`

const serve = async () => (await serveQuarry({ databaseUrl, dataDir: dir, secretKey: KEY })).child

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]

const store = await openStore({ databaseUrl, secretKey: KEY, dataDir: dir })

/** Runs the schedules for one phase on `servers` processes; returns the phase's figures. */
async function phase(servers) {
  await admin.query(`delete from ${schema}.schedule_runs`)
  hits.clear()
  const children = []
  for (let i = 0; i < servers; i += 1) children.push(await serve())
  const now = new Date()
  for (let i = 0; i < SCHEDULES; i += 1)
    await store.schedules.update(`s${i}`, { enabled: true, nextRunAt: firstFire(i, now) })
  await new Promise((resolve) => setTimeout(resolve, PHASE_MS))
  for (let i = 0; i < SCHEDULES; i += 1)
    await store.schedules.update(`s${i}`, { enabled: false, nextRunAt: null })
  await Promise.all(children.map((child) => stopProcess(child)))
  const { rows } = await admin.query(
    `select schedule, holder, extract(epoch from fire_at) * 1000 as fire, extract(epoch from started_at) * 1000 as started, status
       from ${schema}.schedule_runs`,
  )
  const lags = rows.map((r) => Number(r.started) - Number(r.fire)).sort((a, b) => a - b)
  let requests = 0
  for (const count of hits.values()) requests += count
  const bySchedule = new Map()
  for (const r of rows) bySchedule.set(r.schedule, [...(bySchedule.get(r.schedule) ?? []), Number(r.fire)])
  let missed = 0
  for (const fires of bySchedule.values()) {
    fires.sort((a, b) => a - b)
    for (let k = 1; k < fires.length; k += 1)
      missed += Math.round((fires[k] - fires[k - 1]) / (EVERY_S * 1000)) - 1
  }
  return {
    runs: rows.length,
    failed: rows.filter((r) => r.status !== 'ok').length,
    duplicates: requests - rows.length,
    missed,
    holders: new Set(rows.map((r) => r.holder)).size,
    p50: percentile(lags, 50),
    p99: percentile(lags, 99),
    max: lags.at(-1),
  }
}

/** Schedule i fires at second (i mod 10) of every 10 s: 100 ticks in every second. */
function cronOf(i) {
  return `${i % EVERY_S}-59/${EVERY_S} * * * * *`
}
function firstFire(i, now) {
  // Far enough ahead that switching all 1,000 on (one update each) is over before the first fires.
  const at = new Date(now.getTime() + 15_000)
  at.setMilliseconds(0)
  while (at.getUTCSeconds() % EVERY_S !== i % EVERY_S) at.setTime(at.getTime() + 1000)
  return at
}

try {
  const { config, secrets } = splitSecrets(
    DatasourceSchema.parse({ type: 'rest', name: 'api', baseUrl: upstreamUrl }),
  )
  await store.datasources.create({ name: 'api', type: 'rest', config, secrets })
  await store.queries.create(
    queryRowOf(
      QuerySchema.parse({ name: 'tick', datasource: 'api', path: '/tick?s=:s', params: [{ name: 's' }] }),
    ),
  )
  for (let i = 0; i < SCHEDULES; i += 1) {
    const schedule = ScheduleSchema.parse({
      name: `s${i}`,
      query: 'tick',
      params: { s: String(i) },
      cron: cronOf(i),
      enabled: false,
    })
    await createSchedule(store, schedule)
  }
  const one = await phase(1)
  const two = await phase(2)
  const ms = (value) => `${Math.round(value)} ms`
  const line =
    `${SCHEDULES} schedules, each every ${EVERY_S} s (${SCHEDULES / EVERY_S} ticks a second), PostgreSQL, ${PHASE_MS / 1000} s a phase. ` +
    `One server: ${one.runs} runs, lag p50 ${ms(one.p50)}, **p99 ${ms(one.p99)}** (target ≤ 1000 ms), max ${ms(one.max)}; ` +
    `${one.missed} ticks missed, ${one.failed} failed. ` +
    `Two servers on the same store: ${two.runs} runs claimed by ${two.holders} servers, **${two.duplicates} duplicates** (target 0), ` +
    `${two.missed} missed, lag p99 ${ms(two.p99)}. Lag = claim time − cron time, from the claim rows; the tick is 200 ms, ` +
    `16 runs at a time per server; machine load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores during the run.`
  console.log(line)
  recordResult('Schedules: 1,000 on one server, then two', 'npm run bench:schedules', line)
} finally {
  await store.close()
  await new Promise((resolve) => upstream.close(resolve))
  await admin.query(`drop schema ${schema} cascade`)
  await admin.end()
  rmSync(dir, { recursive: true, force: true })
}
