// Views: requests per second of `quarry serve` answering a cached view — public, and signed in with
// a session — a dashboard of four cached panels (its page, and one panel's frame), each against a
// bare Fastify hello-world, side by side in one run with alternating rounds (targets: views ≥ 0.8×,
// the dashboard ≥ 0.5×); and 100 concurrent first views of an uncached query must make one
// upstream fetch (the simulator's stats say).
//   npm run bench:view            (VIEW_PROFILE=1: the quarry server writes a CPU profile to /tmp/vprof)
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { processCpuMs } from './process-cpu.mjs'
import { recordResult } from './results.mjs'
import { consent, startSim } from './sim-process.mjs'

const SECONDS = Number(process.env.VIEW_SECONDS ?? 5)
const ROUNDS = Number(process.env.VIEW_ROUNDS ?? 3)
const CONNECTIONS = 32

function startServer(args) {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.VIEW_PROFILE && args[0] === 'quarry'
        ? ['--cpu-prof', '--cpu-prof-dir=/tmp/vprof']
        : []),
      'bench/view-server.mjs',
      ...args,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /listening on (http:\/\/\S+)\n(\{.*\}\n)?/.exec(out)
      if (match && (args[0] !== 'quarry' || match[2])) {
        resolve({
          url: match[1],
          ...(match[2] ? JSON.parse(match[2]) : {}),
          pid: child.pid,
          stop: () => child.kill('SIGTERM'),
        })
      }
    })
    child.on('exit', (code) => reject(new Error(`view-server ${args[0]} exited with ${code}`)))
  })
}

