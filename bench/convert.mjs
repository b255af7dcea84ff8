// Converter cost: a converter over 10,000 Jira v3 issues run by ConverterPool (isolated-vm in
// worker processes, pages in and rows out over IPC, rows back as JSON text) vs the same
// function called plainly in this process. Two converters, side by side in one run: DESIGN.md's
// example (`parsed['issues'].map(…)` over search/jql pages) and PocketQuery's documented `for…in`
// scaffold (`hasOwnProperty`, `result.push`) over the same issues served as JSON arrays.
// Targets (issue 18): default pool ≤ 1.15×, one worker ≤ 1.3×. Beside them, the pages converted as
// the engine converts a REST result: one run a page as each arrives, the rows streamed out, the
// result's runs in one group (ConverterPool.group: a warm context kept from page to page).
// Plain is measured two ways: the rows as objects (what this bench compared against until
// 2026-12-03), and the rows as the JSON text the pool returns (`rowsJson`, the engine's currency:
// without a sandbox the engine would still have to JSON.stringify the rows, and the check below
// compares exactly that text). Both ratios are printed. Every timed run starts after a full GC, so
// no side pays for the garbage the side before it left (plain leaves ~40 MB of row objects).
// CPU time per run is the parent's (process.cpuUsage) plus the workers' (/proc/<pid>/stat,
// 10 ms ticks, so only its mean over the rounds means anything).
// Needs the compiled code: `npx tsc -p tsconfig.build.json` first. `--no-write`
// prints the result without touching bench/RESULTS.md.
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { ConverterPool } from '../dist/convert/index.js'
import { processCpuMs } from './process-cpu.mjs'
import { recordResult } from './results.mjs'

const ISSUES = 10_000
const PAGE_SIZE = 100 // what search/jql returns with fields
const WARMUP = 3
const ROUNDS = 21

/** DESIGN.md's example converter, as written there. */
const EXAMPLE = `function convert(json) {
  const parsed = JSON.parse(json);
  return parsed['issues'].map(issue => ({
    'Issue Key': issue.key,
    'Description': issue.fields.description,
  }));
}`

/**
 * PocketQuery's converter scaffold as its docs give it (test/fixtures/pocketquery-converters), its
 * two placeholder columns reading the issue's key and description instead.
 */
const SCAFFOLD = readFileSync(
  new URL('../test/fixtures/pocketquery-converters/scaffold.js', import.meta.url),
  'utf8',
).replace(
  /'Column 1 name': current\.column1Name,\s*'Column 2 name': current\.column2Name/,
  "'Issue Key': current.key, 'Description': current.fields.description",
)
if (!SCAFFOLD.includes('current.fields.description')) throw new Error('the scaffold fixture changed')

const WORDS = (
  'cart login retry cache user order invoice report search index ' +
  'session token webhook mobile banner layout query deploy alert filter'
).split(' ')
const PEOPLE = ['Alice Andersen', 'Bob Brown', 'Chen Wei', 'Dana Diaz', 'Emeka Obi', 'Fatima Zahra']
const STATUSES = [
  ['To Do', '10000', 2, 'new', 'blue-gray'],
  ['In Progress', '3', 4, 'indeterminate', 'yellow'],
  ['Done', '10002', 3, 'done', 'green'],
]

/** A small deterministic generator (mulberry32), so every run converts the same bytes. */
function random(seed) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function makeIssue(i, next) {
  const pick = (list) => list[Math.floor(next() * list.length)]
  const sentence = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ')
  const paragraphs = 1 + Math.floor(next() * 2)
  const description = {
    version: 1,
    type: 'doc',
    content: Array.from({ length: paragraphs }, (_, p) => ({
      type: 'paragraph',
      content:
        p === 0
          ? [
              { type: 'text', text: `${sentence(4)} ` },
              { type: 'text', text: sentence(2), marks: [{ type: 'strong' }] },
              { type: 'text', text: '.' },
            ]
          : [{ type: 'text', text: `${sentence(6)}.` }],
    })),
  }
  const [statusName, statusId, categoryId, categoryKey, color] = pick(STATUSES)
  const person = Math.floor(next() * PEOPLE.length)
  const id = String(10_000 + i)
  const day = 1 + (i % 28)
  return {
    id,
    self: `https://api.atlassian.com/ex/jira/5f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5/rest/api/3/issue/${id}`,
    key: `DEMO-${i + 1}`,
    fields: {
      summary: sentence(4),
      description,
      status: {
        name: statusName,
        id: statusId,
        statusCategory: { id: categoryId, key: categoryKey, colorName: color, name: statusName },
      },
      assignee:
        next() < 0.15
          ? null
          : {
              accountId: `712020:${(person * 7919).toString(16).padStart(8, '0')}-0000-4000-8000-00000000000${person}`,
              displayName: PEOPLE[person],
              active: true,
            },
      labels: Array.from({ length: Math.floor(next() * 3) }, () => pick(WORDS)),
      created: `2026-01-${String(day).padStart(2, '0')}T${String(8 + (i % 10)).padStart(2, '0')}:30:00.000+0000`,
    },
  }
}

