// Memory: 100,000 Jira issues from the simulator to CSV, then to XLSX, through `quarry run`,
// each in its own process; peak RSS (getrusage maxrss): CSV against issue 18's 150 MB target,
// XLSX against its 300 MB limit. Each run also says where the memory went (sampled in the
// process: V8's heap and its young generation, ArrayBuffers outside the heap, malloc's heap at
// exit), and is repeated with a smaller young generation (--max-semi-space-size) side by side:
// the CLI does not set that flag today, and this measures what it would change.
//   npm run bench:memory
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { recordResult } from './results.mjs'
import { consent, jiraDatasourceArgs, startSim } from './sim-process.mjs'

const ISSUES = 100_000
const LIMIT_MB = { csv: 150, xlsx: 300 }
/** The young generation's semi-space, in MB, of the side-by-side runs (V8's default grows to 32). */
const SEMI_SPACE_MB = 2
const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-'))
const env = {
  ...process.env,
  QUARRY_SECRET_KEY: Buffer.alloc(32, 2).toString('base64'),
  QUARRY_DATABASE_URL: '',
}
const db = join(dir, 'q.db')

/**
 * A preload: samples the process's memory every 20 ms and, at exit, reports the peaks and the
 * RSS of malloc's heap ([heap] in /proc/self/smaps, where freed ArrayBuffers' memory stays).
 */
const preload = `
import v8 from 'node:v8'
import { readFileSync } from 'node:fs'
const peak = { heap: 0, young: 0, arrayBuffers: 0 }
const sample = () => {
  const m = process.memoryUsage()
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0
  peak.heap = Math.max(peak.heap, m.heapTotal)
  peak.young = Math.max(peak.young, young)
  peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers)
}
setInterval(sample, 20).unref()
process.on('exit', () => {
  sample()
  const mallocKb = [...readFileSync('/proc/self/smaps', 'utf8').matchAll(/\\[heap\\]\\n(?:.*\\n)*?Rss:\\s+(\\d+) kB/g)].reduce((sum, m) => sum + Number(m[1]), 0)
  const mb = (bytes) => (bytes / 1048576).toFixed(0)
  process.stderr.write('maxrss=' + process.resourceUsage().maxRSS + ' heap=' + mb(peak.heap) + ' young=' + mb(peak.young) + ' arrayBuffers=' + mb(peak.arrayBuffers) + ' malloc=' + (mallocKb / 1024).toFixed(0) + '\\n')
})
`

/** Runs the CLI; resolves with its exit code, stderr, peak RSS in MB and the preload's breakdown. */
function quarry(args, { sink = false, nodeFlags = [] } = {}) {
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(
      process.execPath,
      [
        ...(process.env.QUARRY_BENCH_HEAP_MB
          ? [`--max-old-space-size=${process.env.QUARRY_BENCH_HEAP_MB}`]
          : []),
        ...nodeFlags,
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
      const breakdown = /heap=\d+ young=\d+ arrayBuffers=\d+ malloc=\d+/.exec(stderr)?.[0] ?? ''
      resolve({ code, stderr, rss, bytes, breakdown, ms: performance.now() - started })
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
  /** Peak RSS and where it went, e.g. "heap 86 MB (young generation 64), ArrayBuffers 40, malloc 52". */
  const where = (run) => {
    const [heap, young, arrayBuffers, malloc] = run.breakdown.match(/\d+/g) ?? []
    return `heap ${heap} MB (young generation ${young}), ArrayBuffers ${arrayBuffers}, malloc's heap ${malloc}`
  }
  // Unmeasured: the simulator's first pass over these pages is slower, which made the first measured
  // run look slower than the one after it (the smaller young generation read as 0.70x the time).
  const warm = await quarry(['run', 'all', '--format', 'csv'], { sink: true })
  if (warm.code !== 0) throw new Error(warm.stderr)
  for (const [format, label] of [
    ['csv', 'CSV'],
    ['xlsx', 'XLSX'],
  ]) {
    const run = await quarry(['run', 'all', '--format', format])
    if (run.code !== 0) throw new Error(run.stderr)
    const small = await quarry(['run', 'all', '--format', format], {
      nodeFlags: [`--max-semi-space-size=${SEMI_SPACE_MB}`],
    })
    if (small.code !== 0) throw new Error(small.stderr)
    const limit = LIMIT_MB[format]
    const rows = run.bytes > 0 ? 'rows' : 'nothing'
    const line =
      `\`quarry run\` of ${ISSUES.toLocaleString('en')}+ issues (5 fields) from the simulator to ${label} (${(run.bytes / 1e6).toFixed(1)} MB of ${rows}): peak RSS **${run.rss.toFixed(0)} MB** = ${(run.rss / limit).toFixed(2)}× the ${limit} MB ${format === 'csv' ? 'target (issue 18)' : 'limit'}; at its peaks ${where(run)}.\n` +
      `The same run with \`--max-semi-space-size=${SEMI_SPACE_MB}\` (not set by the CLI today): **${small.rss.toFixed(0)} MB** = ${(small.rss / limit).toFixed(2)}×; ${where(small)}; ${(small.ms / run.ms).toFixed(2)}× the time.`
    console.log(line)
    if (!process.argv.includes('--no-write'))
      recordResult(`Engine: memory, 100,000 issues to ${label}`, 'npm run bench:memory', line)
  }
} finally {
  sim.stop()
  rmSync(dir, { recursive: true, force: true })
}
