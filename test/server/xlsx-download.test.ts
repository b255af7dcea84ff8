import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Row } from '../../src/render/index.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { runQuarryToFile } from '../helpers/cli.js'
import { addSimJira } from '../helpers/jira.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { startTestSim } from '../helpers/sim.js'
import { ExcelJS, readSheet, sheetValues } from '../helpers/xlsx.js'

/**
 * Issue 16: `quarry run --format xlsx` (the built CLI, writing a file) and the view's XLSX download
 * (the real app), each opened by exceljs and checked cell by cell against the view's JSON rows.
 */

const JQL = 'project = DEMO AND key <= DEMO-5 ORDER BY key ASC'
// Typed values from the converter: text, numbers, booleans, Jira timestamps, formula text, nothing.
const CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map(issue => {
    const n = Number(issue.key.split('-')[1])
    return { Key: issue.key, Summary: issue.fields.summary, N: n, Half: n / 2, Even: n % 2 === 0,
      Created: issue.fields.created, Note: n === 2 ? '=1+1' : null }
  })
}`

let sim: RunningSimulator
let server: TestServer
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-xlsx-'))
  sim = await startTestSim({ issues: 20 })
  server = await startTestServer()
  await addSimJira(server.engine, sim)
  const query = {
    datasource: 'jira',
    path: '/search/jql?jql=:jql&fields=summary,created&maxResults=2',
    params: [{ name: 'jql', type: 'string' as const, default: JQL }],
    pagination: { type: 'next-page-token' as const },
    converter: CONVERTER,
  }
  await server.engine.addQuery({ ...query, name: 'open-bugs.2026-q1-longer-than-a-sheet-name' })
  await server.engine.addQuery({
    ...query,
    name: 'public-bugs',
    visibility: { public: true },
  })
}, 30_000)
afterAll(async () => {
  await server.close()
  await sim.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The view's rows, as its JSON download gives them. */
async function viewRows(query: string): Promise<Row[]> {
  const viewer = await server.signIn('vic', 'viewer')
  return (await server.as(viewer, { url: `/v/${encodeURIComponent(query)}/rows.json` })).json()
}

/** Checks an XLSX file holds exactly these rows, typed, under a frozen bold header. */
async function expectSheetOf(bytes: Uint8Array, rows: readonly Row[], name: string): Promise<void> {
  const sheet = await readSheet(bytes)
  expect(sheet.name).toBe(name)
  expect(sheet.views).toEqual([expect.objectContaining({ state: 'frozen', ySplit: 1 })])
  const columns = ['Key', 'Summary', 'N', 'Half', 'Even', 'Created', 'Note']
  expect(sheetValues(sheet)[0]).toEqual(columns)
  expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true)
  expect(sheet.rowCount).toBe(rows.length + 1)
  rows.forEach((row, index) => {
    const cells = sheet.getRow(index + 2)
    expect(cells.getCell(1).value).toBe(row.Key)
    expect(cells.getCell(2).value).toBe(row.Summary)
    expect(cells.getCell(3).type).toBe(ExcelJS.ValueType.Number)
    expect(cells.getCell(3).value).toBe(row.N)
    expect(cells.getCell(4).value).toBe(row.Half)
    expect(cells.getCell(5).type).toBe(ExcelJS.ValueType.Boolean)
    expect(cells.getCell(5).value).toBe(row.Even)
    // Jira's `2026-01-15T10:30:00.000+0000` is a date cell at that instant.
    expect(cells.getCell(6).type).toBe(ExcelJS.ValueType.Date)
    expect((cells.getCell(6).value as Date).getTime()).toBe(Date.parse(String(row.Created)))
    expect(cells.getCell(7).value).toBe(row.Note ?? null)
  })
  expect(sheet.getRow(3).getCell(7).value).toBe('=1+1')
  // Widths from the content: the key column is narrow, the summary wider, the date fits its text.
  const widths = sheet.columns.map((column) => column.width ?? 0)
  const longestSummary = Math.max(...rows.map((row) => String(row.Summary).length))
  expect(widths[0]).toBe(8)
  expect(widths[1]).toBe(Math.min(60, longestSummary + 2))
  // `yyyy-mm-dd hh:mm:ss` and 2, or with `.000` when some timestamp has milliseconds.
  const millis = rows.some((row) => Date.parse(String(row.Created)) % 1000 !== 0)
  expect(widths[5]).toBe(millis ? 25 : 21)
}

describe('quarry run --format xlsx', () => {
  it('writes a workbook a spreadsheet program opens, typed, with a frozen header', async () => {
    const rows = await viewRows('open-bugs.2026-q1-longer-than-a-sheet-name')
    expect(rows).toHaveLength(5)
    const file = join(dir, 'out.xlsx')
    const db = join(server.engine.dir, 'quarry.db')
    const run = await runQuarryToFile({ db, dir }, file, [
      'run',
      'open-bugs.2026-q1-longer-than-a-sheet-name',
      '--format',
      'xlsx',
    ])
    expect(run.code, run.stderr).toBe(0)
    await expectSheetOf(readFileSync(file), rows, 'open-bugs.2026-q1-longer-than-a')
  })
})

describe('the view’s XLSX download', () => {
  it('is offered beside CSV and JSON', async () => {
    const viewer = await server.signIn('vic', 'viewer')
    const page = (await server.as(viewer, { url: '/v/public-bugs' })).body
    expect(page).toContain('<a href="/v/public-bugs/rows.csv" download>CSV</a>')
    expect(page).toContain('<a href="/v/public-bugs/rows.xlsx" download>XLSX</a>')
  })

  it('sends the workbook with its media type and file name', async () => {
    const rows = await viewRows('open-bugs.2026-q1-longer-than-a-sheet-name')
    const viewer = await server.signIn('vic', 'viewer')
    const response = await server.as(viewer, {
      url: `/v/${'open-bugs.2026-q1-longer-than-a-sheet-name'}/rows.xlsx`,
    })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    )
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="open-bugs.2026-q1-longer-than-a-sheet-name.xlsx"',
    )
    await expectSheetOf(response.rawPayload, rows, 'open-bugs.2026-q1-longer-than-a')
  })

  it('takes parameters from the URL, and a visitor’s only as the CSV download does', async () => {
    const viewer = await server.signIn('vic', 'viewer')
    const jql = encodeURIComponent('project = DEMO AND key = DEMO-3')
    const chosen = await server.as(viewer, { url: `/v/public-bugs/rows.xlsx?jql=${jql}` })
    expect(chosen.statusCode).toBe(200)
    expect(sheetValues(await readSheet(chosen.rawPayload)).map((row) => row[0])).toEqual(['Key', 'DEMO-3'])
    const visitor = await server.as(undefined, { url: '/v/public-bugs/rows.xlsx' })
    expect(visitor.statusCode).toBe(200)
    expect((await readSheet(visitor.rawPayload)).rowCount).toBe(6)
    for (const extension of ['csv', 'xlsx']) {
      const refused = await server.as(undefined, { url: `/v/public-bugs/rows.${extension}?jql=${jql}` })
      expect(refused.statusCode, extension).toBe(403)
      expect(refused.json().error.code, extension).toBe('QUARRY_PARAM_NOT_ALLOWED')
    }
  })
})
