import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import type { TestEngine } from '../helpers/engine.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { runQuarry, type CliRun } from '../helpers/cli.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'

/**
 * Issue 12: one page that a converter turns into 150,000 rows crashed `quarry run --format csv|json`
 * with `RangeError: Maximum call stack size exceeded` (the row queue spread a page into push()).
 * The built CLI, as a user runs it.
 */

const ROWS = 150_000
/** The memory bench's limit for a whole `quarry run` process (bench/memory.mjs, LIMIT_MB). */
const MEMORY_BENCH_LIMIT_MB = 300
const MILLION = 1_000_000
let api: ApiServer
let server: TestServer
let engine: TestEngine
let admin: Browser

function quarry(...args: string[]): Promise<CliRun> {
  return runQuarry({ db: join(engine.dir, 'quarry.db'), dir: engine.dir }, ...args)
}

/**
 * Runs the built CLI as bench/memory.mjs does, its peak RSS reported at exit (getrusage, this process
 * alone: the converter worker is a process of its own, held to its own limit). Output is not kept,
 * only counted: its lines and the last one.
 */
function measured(
  ...args: string[]
): Promise<{ code: number | null; stderr: string; lines: number; last: string; peakMb: number }> {
  const report = `process.on('exit', () => process.stderr.write('maxrss=' + process.resourceUsage().maxRSS + '\\n'))`
  const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(report)}`,
        bin,
        '--db',
        join(engine.dir, 'quarry.db'),
        ...args,
      ],
      {
        env: {
          ...process.env,
          QUARRY_SECRET_KEY: TEST_SECRET_KEY,
          QUARRY_DATABASE_URL: '',
          XDG_DATA_HOME: engine.dir,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let lines = 0
    let tail = ''
    let stderr = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      for (let at = chunk.indexOf('\n'); at !== -1; at = chunk.indexOf('\n', at + 1)) lines++
      tail = (tail + chunk).slice(-200)
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('exit', (code) => {
      const peakKb = Number(/maxrss=(\d+)\n/.exec(stderr)?.[1] ?? NaN)
      const ends = tail.trimEnd().split('\n')
      resolve({
        code,
        stderr: stderr.replace(/maxrss=\d+\n/, ''),
        lines,
        last: ends[ends.length - 1] ?? '',
        peakMb: peakKb / 1024,
      })
    })
  })
}

beforeAll(async () => {
  api = await startApiServer()
  server = await startTestServer()
  engine = server.engine
  admin = await server.signIn('ada', 'admin')
  await engine.addDatasource({ name: 'api', type: 'rest', baseUrl: api.url, auth: { type: 'none' } })
  await engine.addQuery({
    name: 'capped',
    datasource: 'api',
    path: '/echo',
    maxRows: 1000,
    converter: `function convert() { return Array.from({ length: ${ROWS} }, (_, i) => ({ n: i + 1 })) }`,
  })
  await engine.addQuery({
    name: 'many',
    datasource: 'api',
    path: '/echo',
    converter: `function convert() { return Array.from({ length: ${ROWS} }, (_, i) => ({ n: i + 1, text: 'row ' + (i + 1) + ', "quoted"' })) }`,
  })
  // A million rows, the default converterMaxRows; built with a plain loop (fast even in a cold context).
  await engine.addQuery({
    name: 'million',
    datasource: 'api',
    path: '/echo',
    converter: `function convert() { const rows = new Array(${MILLION}); for (let i = 0; i < ${MILLION}; i++) rows[i] = { n: i + 1 }; return rows }`,
  })
  // Ten million rows: one row object ten million times, so they fit the converter's heap.
  await engine.addQuery({
    name: 'ten-million',
    datasource: 'api',
    path: '/echo',
    converter: 'function convert() { return new Array(1e7).fill({ n: 1 }) }',
  })
})
afterAll(async () => {
  await server?.close()
  await api?.close()
})

describe('a single page of 150,000 rows (issue 12)', () => {
  it('streams to CSV, every row in order', async () => {
    const { code, stdout, stderr } = await quarry('run', 'many', '--format', 'csv')
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const lines = stdout.split('\r\n')
    expect(lines).toHaveLength(ROWS + 2)
    expect(lines[0]).toBe('n,text')
    expect(lines[1]).toBe('1,"row 1, ""quoted"""')
    expect(lines[ROWS]).toBe(`${ROWS},"row ${ROWS}, ""quoted"""`)
  }, 60_000)

  it('streams to JSON that parses back to every row', async () => {
    const { code, stdout, stderr } = await quarry('run', 'many', '--format', 'json')
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const rows = JSON.parse(stdout) as { n: number; text: string }[]
    expect(rows).toHaveLength(ROWS)
    expect(rows[ROWS - 1]).toEqual({ n: ROWS, text: `row ${ROWS}, "quoted"` })
  }, 60_000)

  it('is answered whole by the API run, and as CSV by the view download', async () => {
    const run = await server.as(admin, { method: 'POST', url: '/api/queries/many/run', payload: {} })
    expect(run.statusCode).toBe(200)
    const body = run.json<{ rowCount: number; rows: unknown[] }>()
    expect(body.rowCount).toBe(ROWS)
    expect(body.rows).toHaveLength(ROWS)
    const csv = await server.as(admin, { method: 'GET', url: '/v/many/rows.csv' })
    expect(csv.statusCode).toBe(200)
    expect(csv.body.split('\r\n')).toHaveLength(ROWS + 2)
  }, 60_000)

  it("stops at the query's row limit and says so", async () => {
    const { code, stdout, stderr } = await quarry('run', 'capped', '--format', 'ndjson')
    expect(code).toBe(0)
    expect(stderr).toBe("note: Stopped at 1000 rows (the query's maxRows); more results may exist.\n")
    const lines = stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1000)
    expect(lines[999]).toBe('{"n":1000}')
  }, 60_000)
})

describe('a single page of a million rows and more (issue 12)', () => {
  it.each(['csv', 'ndjson'])(
    `streams 1,000,000 rows to %s within the memory bench's ${MEMORY_BENCH_LIMIT_MB} MB`,
    async (format) => {
      const run = await measured('run', 'million', '--format', format)
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.lines).toBe(format === 'csv' ? MILLION + 1 : MILLION)
      expect(run.last).toBe(format === 'csv' ? String(MILLION) : `{"n":${MILLION}}`)
      expect(run.peakMb).toBeLessThan(MEMORY_BENCH_LIMIT_MB)
    },
    120_000,
  )

  it('stops 10,000,000 rows at the row limit, naming it and how to raise it', async () => {
    const run = await measured('run', 'ten-million', '--format', 'csv')
    expect(run.code).toBe(1)
    expect(run.lines).toBe(0)
    expect(run.stderr).toMatch(
      /^quarry: Converter returned more than 1000000 rows, the row limit for one run; .*raise converterMaxRows on the query or its datasource/,
    )
    expect(run.stderr).not.toMatch(/RangeError|memory|\n\s+at /)
    expect(run.peakMb).toBeLessThan(MEMORY_BENCH_LIMIT_MB)
  }, 60_000)
})
