// Converter cost: the guide's converter (docs/architecture.md) over 10,000 Jira v3 issues,
// run by ConverterPool (isolated-vm in a worker process, rows back as JSON text)
// vs the same function called in plain in-process JavaScript. Target: ≤ 1.5×.
// Needs the compiled code: `npx tsc -p tsconfig.build.json` first. `--no-write`
// prints the result without touching bench/RESULTS.md.
import { ConverterPool } from '../dist/convert/index.js'
import { recordResult } from './results.mjs'

const ISSUES = 10_000
const PAGE_SIZE = 100 // what search/jql returns with fields
const WARMUP = 3
const ROUNDS = 21

const SOURCE = `function convert(json) {
  const parsed = JSON.parse(json);
  return parsed['issues'].map(issue => ({ 'Issue Key': issue.key, 'Description': issue.fields.description }));
}`

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

function makePages() {
  const next = random(42)
  const pages = []
  for (let start = 0; start < ISSUES; start += PAGE_SIZE) {
    const issues = []
    for (let i = start; i < Math.min(ISSUES, start + PAGE_SIZE); i++) issues.push(makeIssue(i, next))
    const last = start + PAGE_SIZE >= ISSUES
    pages.push(
      JSON.stringify(last ? { issues, isLast: true } : { issues, nextPageToken: `t${start}`, isLast: false }),
    )
  }
  return pages
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const pages = makePages()
const bytes = pages.reduce((sum, page) => sum + Buffer.byteLength(page), 0)
const convert = new Function(`${SOURCE}\nreturn convert`)()
const plain = () => {
  const rows = []
  for (const page of pages) for (const row of convert(page)) rows.push(row)
  return rows
}
const metadata = { query: 'bench', parameters: {} }
// The default pool (2 workers: a run this large is split between them), and one
// worker alone, for the cost of the boundary without the second core.
const pool = new ConverterPool()
const single = new ConverterPool({ size: 1 })
const sandboxed = () => pool.run({ source: SOURCE, pages, metadata })
const oneWorker = () => single.run({ source: SOURCE, pages, metadata })

// Same rows every way, or the comparison means nothing.
const expected = JSON.stringify(plain())
for (const result of [await sandboxed(), await oneWorker()])
  if (result.rowCount !== ISSUES || result.rowsJson !== expected) throw new Error('rows differ')

for (let i = 0; i < WARMUP; i++) {
  plain()
  await sandboxed()
  await oneWorker()
}
const times = { plain: [], sandboxed: [], oneWorker: [] }
for (let i = 0; i < ROUNDS; i++) {
  // Alternate, so every side sees the same machine.
  for (const [name, run] of [
    ['plain', plain],
    ['sandboxed', sandboxed],
    ['oneWorker', oneWorker],
  ]) {
    const start = performance.now()
    await run()
    times[name].push(performance.now() - start)
  }
}
await Promise.all([pool.close(), single.close()])

const plainMs = median(times.plain)
const sandboxedMs = median(times.sandboxed)
const ratio = sandboxedMs / plainMs
const oneWorkerRatio = median(times.oneWorker) / plainMs
const fastest = (list) => Math.min(...list).toFixed(0)
const line =
  `example converter over ${ISSUES} v3 issues (${(bytes / 1e6).toFixed(1)} MB, ${pages.length} pages of ${PAGE_SIZE}): ` +
  `sandboxed ${sandboxedMs.toFixed(0)} ms vs plain ${plainMs.toFixed(0)} ms — ratio **${ratio.toFixed(2)}** ` +
  `(target ≤ 1.5; median of ${ROUNDS} alternating warm runs each, fastest ${fastest(times.sandboxed)} vs ` +
  `${fastest(times.plain)} ms; sandboxed = ConverterPool, 2 worker processes: pages streamed in over IPC, ` +
  `split between the workers, rows back as one JSON text). One worker alone: ratio ${oneWorkerRatio.toFixed(2)}.`
console.log(line)
if (!process.argv.includes('--no-write'))
  recordResult('Converter: sandboxed vs plain', 'npm run bench:convert', line)
