import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCommand } from '../../src/cli/run-command.js'
import type { BinaryFormat } from '../../src/render/format.js'
import { outputFormats, registerFormat, type Row } from '../../src/render/index.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { startTestSim } from '../helpers/sim.js'

/**
 * Issue 11: a format is one registered member, and a binary one (XLSX, issue 16) needs no change to
 * the server or the CLI. This one writes bytes that are not UTF-8 around a text chunk per row, so
 * any decoding or re-encoding on the way out would show.
 */
const bytesFormat: BinaryFormat = {
  name: 'bytes',
  label: 'Bytes',
  mediaType: 'application/x-quarry-test',
  extension: 'bin',
  binary: true,
  async *write(rows) {
    yield Uint8Array.of(0xff, 0x00, 0xfe)
    for await (const row of rows) yield `${JSON.stringify(row)}\n`
    yield Uint8Array.of(0x80)
  },
}

function expectedBytes(rows: readonly Row[]): Buffer {
  return Buffer.concat([
    Buffer.of(0xff, 0x00, 0xfe),
    ...rows.map((row) => Buffer.from(`${JSON.stringify(row)}\n`)),
    Buffer.of(0x80),
  ])
}

const JQL = 'project = DEMO AND key <= DEMO-5 ORDER BY key ASC'
const CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Summary: issue.fields.summary }))
}`

let sim: RunningSimulator
let server: TestServer
let unregister: () => void

beforeAll(async () => {
  unregister = registerFormat(bytesFormat)
  sim = await startTestSim({ issues: 20 })
  server = await startTestServer()
  await addSimJira(server.engine, sim)
  await server.engine.addQuery({
    name: 'demo',
    datasource: 'jira',
    path: '/search/jql?jql=:jql&fields=summary&maxResults=50',
    params: [{ name: 'jql', type: 'string', default: JQL }],
    pagination: { type: 'next-page-token' },
    converter: CONVERTER,
  })
}, 30_000)
afterAll(async () => {
  unregister()
  await server.close()
  await sim.close()
})

/** The rows the view has, as its JSON download gives them. */
async function viewRows(): Promise<Row[]> {
  const viewer = await server.signIn('vic', 'viewer')
  return (await server.as(viewer, { url: '/v/demo/rows.json' })).json()
}

describe('a registered binary format', () => {
  it('is offered among the view’s downloads, after the built-in ones', async () => {
    expect(outputFormats().map((format) => format.extension)).toEqual([
      'txt',
      'json',
      'csv',
      'xlsx',
      'ndjson',
      'html',
      'bin',
    ])
    const viewer = await server.signIn('vic', 'viewer')
    const page = (await server.as(viewer, { url: '/v/demo' })).body
    expect(page).toContain('<a href="/v/demo/rows.csv" download>CSV</a>')
    expect(page).toContain('<a href="/v/demo/rows.bin" download>Bytes</a>')
  })

  it('downloads from the server byte for byte, with its media type and file name', async () => {
    const rows = await viewRows()
    expect(rows).toHaveLength(5)
    const viewer = await server.signIn('vic', 'viewer')
    const response = await server.as(viewer, { url: '/v/demo/rows.bin' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/x-quarry-test')
    expect(response.headers['content-disposition']).toBe('attachment; filename="demo.bin"')
    expect(response.rawPayload.equals(expectedBytes(rows))).toBe(true)
  })

  it('is written by `quarry run --format bytes` byte for byte', async () => {
    const rows = await viewRows()
    const written: Buffer[] = []
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk)
        done()
      },
    })
    const saved = { key: process.env.QUARRY_SECRET_KEY, url: process.env.QUARRY_DATABASE_URL }
    process.env.QUARRY_SECRET_KEY = TEST_SECRET_KEY
    delete process.env.QUARRY_DATABASE_URL
    try {
      await runCommand('demo', { format: 'bytes' }, { db: join(server.engine.dir, 'quarry.db') }, { stdout })
    } finally {
      for (const [name, value] of [
        ['QUARRY_SECRET_KEY', saved.key],
        ['QUARRY_DATABASE_URL', saved.url],
      ] as const) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    }
    expect(Buffer.concat(written).equals(expectedBytes(rows))).toBe(true)
  })

  it('is refused by name or extension once another format has it', () => {
    expect(() => registerFormat({ ...bytesFormat, extension: 'other' })).toThrow(
      /"bytes".*registered already/,
    )
    expect(() => registerFormat({ ...bytesFormat, name: 'other', extension: 'csv' })).toThrow(
      /"csv".*registered already/,
    )
  })

  it('answers an extension no format has with 404', async () => {
    const viewer = await server.signIn('vic', 'viewer')
    const response = await server.as(viewer, { url: '/v/demo/rows.parquet' })
    expect(response.statusCode).toBe(404)
    expect(response.json().error.code).toBe('QUARRY_NOT_FOUND')
    expect(response.json().error.message).toContain('rows.csv, rows.xlsx, rows.ndjson, rows.html, rows.bin')
  })
})
