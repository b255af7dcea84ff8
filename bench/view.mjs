// Views: a cached view served by `quarry serve` vs a bare Fastify hello-world, requests per
// second with autocannon, side by side in one run (target ≥ 0.5×); and 100 concurrent first
// views of an uncached query must make one upstream fetch (the simulator's stats say).
//   npm run bench:view
import { spawn } from 'node:child_process'
import autocannon from 'autocannon'
import { recordResult } from './results.mjs'
import { consent, startSim } from './sim-process.mjs'

const SECONDS = 10
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
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match) resolve({ url: match[1], stop: () => child.kill('SIGTERM') })
    })
    child.on('exit', (code) => reject(new Error(`view-server ${args[0]} exited with ${code}`)))
  })
}

function load(url) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: SECONDS }, (error, result) => {
      if (error) reject(error)
      else if (result.non2xx > 0 || result.errors > 0)
        reject(new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`))
      else resolve(result.requests.average)
    })
  })
}

async function searches(simUrl) {
  const stats = await (await fetch(`${simUrl}/_sim/stats`)).json()
  return stats.requests['GET search/jql'] ?? 0
}

const sim = await startSim(['--issues', '2000', '--seed', '11'])
const servers = []
try {
  const { tokens, cloudId } = await consent(sim.url, 'read:jira-work offline_access')
  const quarry = await startServer(['quarry', JSON.stringify({ simUrl: sim.url, cloudId, tokens })])
  servers.push(quarry)
  const hello = await startServer(['hello'])
  servers.push(hello)

  // 100 concurrent first views of a query nobody has run with these parameters.
  const before = await searches(sim.url)
  const first = `${quarry.url}/v/issues?jql=${encodeURIComponent('project = WEB AND key <= WEB-20 ORDER BY key ASC')}`
  const answers = await Promise.all(Array.from({ length: 100 }, () => fetch(first)))
  if (answers.some((answer) => answer.status !== 200)) throw new Error('a first view failed')
  await Promise.all(answers.map((answer) => answer.text()))
  const upstream = (await searches(sim.url)) - before

  const view = `${quarry.url}/v/issues`
  await fetch(view) // fills the cache
  const viewBytes = (await (await fetch(view)).text()).length
  await load(view) // warm-up rounds for both, then the measured ones, alternating
  await load(hello.url)
  const quarryRps = await load(view)
  const helloRps = await load(hello.url)
  const line =
    `cached view (50 rows, ${Math.round(viewBytes / 1024)} KB of HTML, public, no session) **${Math.round(quarryRps)} req/s** vs bare Fastify hello-world ${Math.round(helloRps)} req/s: ` +
    `**${(quarryRps / helloRps).toFixed(2)}×** (target ≥ 0.5; autocannon, ${CONNECTIONS} connections, ${SECONDS} s each, same machine); ` +
    `100 concurrent first views of an uncached query: **${upstream} upstream search/jql request${upstream === 1 ? '' : 's'}** (the query is one page: target 1)`
  console.log(line)
  if (!process.argv.includes('--no-write')) recordResult('Server: views', 'npm run bench:view', line)
} finally {
  for (const server of servers) server.stop()
  sim.stop()
}
