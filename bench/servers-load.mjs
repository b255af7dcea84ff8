// Two servers under load (issue 18, done-when 6): two `quarry serve` processes on one PostgreSQL
// schema of the bench's own, the simulator answering after 50 ms. Each round, 200 viewers at once
// ask for the public view of an uncached query over 50 parameter values (each value by 4 viewers,
// 2 on each server): single flight across servers makes that 50 upstream requests, counted at the
// simulator. Phase 1 sends the viewers to the servers directly; phase 2 through nginx (Debian's, on
// loopback, retrying idempotent GETs on the other server) and SIGKILLs one server in the middle.
//   npm run bench:servers-load   (BENCH_DEBUG=1: the servers' logs and failed pages on stderr;
//                                 -- --no-write: print, do not touch bench/RESULTS.md)
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { QuerySchema, queryRowOf } from '../dist/domain/query.js'
import { PUBLIC_VIEW_KEY, publicViewStore } from './public-view-store.mjs'
import { freePort, serveQuarry, stopProcess as stop } from '../test/helpers/quarry-process.mjs'
import { recordResult } from './results.mjs'
import { consent, startSim } from './sim-process.mjs'

const LATENCY_MS = 50
const VIEWERS = 200
const VALUES = 50
const ROUNDS = 5
const NGINX = '/usr/sbin/nginx'
const BASE = process.env.QUARRY_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'

if (!existsSync(NGINX)) {
  console.error(
    `bench:servers-load needs nginx at ${NGINX} for its second phase: apt-get install nginx-light`,
  )
  process.exit(1)
}

const schema = `flight_bench_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: BASE })
await admin.connect()
await admin.query(`create schema ${schema}`)
const url = new URL(BASE)
url.searchParams.set('options', `-c search_path=${schema}`)
const databaseUrl = url.toString()
const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-servers-load-'))

const serve = () =>
  serveQuarry({
    databaseUrl,
    dataDir: dir,
    secretKey: PUBLIC_VIEW_KEY,
    quiet: process.env.BENCH_DEBUG === undefined,
    echo: process.env.BENCH_DEBUG !== undefined,
  })

/** nginx in front of `servers`, on a loopback port, from a config in a temp directory. */
async function startNginx(servers) {
  const home = join(dir, 'nginx')
  mkdirSync(home, { recursive: true })
  const port = await freePort()
  // GETs are retried on the other server when one fails to connect, breaks the connection or answers
  // 502/503; nginx never retries a non-idempotent request that was sent.
  const config = `daemon off;
worker_processes 1;
pid ${home}/nginx.pid;
error_log ${home}/error.log;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${home}/body;
  proxy_temp_path ${home}/proxy;
  fastcgi_temp_path ${home}/fastcgi;
  uwsgi_temp_path ${home}/uwsgi;
  scgi_temp_path ${home}/scgi;
  upstream quarry {
${servers.map((server) => `    server 127.0.0.1:${server.port} max_fails=1 fail_timeout=30s;`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://quarry;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 2;
    }
  }
}
`
  writeFileSync(join(home, 'nginx.conf'), config)
  const child = spawn(NGINX, ['-p', home, '-c', join(home, 'nginx.conf')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const exited = new Promise((_, reject) => {
    child.once('error', (error) => reject(new Error(`nginx did not start: ${error.message}`)))
    child.once('exit', (code) => reject(new Error(`nginx exited with ${code}`)))
  })
  // Ready once it answers.
  for (let attempt = 0; ; attempt += 1) {
    const answered = await Promise.race([
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => true,
        () => false,
      ),
      exited,
    ])
    if (answered) break
    if (attempt > 50) throw new Error('nginx did not answer')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { child, url: `http://127.0.0.1:${port}` }
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]

async function searchRequests(sim) {
  const { requests } = await (await fetch(`${sim}/_sim/stats`)).json()
  return Object.entries(requests)
    .filter(([endpoint]) => endpoint.includes('search/jql'))
    .reduce((sum, [, count]) => sum + count, 0)
}

/** One viewer: the view page of value `n` from `target`; its latency and whether it failed. */
async function viewOnce(target, n) {
  const started = performance.now()
  try {
    const response = await fetch(`${target}/v/load?n=${n}`)
    const body = await response.text()
    const code = /\((QUARRY_[A-Z_]+)\)/.exec(body)?.[1]
    const failed = response.status !== 200 || code !== undefined
    if (failed && process.env.BENCH_DEBUG) console.error(body.slice(0, 3000))
    return {
      ms: performance.now() - started,
      failed,
      why: failed ? `${response.status} ${code ?? ''}`.trim() : '',
    }
  } catch (error) {
    return { ms: performance.now() - started, failed: true, why: error.cause?.code ?? error.message }
  }
}

