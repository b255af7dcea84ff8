// SQL rows to CSV — `quarry run … --format csv` (the real CLI path: store, engine, the driver's batches,
// CSV render) against each database's own client on the same SELECT, both including process start:
//   PostgreSQL: `psql -c "\copy (…) to stdout csv header"`
//   MariaDB:    `mariadb --batch -e "…"` (tab-separated, the client's batch output)
// 100,000 rows: the ratio of wall times (fastest of RUNS alternating runs) and Quarry's peak RSS;
// 1,000,000 rows: the same, one run each (the memory target is the point there).
// At 100,000 rows also the floor (bench/sql-floor.mjs): Node and the driver alone, no Quarry.
// Targets (issue 18): ratio ≤ 2×, peak RSS ≤ 150 MB at 100,000 rows and ≤ 200 MB at 1,000,000.
//   node bench/sql.mjs            (needs `npm run build` first; PostgreSQL at QUARRY_TEST_DATABASE_URL or
//                                  postgres://postgres@127.0.0.1:5432/test with psql on the PATH; MariaDB at
//                                  QUARRY_TEST_MARIADB_URL or mysql://root@127.0.0.1:3306/test with the
//                                  `mariadb` client on the PATH — skipped, with a message, when either is missing)
//   node bench/sql.mjs --no-write (prints, does not touch bench/RESULTS.md)
//   node bench/sql.mjs --small    (100,000 rows only)
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { recordResult } from './results.mjs'

const SIZES = process.argv.includes('--small') ? [100_000] : [100_000, 1_000_000]
const RSS_LIMIT_MB = { 100_000: 150, 1_000_000: 200 }
const RATIO_TARGET = 2
const RUNS = 3
const pgUrl = process.env.QUARRY_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const myUrl = new URL(process.env.QUARRY_TEST_MARIADB_URL || 'mysql://root@127.0.0.1:3306/test')
const tag = `sqlbench_${randomBytes(4).toString('hex')}`
const columns = 'id, customer, total, placed, paid, note'
const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-sql-'))
const db = join(dir, 'q.db')
const env = {
  ...process.env,
  QUARRY_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
  QUARRY_DATABASE_URL: '',
}

/** Runs a command with stdout counted (not kept); resolves with code, ms, bytes, stderr and (for node) peak RSS in MB. */
function timed(command, args) {
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let bytes = 0
    let stderr = ''
    child.stdout.on('data', (chunk) => (bytes += chunk.length))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', (error) => resolve({ code: -1, ms: NaN, bytes, stderr: String(error), rss: NaN }))
    child.on('close', (code) => {
      const ms = performance.now() - started
      const rss = Number(/maxrss=(\d+)/.exec(stderr)?.[1] ?? NaN) / 1024
      resolve({ code, ms, bytes, stderr, rss })
    })
  })
}

