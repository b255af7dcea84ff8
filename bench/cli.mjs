// CLI: `quarry run` of a cached 100-row query vs `curl -s URL | jq` over the
// same data (the simulator's search/jql page of 100 issues), and `quarry --help`
// vs `node -e 0`, each a fresh process, alternating, median of several runs.
// Each Quarry case runs twice: as bin/quarry.js runs it (the bundle in
// dist/bundle) and from the compiled modules in dist/cli, to show what the
// bundle saves. Beside them the floor (bench/cli-floor.mjs): Node reading the same cached rows
// straight from the SQLite store, no Quarry. Records the ratios.
//   npm run bench:cli        (needs curl and jq on PATH)
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
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
// bin/quarry.js without its choice of the bundle: the compiled modules, with the same compile cache.
const unbundled = join(dir, 'unbundled.mjs')
writeFileSync(
  unbundled,
  `import module from 'node:module'\nmodule.enableCompileCache?.()\nawait import(${JSON.stringify(new URL('../dist/cli/main.js', import.meta.url).href)})\n`,
)

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
  // The other side must answer the same page: an error answer would time something else.
  const keysOf = (rows) => rows.map((row) => row.key).join(',')
  if (keysOf(JSON.parse(timed('bash', curlArgs).out)) !== keysOf(JSON.parse(warm)))
    throw new Error('curl | jq answered other rows than quarry run')
  const runArgs = ['--db', db, 'run', 'hundred', '--format', 'json']
  const floorArgs = ['bench/cli-floor.mjs', db, 'hundred']
  const floorRows = JSON.parse(timed(process.execPath, floorArgs).out)
  if (JSON.stringify(floorRows) !== JSON.stringify(JSON.parse(warm)))
    throw new Error('the floor (bench/cli-floor.mjs) printed other rows than quarry run')
  const times = { quarry: [], unbundled: [], curl: [], help: [], helpUnbundled: [], node: [], floor: [] }
  for (let i = 0; i < RUNS; i++) {
    times.quarry.push(timed(process.execPath, ['bin/quarry.js', ...runArgs], { env }).ms)
    times.unbundled.push(timed(process.execPath, [unbundled, ...runArgs], { env }).ms)
    times.curl.push(timed('bash', curlArgs).ms)
    times.help.push(timed(process.execPath, ['bin/quarry.js', '--help'], { env }).ms)
    times.helpUnbundled.push(timed(process.execPath, [unbundled, '--help'], { env }).ms)
    times.node.push(timed(process.execPath, ['-e', '0'], { env }).ms)
    times.floor.push(timed(process.execPath, floorArgs, { env }).ms)
  }
  const m = Object.fromEntries(Object.entries(times).map(([name, xs]) => [name, median(xs)]))
  const line = [
    `\`quarry run\` of a cached 100-row query (fresh process, JSON out) vs \`curl -s URL | jq\` on the same page: **${(m.quarry / m.curl).toFixed(2)}×** (target ≤ 3; quarry ${m.quarry.toFixed(0)} ms, curl+jq ${m.curl.toFixed(0)} ms; from the compiled modules without the bundle ${(m.unbundled / m.curl).toFixed(2)}×, ${m.unbundled.toFixed(0)} ms)`,
    `The floor, Node reading the same cached rows straight from the SQLite store (bench/cli-floor.mjs, no Quarry): ${(m.floor / m.curl).toFixed(2)}× curl+jq (${m.floor.toFixed(0)} ms; \`node -e 0\` ${(m.node / m.curl).toFixed(2)}×); the cached run ${(m.quarry / m.floor).toFixed(2)}× the floor`,
    `\`quarry --help\` vs \`node -e 0\`: **${(m.help / m.node).toFixed(2)}×** (target ≤ 2; ${m.help.toFixed(0)} vs ${m.node.toFixed(0)} ms; without the bundle ${(m.helpUnbundled / m.node).toFixed(2)}×)`,
    `Medians of ${RUNS} alternating runs of each; machine load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores.`,
  ].join('\n')
  console.log(line)
  if (!process.argv.includes('--no-write'))
    recordResult('CLI: cached run vs curl | jq', 'npm run bench:cli', line)
} finally {
  sim.stop()
  rmSync(dir, { recursive: true, force: true })
}