/** ROUNDS rounds of VIEWERS viewers, VALUES new values each; `during(round)` runs as a round starts. */
async function load(sim, targetsOf, firstValue, during = () => {}) {
  const before = await searchRequests(sim)
  const samples = []
  /** Each round's own p99: the first burst after the servers start is the slow one. */
  const rounds = []
  for (let round = 0; round < ROUNDS; round += 1) {
    const base = firstValue + round * VALUES
    const targets = targetsOf()
    const viewers = Array.from({ length: VIEWERS }, (_, v) =>
      viewOnce(targets[Math.floor(v / VALUES) % targets.length], base + (v % VALUES)),
    )
    during(round)
    const answered = await Promise.all(viewers)
    rounds.push(
      percentile(
        answered.map((sample) => sample.ms).sort((a, b) => a - b),
        99,
      ),
    )
    samples.push(...answered)
  }
  const ms = samples.map((sample) => sample.ms).sort((a, b) => a - b)
  const failures = samples.filter((sample) => sample.failed)
  return {
    upstream: ((await searchRequests(sim)) - before) / ROUNDS,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    rounds,
    failed: failures.length,
    why: [...new Set(failures.map((failure) => failure.why))].join(', '),
  }
}

/** The simulator's own answer time for one search, measured like the views (p50 of 40 in a row). */
async function upstreamLatency(sim, cloudId, token) {
  const times = []
  for (let i = 0; i < 40; i += 1) {
    const started = performance.now()
    const response = await fetch(
      `${sim}/ex/jira/${cloudId}/rest/api/3/search/jql?jql=${encodeURIComponent(`project = DEMO AND summary ~ ${i}`)}&fields=summary,status&maxResults=50`,
      { headers: { authorization: `Bearer ${token}` } },
    )
    await response.text()
    times.push(performance.now() - started)
  }
  return percentile(
    times.sort((a, b) => a - b),
    50,
  )
}

const sim = await startSim(['--latency', String(LATENCY_MS)])
const running = []
try {
  const { tokens, cloudId } = await consent(sim.url)
  const store = await publicViewStore(dir, { simUrl: sim.url, cloudId, tokens, databaseUrl })
  await store.queries.create(
    queryRowOf(
      QuerySchema.parse({
        name: 'load',
        datasource: 'jira',
        path: '/search/jql?jql=project%20%3D%20DEMO%20AND%20summary%20~%20:n&fields=summary,status&maxResults=50',
        params: [{ name: 'n', type: 'string', visitorInput: { pattern: '\\d{1,5}' } }],
        cacheTtlSeconds: 3600,
        visibility: { public: true },
        converter: `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Summary: issue.fields.summary, Status: issue.fields.status.name }))
}`,
      }),
    ),
  )
  await store.close()

  const servers = [await serve(), await serve()]
  running.push(...servers.map((server) => server.child))
  // Warm: each server renders a view once (templates, pools, the access token) before the count.
  for (const [index, server] of servers.entries()) await viewOnce(server.url, 90_000 + index)
  const upstream = await upstreamLatency(sim.url, cloudId, tokens.access_token)

  const direct = await load(sim.url, () => servers.map((server) => server.url), 0)
  const nginx = await startNginx(servers)
  running.push(nginx.child)
  await viewOnce(nginx.url, 90_010)
  // SIGKILL the first server a moment into the third round: its viewers' requests are in flight.
  const killed = await load(
    sim.url,
    () => [nginx.url],
    10_000,
    (round) => {
      if (round === 2) setTimeout(() => void stop(servers[0].child, 'SIGKILL'), 30)
    },
  )

  const ms = (value) => `${Math.round(value)} ms`
  const line =
    `${VIEWERS} viewers at once over ${VALUES} values of an uncached public view (4 per value, 2 on each server), ` +
    `${ROUNDS} rounds of new values; simulator latency ${LATENCY_MS} ms (measured alone: p50 ${ms(upstream)}); ` +
    `two \`quarry serve\` on one PostgreSQL schema.\n\n` +
    `- Direct to the two servers: **${direct.upstream} upstream requests a round** (target ${VALUES}), ` +
    `view latency p50 ${ms(direct.p50)}, **p99 ${ms(direct.p99)} = ${(direct.p99 / LATENCY_MS).toFixed(2)}× the upstream latency** ` +
    `(target ≤ 3×; ${(direct.p99 / upstream).toFixed(2)}× the measured one), **${direct.failed} errors**${direct.why ? ` (${direct.why})` : ''}; ` +
    `each round's p99 in turn: ${direct.rounds.map(ms).join(', ')} (the first burst after start is the slowest).\n` +
    `- Behind nginx (Debian's, loopback, \`proxy_next_upstream error timeout http_502 http_503\`), one server SIGKILLed ` +
    `30 ms into round 3: **${killed.failed} failed requests** of ${VIEWERS * ROUNDS}${killed.why ? ` (${killed.why})` : ''}, ` +
    `${killed.upstream} upstream requests a round, p50 ${ms(killed.p50)}, p99 ${ms(killed.p99)}.\n\n` +
    `Shared machine: load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores during the run.`
  console.log(line)
  if (!process.argv.includes('--no-write'))
    recordResult('Server: two servers under load', 'npm run bench:servers-load', line)
} finally {
  await Promise.all(running.map((child) => stop(child)))
  sim.stop()
  await admin.query(`drop schema ${schema} cascade`)
  await admin.end()
  rmSync(dir, { recursive: true, force: true })
}