async function ok(run) {
  const result = await run
  if (result.code !== 0) throw new Error(result.stderr)
  return result
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

const onPath = (command) => spawnSync(command, ['--version'], { stdio: 'ignore' }).error === undefined

/** The rows: the same six columns (integer, text, decimal, timestamp, boolean, text with quotes or NULL) in each database. */
const engines = [
  {
    name: 'PostgreSQL',
    datasource: 'pg',
    floor: ['postgres', pgUrl],
    client: '`psql \\copy … to stdout csv`',
    async open() {
      if (!onPath('psql')) return 'psql is not on the PATH'
      const admin = new pg.Client({ connectionString: pgUrl })
      try {
        await admin.connect()
      } catch (error) {
        return `PostgreSQL at ${pgUrl} is unreachable (${error.message})`
      }
      await admin.query(`create schema ${tag}`)
      for (const rows of SIZES) {
        await admin.query(`
          create table ${tag}.orders_${rows} as
          select i as id, 'customer ' || i as customer, (i % 10000) / 100.0 + 0.01 as total,
                 timestamptz '2026-01-01 00:00:00Z' + i * interval '1 minute' as placed, i % 3 = 0 as paid,
                 case when i % 7 = 0 then 'needs "review", soon' else null end as note
          from generate_series(1, ${rows}) as i`)
      }
      this.close = async () => {
        await admin.query(`drop schema if exists ${tag} cascade`).catch(() => undefined)
        await admin.end()
      }
      await ok(quarry('datasource', 'add', 'pg', '--type', 'postgres', '--url', pgUrl))
      return undefined
    },
    select: (rows) => `SELECT ${columns} FROM ${tag}.orders_${rows} ORDER BY id`,
    native: (select) => timed('psql', ['-X', '-q', pgUrl, '-c', `\\copy (${select}) to stdout csv header`]),
  },
  {
    name: 'MariaDB',
    datasource: 'my',
    floor: ['mysql', myUrl.href],
    client: '`mariadb --batch`',
    async open() {
      if (!onPath('mariadb'))
        return 'the `mariadb` client is not on the PATH (Debian: apt-get install mariadb-client)'
      let admin
      try {
        admin = await mysql.createConnection({ uri: myUrl.href, connectTimeout: 5000 })
      } catch (error) {
        return `MariaDB at ${myUrl.host} is unreachable (${error.message})`
      }
      await admin.query(`create database ${tag}`)
      for (const rows of SIZES) {
        await admin.query(`
          create table ${tag}.orders_${rows} as
          select seq as id, concat('customer ', seq) as customer, (seq % 10000) / 100.0 + 0.01 as total,
                 timestamp '2026-01-01 00:00:00' + interval seq minute as placed, seq % 3 = 0 as paid,
                 case when seq % 7 = 0 then 'needs "review", soon' else null end as note
          from seq_1_to_${rows}`)
      }
      this.close = async () => {
        await admin.query(`drop database if exists ${tag}`).catch(() => undefined)
        await admin.end()
      }
      await ok(quarry('datasource', 'add', 'my', '--type', 'mysql', '--url', myUrl.href))
      return undefined
    },
    select: (rows) => `SELECT ${columns} FROM ${tag}.orders_${rows} ORDER BY id`,
    native: (select) =>
      timed('mariadb', [
        '--batch',
        '-h',
        myUrl.hostname,
        '-P',
        myUrl.port || '3306',
        '-u',
        decodeURIComponent(myUrl.username || 'root'),
        ...(myUrl.password ? [`--password=${decodeURIComponent(myUrl.password)}`] : []),
        '-e',
        select,
      ]),
  },
]

const best = (runs) => runs.reduce((a, b) => (b.ms < a.ms ? b : a))
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`

/** One engine at one size: alternating runs after a warm-up each; the fastest of each counts (noise only adds). */
async function measure(engine, rows, fixed) {
  const query = `${engine.datasource}_${rows}`
  const select = engine.select(rows)
  await ok(quarry('query', 'add', query, '--datasource', engine.datasource, '--sql', select))
  const runs = rows > 100_000 ? 1 : RUNS
  const floor = () => timed(process.execPath, ['bench/sql-floor.mjs', ...engine.floor, select])
  if (runs > 1) {
    await ok(engine.native(select))
    await ok(quarry('run', query, '--format', 'csv'))
    await ok(floor())
  }
  const ours = []
  const theirs = []
  const floors = []
  for (let i = 0; i < runs; i++) {
    ours.push(await ok(quarry('run', query, '--format', 'csv')))
    theirs.push(await ok(engine.native(select)))
    if (runs > 1) floors.push(await ok(floor()))
  }
  const q = best(ours)
  const n = best(theirs)
  const f = floors.length > 0 ? best(floors) : undefined
  const rss = Math.max(...ours.map((run) => run.rss))
  const ratio = q.ms / n.ms
  const limit = RSS_LIMIT_MB[rows]
  const line =
    `${engine.name}, ${rows.toLocaleString('en')} rows: \`quarry run --format csv\` ${q.ms.toFixed(0)} ms (${mb(q.bytes)}) ` +
    `vs ${engine.client} ${n.ms.toFixed(0)} ms (${mb(n.bytes)}) — ratio **${ratio.toFixed(2)}×** (target ≤ ${RATIO_TARGET}×; ` +
    `${runs === 1 ? 'one run each' : `fastest of ${runs} alternating runs`}; rows beyond a 1-row run: ${(q.ms - fixed.ms).toFixed(0)} ms); ` +
    `peak RSS **${rss.toFixed(0)} MB** (target ≤ ${limit} MB)` +
    (f === undefined
      ? ''
      : `; the floor, Node and the driver alone (bench/sql-floor.mjs), ${f.ms.toFixed(0)} ms: **${(f.ms / n.ms).toFixed(2)}×** the client, Quarry ${(q.ms / f.ms).toFixed(2)}× the floor`)
  console.log(line)
  return { line, met: rss <= limit && ratio <= RATIO_TARGET }
}

const lines = []
const skipped = []
let allMet = true
try {
  for (const engine of engines) {
    const why = await engine.open()
    if (why !== undefined) {
      const note = `${engine.name} skipped: ${why}.`
      console.log(note)
      skipped.push(note)
      continue
    }
    // A one-row query: the fixed cost of a run (process start, store, connect).
    await ok(
      quarry(
        'query',
        'add',
        `${engine.datasource}_one`,
        '--datasource',
        engine.datasource,
        '--sql',
        'SELECT 1 AS x',
      ),
    )
    await quarry('run', `${engine.datasource}_one`, '--format', 'csv')
    const fixed = best([
      await ok(quarry('run', `${engine.datasource}_one`, '--format', 'csv')),
      await ok(quarry('run', `${engine.datasource}_one`, '--format', 'csv')),
    ])
    lines.push(
      `${engine.name}: a 1-row \`quarry run\` takes ${fixed.ms.toFixed(0)} ms (process start, store, connect).`,
    )
    console.log(lines.at(-1))
    for (const rows of SIZES) {
      const { line, met } = await measure(engine, rows, fixed)
      lines.push(line)
      allMet &&= met
    }
  }
  const load = (await import('node:os')).loadavg()[0].toFixed(1)
  const text = [
    `Six columns (integer, text, decimal, timestamp, boolean, text with quotes or NULL), both sides including process start; the machine is shared (load average ${load} on 2 cores at the end), so only the ratios measured side by side mean anything.`,
    '',
    ...lines.map((line) => `- ${line}`),
    ...skipped.map((note) => `- ${note}`),
  ].join('\n')
  if (!allMet) process.exitCode = 1
  if (!process.argv.includes('--no-write') && lines.length > 0)
    recordResult('SQL: rows from PostgreSQL and MariaDB to CSV', 'npm run bench:sql', text)
} finally {
  for (const engine of engines) await engine.close?.().catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
}
