// Measures the simulator's search/jql throughput (100 issues a page, keys and
// summaries) side by side with a bare node:http server answering a fixed page
// of the same bytes, in the same run, alternating rounds. Prints the ratio and
// writes it to bench/RESULTS.md.
//
//   npm run bench:sim                 # 2 rounds of 8 s each per server
//   npm run bench:sim -- --seconds 3 --rounds 1 --no-write
import { spawn } from 'node:child_process'
import { consent, startSim } from './sim-process.mjs'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { recordResult } from './results.mjs'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '16' },
    issues: { type: 'string', default: '100000' },
    'no-write': { type: 'boolean', default: false },
  },
})
const seconds = Number(args.seconds)
const rounds = Number(args.rounds)
const connections = Number(args.connections)

/** A bare node:http server in its own process, answering every request with the given body. */
function startBare(body) {
  const source = `
    const body = Buffer.from(process.env.BODY)
    require('node:http').createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'content-length': body.length })
      res.end(body)
    }).listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port) })`
  const child = spawn(process.execPath, ['-e', source], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BODY: body },
  })
  return new Promise((resolve) => {
    child.stdout.on('data', (chunk) => {
      const match = /listening on (\S+)/.exec(String(chunk))
      if (match) resolve({ url: match[1], stop: () => child.kill('SIGTERM') })
    })
  })
}

function load(url, headers) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, headers }, (error, result) => {
      if (error) reject(error)
      else if (result.non2xx > 0 || result.errors > 0)
        reject(new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`))
      else resolve(result.requests.average)
    })
  })
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const sim = await startSim(['--issues', args.issues])
try {
  const { tokens, cloudId } = await consent(sim.url, 'read:jira-work offline_access')
  const accessToken = tokens.access_token
  const path = `/ex/jira/${cloudId}/rest/api/3/search/jql?${new URLSearchParams({
    jql: 'project = DEMO ORDER BY key ASC',
    fields: 'key,summary',
    maxResults: '100',
  })}`
  const headers = { authorization: `Bearer ${accessToken}` }
  const sample = await (await fetch(sim.url + path, { headers })).text()
  const issues = JSON.parse(sample).issues.length
  if (issues !== 100) throw new Error(`expected a page of 100 issues, got ${issues}`)
  const bare = await startBare(sample)
  try {
    const simRps = []
    const bareRps = []
    for (let round = 0; round < rounds; round++) {
      bareRps.push(await load(bare.url, {}))
      simRps.push(await load(sim.url + path, headers))
    }
    const ratio = median(simRps) / median(bareRps)
    const line = `search/jql, 100 issues a page (${sample.length} bytes), ${args.issues} issues in the world: simulator ${median(simRps).toFixed(0)} pages/s vs bare node:http ${median(bareRps).toFixed(0)} pages/s on the same page — ratio **${ratio.toFixed(2)}** (${rounds} alternating rounds of ${seconds} s, ${connections} connections, autocannon)`
    console.log(line)
    if (!args['no-write']) recordResult('Simulator: search/jql pages per second', 'npm run bench:sim', line)
  } finally {
    bare.stop()
  }
} finally {
  sim.stop()
}
