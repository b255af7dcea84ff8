// Memory: 100,000 Jira issues from the simulator to CSV, then to XLSX, through `quarry run`,
// each in its own process; its peak RSS (getrusage maxrss) must stay ≤ 300 MB.
//   npm run bench:memory
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { recordResult } from './results.mjs'
import { consent, jiraDatasourceArgs, startSim } from './sim-process.mjs'

const ISSUES = 100_000
const LIMIT_MB = 300
const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-'))
const env = {
  ...process.env,
  QUARRY_SECRET_KEY: Buffer.alloc(32, 2).toString('base64'),
  QUARRY_DATABASE_URL: '',
}
const db = join(dir, 'q.db')

/** Runs the CLI; resolves with its exit code, stderr and peak RSS in MB (reported by a preload at exit). */
function quarry(args, { sink = false } = {}) {
  const preload = `process.on('exit', () => process.stderr.write('maxrss=' + process.resourceUsage().maxRSS + '\\n'))`
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        ...(process.env.QUARRY_BENCH_HEAP_MB
          ? [`--max-old-space-size=${process.env.QUARRY_BENCH_HEAP_MB}`]
          : []),
        '--import',
        `data:text/javascript,${encodeURIComponent(preload)}`,
        'bin/quarry.js',
        '--db',
        db,
        ...args,
      ],
      {
        env,
        stdio: ['ignore', sink ? 'ignore' : 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    let bytes = 0
    child.stdout?.on('data', (chunk) => (bytes += chunk.length))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('exit', (code) => {
      const rss = Number(/maxrss=(\d+)/.exec(stderr)?.[1] ?? NaN) / 1024
      resolve({ code, stderr, rss, bytes })
    })
  })
}

// 170,000 issues put a little over 100,000 on acme (DEMO, WEB, OPS).
const sim = await startSim(['--issues', '170000', '--seed', '5'])
try {
  const { tokens, cloudId } = await consent(sim.url)
  const add = await quarry(
    jiraDatasourceArgs(sim.url, `${sim.url}/ex/jira/${cloudId}/rest/api/3`, tokens.refresh_token),
  )
  if (add.code !== 0) throw new Error(add.stderr)
  const query = await quarry([
    'query',
    'add',
    'all',
    '--datasource',
    'jira',
    '--path',
    '/search/jql?jql=project%20in%20(DEMO,WEB,OPS)%20ORDER%20BY%20key&fields=key,summary,status,assignee,created&maxResults=100',
    '--pagination',
    'next-page-token',
    '--max-pages',
    '5000',
  ])
  if (query.code !== 0) throw new Error(query.stderr)
  for (const [format, label] of [
    ['csv', 'CSV'],
    ['xlsx', 'XLSX'],
  ]) {
    const run = await quarry(['run', 'all', '--format', format])
    if (run.code !== 0) throw new Error(run.stderr)
    const rows = run.bytes > 0 ? 'rows' : 'nothing'
    const line = `\`quarry run\` of ${ISSUES.toLocaleString('en')}+ issues (5 fields) from the simulator to ${label} (${(run.bytes / 1e6).toFixed(1)} MB of ${rows}): peak RSS **${run.rss.toFixed(0)} MB** = ${(run.rss / LIMIT_MB).toFixed(2)}× the ${LIMIT_MB} MB limit`
    console.log(line)
    if (!process.argv.includes('--no-write'))
      recordResult(`Engine: memory, 100,000 issues to ${label}`, 'npm run bench:memory', line)
  }
} finally {
  sim.stop()
  rmSync(dir, { recursive: true, force: true })
}
