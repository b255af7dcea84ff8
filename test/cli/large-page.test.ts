import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import type { TestEngine } from '../helpers/engine.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { runQuarry, type CliRun } from '../helpers/cli.js'

/**
 * Issue 12: one page that a converter turns into 150,000 rows crashed `quarry run --format csv|json`
 * with `RangeError: Maximum call stack size exceeded` (the row queue spread a page into push()).
 * The built CLI, as a user runs it.
 */

const ROWS = 150_000
let api: ApiServer
let server: TestServer
let engine: TestEngine
let admin: Browser

function quarry(...args: string[]): Promise<CliRun> {
  return runQuarry({ db: join(engine.dir, 'quarry.db'), dir: engine.dir }, ...args)
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
