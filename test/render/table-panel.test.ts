import { describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import { TemplateSchema } from '../../src/domain/query.js'
import type { PanelInput } from '../../src/render/panel.js'
import { panelKind } from '../../src/render/panels.js'
import type { TableTemplate } from '../../src/render/table-panel.js'

/** Issue 17: the table panel's column formats, visibility, order and page size. */

const rows = [
  {
    key: 'QA-1',
    created: '2026-01-15T10:30:00.000+0000',
    points: 1234.5,
    spent: 3723,
    status: { name: 'In Review', statusCategory: { key: 'indeterminate' } },
    home: 'https://example.com/a',
    id: 'a b/c',
  },
  {
    key: 'QA-2',
    created: '2026-01-16T09:00:00.000+0000',
    points: 7,
    spent: 45,
    status: 'Done',
    home: 'javascript:alert(1)',
    id: '<script>alert(1)</script>',
  },
]
const columns = ['key', 'created', 'points', 'spent', 'status', 'home', 'id']
const input = (fields: Partial<PanelInput> = {}): PanelInput => ({
  rows,
  columns,
  query: 'issues',
  params: {},
  fetchedAt: new Date('2026-01-15T10:00:00Z'),
  embed: false,
  jiraSite: 'https://acme.atlassian.net',
  ...fields,
})
const table = (fields: Omit<Partial<TableTemplate>, 'type'>): TableTemplate =>
  TemplateSchema.parse({ type: 'table', ...fields }) as TableTemplate
const render = async (template: TableTemplate, fields: Partial<PanelInput> = {}) =>
  (await panelKind(template).render(template, input(fields))).html
const headers = (html: string) => [...html.matchAll(/class="quarry-sort">([^<]*)</g)].map((m) => m[1])
const cellsOf = (html: string, row: number) =>
  (
    html
      .split('<tbody>')[1]
      ?.split('\n')
      .filter((line) => line.startsWith('<tr>'))[row] ?? ''
  )
    .split('</td>')
    .slice(0, -1)
    .map((cell) => cell.replace(/^(<tr>)?/, ''))

describe('the table panel without settings', () => {
  it('is the table every query had: all columns in the result order, 100 rows a page', async () => {
    const html = await render({ type: 'table' })
    expect(headers(html)).toEqual(columns)
    expect(html).toContain('data-page-size="100"')
  })
})

describe('column order and visibility', () => {
  it('puts the listed columns first, with their labels, then the others; hidden ones are left out', async () => {
    const html = await render(
      table({
        columns: [{ column: 'status', label: 'State' }, { column: 'key' }, { column: 'id', hidden: true }],
      }),
    )
    expect(headers(html)).toEqual(['State', 'key', 'created', 'points', 'spent', 'home'])
    expect(cellsOf(html, 0)[1]).toContain('QA-1')
  })

  it('shows only the listed columns with onlyListed', async () => {
    const html = await render(table({ columns: [{ column: 'points' }, { column: 'key' }], onlyListed: true }))
    expect(headers(html)).toEqual(['points', 'key'])
  })

  it('names a listed column the result does not have', async () => {
    const error = await render(table({ columns: [{ column: 'Key' }] })).catch((e: unknown) => e)
    expect(isQuarryError(error) && error.code).toBe('QUARRY_VIEW_TEMPLATE_INVALID')
    expect((error as Error).message).toContain(`The table's column settings name "Key", not in the result`)
  })
})

describe('column formats', () => {
  const only = (column: string, format: unknown) =>
    table({ columns: [{ column, format } as never], onlyListed: true })

  it('date: by its pattern in its time zone, sorted by the instant', async () => {
    const html = await render(
      only('created', { type: 'date', pattern: 'dd MMM yyyy HH:mm', timeZone: 'Asia/Tokyo' }),
    )
    expect(cellsOf(html, 0)[0]).toBe(`<td data-sort="${Date.UTC(2026, 0, 15, 10, 30)}">15 Jan 2026 19:30`)
  })

  it('number: with its unit and decimals, right-aligned, sorted by the number', async () => {
    const html = await render(only('points', { type: 'number', unit: 'short', decimals: 1 }))
    expect(cellsOf(html, 0)[0]).toBe('<td class="num" data-sort="1234.5">1.2k')
    expect(cellsOf(html, 1)[0]).toBe('<td class="num" data-sort="7">7.0')
  })

  it('duration: seconds (or its unit) as hours, minutes and seconds', async () => {
    const html = await render(only('spent', { type: 'duration' }))
    expect(cellsOf(html, 0)[0]).toBe('<td class="num" data-sort="3723">1h 2m 3s')
    const minutes = await render(only('spent', { type: 'duration', unit: 'min' }))
    expect(cellsOf(minutes, 1)[0]).toContain('>45m')
  })

  it('link: fills its URL template with the value and other columns, URL-encoded', async () => {
    const html = await render(
      only('id', {
        type: 'link',
        url: 'https://tracker.example/{key}/items/{value}',
        text: '{key}: {value}',
      }),
    )
    expect(cellsOf(html, 0)[0]).toBe(
      '<td><a href="https://tracker.example/QA-1/items/a%20b%2Fc" rel="noopener noreferrer">QA-1: a b/c</a>',
    )
    expect(cellsOf(html, 1)[0]).toContain('QA-2: &lt;script&gt;alert(1)&lt;/script&gt;</a>')
  })

  it('link: a javascript: URL from the data is text, never a link', async () => {
    const html = await render(only('home', { type: 'link', url: '{value}' }))
    expect(cellsOf(html, 0)[0]).toBe(
      '<td><a href="https://example.com/a" rel="noopener noreferrer">https://example.com/a</a>',
    )
    expect(cellsOf(html, 1)[0]).toBe('<td>javascript:alert(1)')
    expect(html).not.toContain('href="javascript')
  })

  it('link: opens outside an embed', async () => {
    const html = await render(only('home', { type: 'link', url: '{value}' }), { embed: true })
    expect(cellsOf(html, 0)[0]).toContain('target="_blank"')
  })

  it("jira-key: links to the site's /browse/KEY, the template's site first", async () => {
    const html = await render(only('key', { type: 'jira-key' }))
    expect(cellsOf(html, 0)[0]).toContain('href="https://acme.atlassian.net/browse/QA-1"')
    const own = await render(only('key', { type: 'jira-key', site: 'https://other.atlassian.net' }))
    expect(cellsOf(own, 0)[0]).toContain('href="https://other.atlassian.net/browse/QA-1"')
    const none = await render(only('key', { type: 'jira-key' }), { jiraSite: undefined as never })
    expect(cellsOf(none, 0)[0]).toBe('<td>QA-1')
  })

  it('status: a lozenge coloured by its category', async () => {
    const html = await render(only('status', { type: 'status' }))
    expect(cellsOf(html, 0)[0]).toBe(
      '<td data-sort="In Review"><span class="quarry-lozenge quarry-lozenge--indeterminate">In Review</span>',
    )
    expect(cellsOf(html, 1)[0]).toContain('quarry-lozenge--done">Done</span>')
  })

  it('a value the format cannot read is shown as it is, escaped', async () => {
    const html = await render(only('id', { type: 'date' }))
    expect(cellsOf(html, 1)[0]).toBe('<td>&lt;script&gt;alert(1)&lt;/script&gt;')
  })

  it('a very long value is kept whole and escaped', async () => {
    const long = `<b>${'x'.repeat(50_000)}</b>`
    const html = await render(only('id', { type: 'text' }), { rows: [{ id: long }], columns: ['id'] })
    expect(html).toContain(`&lt;b&gt;${'x'.repeat(50_000)}&lt;/b&gt;`)
  })

  it('names a link placeholder that is not a column', async () => {
    const error = await render(only('id', { type: 'link', url: 'https://x.example/{Key}' })).catch(
      (e: unknown) => e,
    )
    expect(isQuarryError(error) && error.code).toBe('QUARRY_VIEW_TEMPLATE_INVALID')
    expect((error as Error).message).toContain(
      `The table's column "id" cannot be formatted: its link url has {Key}`,
    )
  })
})

describe('pages', () => {
  it('have the size the template gives, in a view and in an embed', async () => {
    expect(await render(table({ pageSize: 1 }))).toContain('data-page-size="1"')
    expect(await render(table({ pageSize: 10 }), { embed: true })).toContain('data-page-size="10"')
    expect(await render({ type: 'table' }, { embed: true })).toContain('data-page-size="25"')
  })
})

describe('table settings as a template reads them', () => {
  const problem = (template: unknown) => {
    const parsed = TemplateSchema.safeParse(template)
    expect(parsed.success).toBe(false)
    const issue = parsed.error?.issues[0]
    return { path: issue?.path, message: issue?.message }
  }

  it('refuse a link URL that is not http(s)', () => {
    expect(
      problem({
        type: 'table',
        columns: [{ column: 'a', format: { type: 'link', url: 'javascript:alert(1)' } }],
      }),
    ).toEqual({
      path: ['columns', 0, 'format', 'url'],
      message: 'a link URL must start with https:// or http:// (or be a {column} holding such a URL)',
    })
  })

  it('refuse an unknown time zone, a bad date pattern, a bad page size and a misspelt setting', () => {
    expect(
      problem({ type: 'table', columns: [{ column: 'a', format: { type: 'date', timeZone: 'Mars/Base' } }] })
        .path,
    ).toEqual(['columns', 0, 'format', 'timeZone'])
    expect(
      problem({ type: 'table', columns: [{ column: 'a', format: { type: 'date', pattern: 'YYYY-DD' } }] })
        .path,
    ).toEqual(['columns', 0, 'format', 'pattern'])
    expect(problem({ type: 'table', pageSize: 0 }).path).toEqual(['pageSize'])
    expect(problem({ type: 'table', columns: [{ column: 'a', hide: true }] }).path).toEqual(['columns', 0])
  })

  it('keep every table template written before them', () => {
    expect(TemplateSchema.parse({ type: 'table' })).toEqual({ type: 'table' })
  })
})
