// CLI: `quarry run` of a cached 100-row query vs `curl -s URL | jq` over the
// same data (the simulator's search/jql page of 100 issues), each a fresh
// process, alternating, median of several runs. Records the ratio.
//   npm run bench:cli        (needs curl and jq on PATH)
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { recordResult } from './results.mjs'
import { consent, jiraDatasourceArgs, startSim } from './sim-process.mjs'

const RUNS = 15
const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-'))
const env = {
  ...process.env,
  QUARRY_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
  QUARRY_DATABASE_URL: '',
}
const db = join(dir, 'q.db')

function quarry(...args) {
  const run = spawnSync(process.execPath, ['bin/quarry.js', '--db', db, ...args], { env, encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`quarry ${args.join(' ')}: ${run.stderr}`)
  return run.stdout
}

function timed(command, args, options = {}) {
  const started = performance.now()
  const run = spawnSync(command, args, { encoding: 'utf8', ...options })
  const ms = performance.now() - started
  if (run.status !== 0) throw new Error(`${command} failed: ${run.stderr}`)
  return { ms, out: run.stdout }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const sim = await startSim(['--issues', '2000', '--seed', '7'])
try {
  const { tokens, cloudId } = await consent(sim.url)
  const base = `${sim.url}/ex/jira/${cloudId}/rest/api/3`
  const path = '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key&fields=key,summary&maxResults=100'
  quarry(...jiraDatasourceArgs(sim.url, base, tokens.refresh_token))
  quarry('query', 'add', 'hundred', '--datasource', 'jira', '--path', path, '--cache', '1h')
  const warm = quarry('run', 'hundred', '--format', 'json')
  const rows = JSON.parse(warm).length
  if (rows !== 100) throw new Error(`expected 100 rows, got ${rows}`)
  // curl needs a current access token: take the one Quarry refreshed to.
  const fresh = await consent(sim.url)
  const curlArgs = [
    '-c',
    `curl -s -H "Authorization: Bearer ${fresh.tokens.access_token}" '${base}${path}' | jq -c '[.issues[] | {key, summary: .fields.summary}]'`,
  ]
  const quarryTimes = []
  const curlTimes = []
  for (let i = 0; i < RUNS; i++) {
    quarryTimes.push(
      timed(process.execPath, ['bin/quarry.js', '--db', db, 'run', 'hundred', '--format', 'json'], { env })
        .ms,
    )
    curlTimes.push(timed('bash', curlArgs).ms)
  }
  const ratio = median(quarryTimes) / median(curlTimes)
  const line = `\`quarry run\` of a cached 100-row query (fresh process, JSON out) vs \`curl -s URL | jq\` on the same page: **${ratio.toFixed(2)}×** (median of ${RUNS} alternating runs; quarry ${median(quarryTimes).toFixed(0)} ms, curl+jq ${median(curlTimes).toFixed(0)} ms)`
  console.log(line)
  if (!process.argv.includes('--no-write'))
    recordResult('CLI: cached run vs curl | jq', 'npm run bench:cli', line)
} finally {
  sim.stop()
  rmSync(dir, { recursive: true, force: true })
}
