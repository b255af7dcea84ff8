// Issue 18 spike: bench/cli.mjs's cached 100-row query and page, then each variant below started
// as a fresh process, alternating, RUNS times: wall time and CPU time (`perf stat` task-clock, all
// threads) per process, medians. Each Quarry variant's output is checked against the baseline's.
// BASE (default: this checkout) is the Quarry whose bin/quarry.js the base variants start.
//   npm run build && node bench/cli-snapshot/build.mjs && node bench/cli-snapshot/measure.mjs 15
//   node bench/cli-snapshot/measure.mjs 15 node curl baseRun snapRun     (a choice of variants)
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { consent, jiraDatasourceArgs, startSim } from '../sim-process.mjs'

const RUNS = Number(process.argv[2] ?? 15)
const OUT = 'bench/out/cli-snapshot/'
const BASE = process.env.BASE ?? process.cwd()
const dir = mkdtempSync(join(tmpdir(), 'quarry-spike-'))
const env = {
  ...process.env,
  QUARRY_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
  QUARRY_DATABASE_URL: '',
}
const db = join(dir, 'q.db')
function quarry(...args) {
  const run = spawnSync(process.execPath, [`${BASE}/bin/quarry.js`, '--db', db, ...args], {
    env,
    encoding: 'utf8',
  })
  if (run.status !== 0) throw new Error(`quarry ${args.join(' ')}: ${run.stderr}`)
  return run.stdout
}
function timed(command, args) {
  const run = spawnSync(
    'perf',
    ['stat', '-x,', '-e', 'task-clock', '-o', join(dir, 'perf'), '--', command, ...args],
    { encoding: 'utf8', env },
  )
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${run.stderr}`)
  const started = performance.now()
  const again = spawnSync(command, args, { encoding: 'utf8', env })
  const ms = performance.now() - started
  const cpu = Number(
    spawnSync('cat', [join(dir, 'perf')], { encoding: 'utf8' })
      .stdout.split('\n')
      .find((l) => l.includes('task-clock'))
      .split(',')[0],
  )
  return { ms, cpu, out: again.stdout }
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
  const fresh = await consent(sim.url)
  const run = ['--db', db, 'run', 'hundred', '--format', 'json']
  const VARIANTS = {
    node: [process.execPath, ['-e', '0']],
    curl: [
      'bash',
      [
        '-c',
        `curl -s -H "Authorization: Bearer ${fresh.tokens.access_token}" '${base}${path}' | jq -c '[.issues[] | {key, summary: .fields.summary}]'`,
      ],
    ],
    baseRun: [process.execPath, [`${BASE}/bin/quarry.js`, ...run]],
    baseHelp: [process.execPath, [`${BASE}/bin/quarry.js`, '--help']],
    snapRun: [process.execPath, ['--snapshot-blob', `${OUT}cli.blob`, '--', ...run]],
    snapHelp: [process.execPath, ['--snapshot-blob', `${OUT}cli.blob`, '--', '--help']],
    snap1Run: [process.execPath, ['--snapshot-blob', `${OUT}cli-run-only.blob`, '--', ...run]],
    snap1Help: [process.execPath, ['--snapshot-blob', `${OUT}cli-run-only.blob`, '--', '--help']],
    emptySnap: [process.execPath, ['--snapshot-blob', `${OUT}empty.blob`]],
    vmRunOnly: [process.execPath, ['bench/cli-snapshot/vm-cache-runner.cjs', ...run]],
    vmFull: [
      'env',
      ['SPIKE_BUNDLE=cli.cjs', process.execPath, 'bench/cli-snapshot/vm-cache-runner.cjs', ...run],
    ],
    vmFullEarly: [
      'env',
      [
        'SPIKE_EARLY=1',
        'SPIKE_BUNDLE=cli.cjs',
        process.execPath,
        'bench/cli-snapshot/vm-cache-runner.cjs',
        ...run,
      ],
    ],
    vmFullHelp: [
      'env',
      ['SPIKE_BUNDLE=cli.cjs', process.execPath, 'bench/cli-snapshot/vm-cache-runner.cjs', '--help'],
    ],
  }
  const names =
    process.argv.length > 3
      ? process.argv.slice(3)
      : [
          'node',
          'emptySnap',
          'curl',
          'baseRun',
          'snapRun',
          'snap1Run',
          'vmRunOnly',
          'baseHelp',
          'snapHelp',
          'snap1Help',
        ]
  for (const name of names) {
    if (/Run|vmFull$/.test(name)) {
      const out = timed(...VARIANTS[name]).out
      if (out !== warm) throw new Error(`${name}: output differs from the baseline's`)
    }
  }
  const times = Object.fromEntries(names.map((n) => [n, { ms: [], cpu: [] }]))
  const load = [loadavg()[0]]
  for (let i = 0; i < RUNS; i++) {
    for (const name of names) {
      const t = timed(...VARIANTS[name])
      times[name].ms.push(t.ms)
      times[name].cpu.push(t.cpu)
    }
  }
  load.push(loadavg()[0])
  const m = Object.fromEntries(names.map((n) => [n, { ms: median(times[n].ms), cpu: median(times[n].cpu) }]))
  for (const n of names) {
    console.log(
      `${n.padEnd(10)} wall ${m[n].ms.toFixed(0).padStart(5)} ms  cpu ${m[n].cpu.toFixed(0).padStart(5)} ms` +
        (m.curl ? `  wall/curl ${(m[n].ms / m.curl.ms).toFixed(2)}×` : '') +
        (m.node ? `  cpu/node ${(m[n].cpu / m.node.cpu).toFixed(2)}×` : ''),
    )
  }
  console.log(
    `medians of ${RUNS} alternating runs; load average ${load.map((l) => l.toFixed(1)).join(' → ')}`,
  )
} finally {
  sim.stop()
  rmSync(dir, { recursive: true, force: true })
}
