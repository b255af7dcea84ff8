import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { startTestEngine, TEST_SECRET_KEY, type TestEngine } from '../helpers/engine.js'

/**
 * Issue 12: one page that a converter turns into 150,000 rows crashed `quarry run --format csv|json`
 * with `RangeError: Maximum call stack size exceeded` (the row queue spread a page into push()).
 * The built CLI, as a user runs it.
 */

const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
const ROWS = 150_000
let api: ApiServer
let engine: TestEngine

function quarry(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, '--db', join(engine.dir, 'quarry.db'), ...args], {
      env: {
        ...process.env,
        QUARRY_SECRET_KEY: TEST_SECRET_KEY,
        QUARRY_DATABASE_URL: '',
        XDG_DATA_HOME: engine.dir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('exit', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr }))
  })
}

beforeAll(async () => {
  api = await startApiServer()
  engine = await startTestEngine()
  await engine.addDatasource({ name: 'api', type: 'rest', baseUrl: api.url, auth: { type: 'none' } })
  await engine.addQuery({
    name: 'many',
    datasource: 'api',
    path: '/echo',
    converter: `function convert() { return Array.from({ length: ${ROWS} }, (_, i) => ({ n: i + 1, text: 'row ' + (i + 1) + ', "quoted"' })) }`,
  })
})
afterAll(async () => {
  await engine?.close()
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
})
