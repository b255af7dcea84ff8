/**
 * PocketQuery's documented templates (test/fixtures/pocketquery-templates) render as written, in
 * the converter sandbox (issue 13).
 */
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { VELOCITY_EXAMPLE } from '../../src/domain/query-choices.js'
import { hasElement, htmlTables, htmlText } from '../helpers/html-text.js'
import { tableHtml } from '../../src/render/table-panel.js'
import { columnsOf, type Row } from '../../src/render/cell.js'
import { renderVelocity, velocityEmptyMessage } from '../../src/render/velocity-template.js'

const DIR = new URL('../fixtures/pocketquery-templates/', import.meta.url)
const read = (file: string): string => readFileSync(new URL(file, DIR), 'utf8')

interface Case {
  readonly name: string
  readonly template: string
  readonly query?: string
  readonly result: unknown
  readonly params?: Record<string, string>
  readonly templates?: Record<string, string>
  readonly text: readonly string[]
  readonly notices?: readonly string[]
}

const CASES = JSON.parse(read('cases.json')) as Case[]
const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

function defaultTable(result: unknown): () => string {
  const rows = (Array.isArray(result) ? result : []) as Row[]
  return () => tableHtml({ rows, columns: columnsOf(rows), embed: false })
}

describe("PocketQuery's documented templates", () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s renders as documented', async (_name, c) => {
    const named = Object.fromEntries(
      Object.entries(c.templates ?? {}).map(([name, file]) => [name, read(file)]),
    )
    const output = await renderVelocity(
      read(c.template),
      { result: c.result, query: c.query ?? 'corpus', params: c.params ?? {} },
      { sandbox: pool, templates: async (name) => named[name], defaultTable: defaultTable(c.result) },
    )
    const text = htmlText(output.html)
    // Each documented line, in order.
    let from = 0
    for (const line of c.text) {
      const at = text.indexOf(line, from)
      expect(at, `"${line}" after position ${from} in "${text}"`).toBeGreaterThanOrEqual(0)
      from = at + line.length
    }
    if (c.notices === undefined) expect(output.notices).toEqual([])
    else for (const notice of c.notices) expect(output.notices.join('\n')).toContain(notice)
    // A script never reaches the page (views would not run it anyway: their CSP has no inline script).
    expect(hasElement(output.html, 'script')).toBe(false)
  })

  it("the default template's table is Quarry's default table, cell for cell", async () => {
    const rows: Row[] = [
      { Key: 'QA-1', Summary: 'Login fails <again>', Points: 3, Done: false, Assignee: null },
      { Key: 'QA-2', Summary: 'Ümlaut & "quotes" 😀', Points: 0.5, Done: true, Assignee: 'Ann' },
      { Key: 'QA-3', Summary: '', Points: -2, Done: false, Assignee: 'Bob' },
    ]
    const output = await renderVelocity(
      read('default-template.vm'),
      { result: rows, query: 'issues', params: {} },
      { sandbox: pool, defaultTable: defaultTable(rows) },
    )
    const quarry = htmlTables(tableHtml({ rows, columns: columnsOf(rows), embed: false }))
    const pocketQuery = htmlTables(output.html)
    expect(pocketQuery).toHaveLength(1)
    expect(pocketQuery).toEqual(quarry)
    expect(pocketQuery[0]?.[2]).toEqual(['QA-2', 'Ümlaut & "quotes" 😀', '0.5', 'true', 'Ann'])
    // A null cell is empty in both ($!column), never "null".
    expect(pocketQuery[0]?.[1]?.[4]).toBe('')
  })

  it('the admin UI starts a Velocity template with that same default template', () => {
    expect(VELOCITY_EXAMPLE).toBe(read('default-template.vm'))
  })

  it('## @param emptymsg: is what an empty result says', () => {
    expect(velocityEmptyMessage(read('emptymsg.vm'))).toBe('The query returned no result!')
    expect(velocityEmptyMessage(read('default-template.vm'))).toBeUndefined()
  })
})