/** Requests per second and the server's CPU seconds and requests, over one autocannon run. */
function load({ url, headers = {}, pid }, seconds = SECONDS) {
  const cpuBefore = processCpuMs(pid)
  return new Promise((resolve, reject) => {
    autocannon({ url, headers, connections: CONNECTIONS, duration: seconds }, (error, result) => {
      if (error) {
        reject(error)
      } else if (result.non2xx > 0 || result.errors > 0) {
        reject(new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`))
      } else {
        resolve({
          rps: result.requests.average,
          cpu: (processCpuMs(pid) - cpuBefore) / 1000,
          requests: result.requests.total,
        })
      }
    })
  })
}

async function searches(simUrl) {
  const stats = await (await fetch(`${simUrl}/_sim/stats`)).json()
  return stats.requests['GET search/jql'] ?? 0
}

async function bytesOf({ url, headers = {} }) {
  // The bytes on the wire (fetch would decompress a gzipped page).
  const { request } = await import('node:http')
  return new Promise((resolve, reject) => {
    request(url, { headers }, (answer) => {
      if (answer.statusCode !== 200) reject(new Error(`${url}: ${answer.statusCode}`))
      let length = 0
      answer.on('data', (chunk) => (length += chunk.length))
      answer.on('end', () => resolve(length))
    })
      .on('error', reject)
      .end()
  })
}

const loadBefore = loadavg()[0]
const logDir = mkdtempSync(join(tmpdir(), 'quarry-bench-view-log-'))
const sim = await startSim(['--issues', '2000', '--seed', '11'])
const servers = []
try {
  const { tokens, cloudId } = await consent(sim.url, 'read:jira-work offline_access')
  const quarry = await startServer(['quarry', JSON.stringify({ simUrl: sim.url, cloudId, tokens })])
  servers.push(quarry)
  // The same server writing the request log quarry serve writes unless --quiet, to a file.
  const logged = await startServer([
    'quarry',
    JSON.stringify({ simUrl: sim.url, cloudId, tokens, log: join(logDir, 'serve.log') }),
  ])
  servers.push(logged)
  const hello = await startServer(['hello'])
  servers.push(hello)
  // A bare Fastify sending a 12 KB Buffer: what the view's page size alone costs (the floor).
  const hello12k = await startServer(['hello12k'])
  servers.push(hello12k)

  // 100 concurrent first views of a query nobody has run with these parameters.
  const before = await searches(sim.url)
  const first = `${quarry.url}/v/issues?jql=${encodeURIComponent('project = WEB AND key <= WEB-20 ORDER BY key ASC')}`
  const answers = await Promise.all(Array.from({ length: 100 }, () => fetch(first)))
  if (answers.some((answer) => answer.status !== 200)) throw new Error('a first view failed')
  await Promise.all(answers.map((answer) => answer.text()))
  const upstream = (await searches(sim.url)) - before

  const q = quarry.pid
  const targets = {
    hello: { url: hello.url, pid: hello.pid },
    hello12k: { url: hello12k.url, pid: hello12k.pid },
    public: { url: `${quarry.url}/v/issues`, pid: q },
    publicLogged: { url: `${logged.url}/v/issues`, pid: logged.pid },
    // As a browser asks for it: the cached page, which holds no token, goes gzipped (compressed once).
    publicGzip: {
      url: `${quarry.url}/v/issues`,
      headers: { 'accept-encoding': 'gzip, deflate, br' },
      pid: q,
    },
    signedIn: { url: `${quarry.url}/v/issues`, headers: { cookie: quarry.cookie }, pid: q },
    dashboard: { url: quarry.dashboard, pid: q },
    panel: { url: quarry.panel, pid: q },
  }
  const bytes = {}
  for (const [name, target] of Object.entries(targets)) {
    await bytesOf(target) // fills the caches
    bytes[name] = await bytesOf(target)
    await load(target, 2) // warm-up
  }
  // Alternating rounds: each target's rate is compared with the hello-world's over the same rounds.
  const sums = Object.fromEntries(Object.keys(targets).map((name) => [name, 0]))
  const cpu = Object.fromEntries(Object.keys(targets).map((name) => [name, { seconds: 0, requests: 0 }]))
  // Each round starts one target later, so that no target is always measured first (or last).
  const order = Object.entries(targets)
  for (let round = 0; round < ROUNDS; round++) {
    for (let step = 0; step < order.length; step++) {
      const [name, target] = order[(round + step) % order.length]
      const measured = await load(target)
      sums[name] += measured.rps
      cpu[name].seconds += measured.cpu
      cpu[name].requests += measured.requests
    }
  }
  const rps = (name) => Math.round(sums[name] / ROUNDS)
  const ratio = (name) => (sums[name] / sums.hello).toFixed(2)
  // The server's CPU a request, and the hello-world's over it (a ratio in the sense of the rates').
  const micros = (name) => (1e6 * cpu[name].seconds) / cpu[name].requests
  const cpuOf = (name) =>
    `${micros(name).toFixed(1)} µs CPU a request, ${(micros('hello') / micros(name)).toFixed(2)}× by CPU`
  const kb = (name) => `${Math.round(bytes[name] / 1024)} KB`
  const line = [
    `bare Fastify hello-world ${rps('hello')} req/s, ${micros('hello').toFixed(1)} µs of server CPU a request; autocannon, ${CONNECTIONS} connections, ${ROUNDS} rounds (targets in turn, each round starting one later) of ${SECONDS} s per target, one run on a shared machine (load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after, ${cpus().length} cores). Each figure: req/s and its ratio to the hello-world's, then the server's CPU time a request (/proc: user + system, all threads) and the hello-world's over it:`,
    '',
    `- the floor: bare Fastify sending a 12 KB Buffer as text/html (\`GET /\`, ${kb('hello12k')}): **${rps('hello12k')} req/s, ${ratio('hello12k')}×**; ${cpuOf('hello12k')}`,
    `- cached view, public, no session (\`GET /v/issues\`, 50 rows, ${kb('public')} of HTML): **${rps('public')} req/s, ${ratio('public')}×**; ${cpuOf('public')} (target ≥ 0.8)`,
    `- the same, on a server writing its request log (a JSON line per request into a file, as \`quarry serve > serve.log\` without \`--quiet\`): **${rps('publicLogged')} req/s, ${ratio('publicLogged')}×**; ${cpuOf('publicLogged')}`,
    `- the same, asked as a browser asks (\`Accept-Encoding: gzip, deflate, br\`: the page, holding no token, goes gzipped, compressed once when cached, ${kb('publicGzip')}): **${rps('publicGzip')} req/s, ${ratio('publicGzip')}×**; ${cpuOf('publicGzip')}`,
    `- cached view, signed in with a session cookie (viewer; the page carries their CSRF token, ${kb('signedIn')}): **${rps('signedIn')} req/s, ${ratio('signedIn')}×**; ${cpuOf('signedIn')} (target ≥ 0.8)`,
    `- dashboard page of 4 cached panels (\`GET /d/board\`, public: the parameter bar and 4 iframes, ${kb('dashboard')}; a browser then loads each panel frame as its own request): **${rps('dashboard')} req/s, ${ratio('dashboard')}×**; ${cpuOf('dashboard')} (target ≥ 0.5)`,
    `- one panel's frame (\`GET /d/board/panel/a?embed=1\`, the cached query's 50 rows as a table, ${kb('panel')}): **${rps('panel')} req/s, ${ratio('panel')}×**; ${cpuOf('panel')}; the whole dashboard as a browser loads it (page + 4 frames) is ${(1 / (sums.hello / sums.dashboard + (4 * sums.hello) / sums.panel)).toFixed(2)}× the hello-world's rate in dashboards a second`,
    '',
    `100 concurrent first views of an uncached query: **${upstream} upstream search/jql request${upstream === 1 ? '' : 's'}** (the query is one page: target 1)`,
  ].join('\n')
  console.log(line)
  if (!process.argv.includes('--no-write')) recordResult('Server: views', 'npm run bench:view', line)
} finally {
  for (const server of servers) server.stop()
  sim.stop()
  rmSync(logDir, { recursive: true, force: true })
}
