// SQL: 100,000 rows from PostgreSQL to CSV — `quarry run … --format csv` (the real CLI path: store,
// engine, pg portal read in batches, CSV render) vs `psql -c "\copy (…) to stdout csv"` on the same
// SELECT; the ratio of wall times, and Quarry's peak RSS (must stay ≤ 300 MB).
//   node bench/sql.mjs            (needs `npm run build` first; PostgreSQL at QUARRY_TEST_DATABASE_URL
//                                  or postgres://postgres@127.0.0.1:5432/test; psql on the PATH)
//   node bench/sql.mjs --no-write (prints, does not touch bench/RESULTS.md)
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { recordResult } from './results.mjs'

const ROWS = 100_000
const LIMIT_MB = 300
const RUNS = 3
const url = process.env.QUARRY_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const schema = `quarry_bench_${randomBytes(4).toString('hex')}`
const select = `SELECT id, customer, total, placed, paid, note FROM ${schema}.orders ORDER BY id`
const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-sql-'))
const db = join(dir, 'q.db')
const env = {
  ...process.env,
  QUARRY_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
  QUARRY_DATABASE_URL: '',
}

/** Runs a command with stdout counted (not kept); resolves with code, ms, bytes, stderr and (for node) peak RSS in MB. */
function timed(command, args, options = {}) {
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: options.env ?? env, stdio: ['ignore', 'pipe', 'pipe'] })
    let bytes = 0
    let stderr = ''
    child.stdout.on('data', (chunk) => (bytes += chunk.length))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('exit', (code) => {
      const ms = performance.now() - started
      const rss = Number(/maxrss=(\d+)/.exec(stderr)?.[1] ?? NaN) / 1024
      resolve({ code, ms, bytes, stderr, rss })
    })
  })
}

const preload = `process.on('exit', () => process.stderr.write('maxrss=' + process.resourceUsage().maxRSS + '\\n'))`
const quarry = (...args) =>
  timed(process.execPath, [
    '--import',
    `data:text/javascript,${encodeURIComponent(preload)}`,
    'bin/quarry.js',
    '--db',
    db,
    ...args,
  ])
const psql = () => timed('psql', ['-X', '-q', url, '-c', `\\copy (${select}) to stdout csv header`])

const admin = new pg.Client({ connectionString: url })
await admin.connect()
try {
  await admin.query(`create schema ${schema}`)
  await admin.query(`
    create table ${schema}.orders as
    select i as id, 'customer ' || i as customer, (i % 10000) / 100.0 + 0.01 as total,
           timestamptz '2026-01-01 00:00:00Z' + i * interval '1 minute' as placed, i % 3 = 0 as paid,
           case when i % 7 = 0 then 'needs "review", soon' else null end as note
    from generate_series(1, ${ROWS}) as i`)
  const add = await quarry('datasource', 'add', 'pg', '--type', 'postgres', '--url', url)
  if (add.code !== 0) throw new Error(add.stderr)
  const query = await quarry('query', 'add', 'orders', '--datasource', 'pg', '--sql', select)
  if (query.code !== 0) throw new Error(query.stderr)
  // A one-row query: the fixed cost of a run (process start, store, converter pool, connect).
  await quarry('query', 'add', 'one', '--datasource', 'pg', '--sql', 'SELECT 1 AS x')

  // Alternating runs after one warm-up each; the fastest of each counts (noise on a shared machine only adds).
  await psql()
  await quarry('run', 'orders', '--format', 'csv')
  const ours = []
  const theirs = []
  const fixed = []
  for (let i = 0; i < RUNS; i++) {
    fixed.push(await quarry('run', 'one', '--format', 'csv'))
    const run = await quarry('run', 'orders', '--format', 'csv')
    if (run.code !== 0) throw new Error(run.stderr)
    ours.push(run)
    const copy = await psql()
    if (copy.code !== 0) throw new Error(copy.stderr)
    theirs.push(copy)
  }
  const best = (runs) => runs.reduce((a, b) => (b.ms < a.ms ? b : a))
  const q = best(ours)
  const p = best(theirs)
  const rss = Math.max(...ours.map((run) => run.rss))
  const start = best(fixed)
  const line =
    `${ROWS.toLocaleString('en')} rows (6 columns) from PostgreSQL to CSV: \`quarry run --format csv\` ${q.ms.toFixed(0)} ms ` +
    `(${(q.bytes / 1e6).toFixed(1)} MB) vs \`psql \\copy … to stdout csv\` ${p.ms.toFixed(0)} ms (${(p.bytes / 1e6).toFixed(1)} MB) — ratio **${(q.ms / p.ms).toFixed(2)}×** ` +
    `(fastest of ${RUNS} alternating runs, both including process start; a 1-row \`quarry run\` takes ${start.ms.toFixed(0)} ms, ` +
    `so the rows themselves take ${(q.ms - start.ms).toFixed(0)} ms); Quarry's peak RSS **${rss.toFixed(0)} MB** = ${(rss / LIMIT_MB).toFixed(2)}× the ${LIMIT_MB} MB limit`
  console.log(line)
  if (rss > LIMIT_MB) process.exitCode = 1
  if (!process.argv.includes('--no-write'))
    recordResult('SQL: 100,000 rows from PostgreSQL to CSV', 'node bench/sql.mjs', line)
} finally {
  await admin.query(`drop schema if exists ${schema} cascade`).catch(() => undefined)
  await admin.end()
  rmSync(dir, { recursive: true, force: true })
}