/** The issues in pages of PAGE_SIZE: as search/jql answers them, and as bare JSON arrays. */
function makePages() {
  const next = random(42)
  const search = []
  const arrays = []
  for (let start = 0; start < ISSUES; start += PAGE_SIZE) {
    const issues = []
    for (let i = start; i < Math.min(ISSUES, start + PAGE_SIZE); i++) issues.push(makeIssue(i, next))
    const last = start + PAGE_SIZE >= ISSUES
    search.push(
      JSON.stringify(last ? { issues, isLast: true } : { issues, nextPageToken: `t${start}`, isLast: false }),
    )
    arrays.push(JSON.stringify(issues))
  }
  return { search, arrays }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** V8's gc(), without asking whoever runs the bench for --expose-gc. */
function exposeGc() {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc')
}

const collect = exposeGc()
const { search, arrays } = makePages()
const bytes = search.reduce((sum, page) => sum + Buffer.byteLength(page), 0)
const metadata = { query: 'bench', parameters: {} }
// The default pool (2 workers: a run this large is split between them), and one
// worker alone, for the cost of the boundary without the second core.
const pool = new ConverterPool()
const single = new ConverterPool({ size: 1 })

/** The three ways to run one converter over its pages; plain is the same function, compiled here. */
function sides(source, pages) {
  const convert = new Function(`${source}\nreturn convert`)()
  return {
    plain: () => plainRows(convert, pages),
    plainJson: () => JSON.stringify(plainRows(convert, pages)),
    pool: () => pool.run({ source, pages, metadata }),
    oneWorker: () => single.run({ source, pages, metadata }),
    engine: () => pageByPage(source, pages),
  }
}

/**
 * As the engine converts a REST result (src/engine/rest-stage.ts): one run a page, as each arrives,
 * the rows streamed out, the pages in one group (a warm context kept between them), default pool.
 */
async function pageByPage(source, pages) {
  const group = pool.group()
  const parts = []
  let rowCount = 0
  const onRows = async (json, count) => {
    parts.push(json.slice(1, -1))
    rowCount += count
  }
  try {
    for (let i = 0; i < pages.length; i++) {
      await pool.run(
        { source, pages: [pages[i]], metadata, position: { first: i, total: null } },
        { onRows, group },
      )
    }
  } finally {
    group.close()
  }
  return { rowsJson: `[${parts.join(',')}]`, rowCount }
}

function plainRows(convert, pages) {
  const rows = []
  for (const page of pages) for (const row of convert(page)) rows.push(row)
  return rows
}

const poolOf = { pool, oneWorker: single, engine: pool }

const converters = { example: sides(EXAMPLE, search), scaffold: sides(SCAFFOLD, arrays) }

// Same rows every way, or the comparison means nothing.
for (const side of Object.values(converters)) {
  const expected = side.plainJson()
  if (expected !== JSON.stringify(side.plain())) throw new Error('plain rows differ')
  for (const result of [await side.pool(), await side.oneWorker(), await side.engine()])
    if (result.rowCount !== ISSUES || result.rowsJson !== expected) throw new Error('rows differ')
}

const runs = Object.entries(converters).flatMap(([name, side]) =>
  Object.entries(side).map(([way, run]) => [`${name} ${way}`, run]),
)
for (let i = 0; i < WARMUP; i++) for (const [, run] of runs) await run()
const times = Object.fromEntries(runs.map(([key]) => [key, []]))
const cpu = Object.fromEntries(runs.map(([key]) => [key, 0]))
const loadBefore = loadavg()
for (let i = 0; i < ROUNDS; i++) {
  // Alternate, so every side sees the same machine.
  for (const [key, run] of runs) {
    const workers = poolOf[key.split(' ')[1]]?.pids ?? []
    collect()
    const workersBefore = workers.map(processCpuMs)
    const cpuBefore = process.cpuUsage()
    const start = performance.now()
    await run()
    times[key].push(performance.now() - start)
    const own = process.cpuUsage(cpuBefore)
    // A worker replaced during the run (one grown past its memory line is) counts as NaN: the mean says so.
    const theirs = workers.reduce((sum, pid, w) => sum + processCpuMs(pid) - workersBefore[w], 0)
    cpu[key] += (own.user + own.system) / 1000 + theirs
  }
}
const loadAfter = loadavg()
await Promise.all([pool.close(), single.close()])

const ms = (key) => median(times[key])
const cpuMs = (key) => cpu[key] / ROUNDS
const ratio = (name, way, plain) => ms(`${name} ${way}`) / ms(`${name} ${plain}`)
const cpuRatio = (name, way, plain) => cpuMs(`${name} ${way}`) / cpuMs(`${name} ${plain}`)
// The issue's ratio is against plain as it would run unsandboxed: the converter's rows as objects.
// Beside it, against plain + JSON.stringify (the text the pool hands back, which the sandbox must make).
const describe = (name, label) =>
  `${label}: default pool **${ratio(name, 'pool', 'plain').toFixed(2)}**, one worker **${ratio(name, 'oneWorker', 'plain').toFixed(2)}** ` +
  `against plain (rows as objects); against plain + \`JSON.stringify\` of the rows ${ratio(name, 'pool', 'plainJson').toFixed(2)} and ${ratio(name, 'oneWorker', 'plainJson').toFixed(2)}; ` +
  `as the engine runs it (a run a page, in one group) **${ratio(name, 'engine', 'plain').toFixed(2)}**; ` +
  `wall ms plain ${ms(`${name} plain`).toFixed(0)}, plain + JSON ${ms(`${name} plainJson`).toFixed(0)}, pool ${ms(`${name} pool`).toFixed(0)}, one worker ${ms(`${name} oneWorker`).toFixed(0)}, engine ${ms(`${name} engine`).toFixed(0)}; ` +
  `CPU ms per run (parent + workers, mean) ${cpuMs(`${name} plain`).toFixed(0)}, ${cpuMs(`${name} plainJson`).toFixed(0)}, ${cpuMs(`${name} pool`).toFixed(0)}, ${cpuMs(`${name} oneWorker`).toFixed(0)}, ${cpuMs(`${name} engine`).toFixed(0)} ` +
  `(CPU ratios against plain: pool ${cpuRatio(name, 'pool', 'plain').toFixed(2)}, one worker ${cpuRatio(name, 'oneWorker', 'plain').toFixed(2)}, engine ${cpuRatio(name, 'engine', 'plain').toFixed(2)})`
const load = (avg) => avg.map((value) => value.toFixed(2)).join(' ')
const line =
  `${ISSUES} Jira v3 issues (${(bytes / 1e6).toFixed(1)} MB, ${search.length} pages of ${PAGE_SIZE}), sandboxed vs the same function run plainly in the parent ` +
  `(targets: pool ≤ 1.15, one worker ≤ 1.3; medians of ${ROUNDS} alternating warm runs each, each after a full GC; pool = ConverterPool's default 2 worker processes, ` +
  `the run split between them; pages streamed in over IPC, rows back as one JSON text; engine = a run a page, in one group, on the default pool; load average ${load(loadBefore)} before, ${load(loadAfter)} after, on ${availableParallelism()} cores):\n` +
  `- ${describe('example', "DESIGN.md's converter (`parsed['issues'].map`)")}\n` +
  `- ${describe('scaffold', 'PocketQuery `for…in` scaffold (same issues as JSON arrays)')}`
console.log(line)
if (!process.argv.includes('--no-write'))
  recordResult('Converter: sandboxed vs plain', 'npm run bench:convert', line)
