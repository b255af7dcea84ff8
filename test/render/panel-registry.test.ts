import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QuarryError } from '../../src/domain/errors.js'
import { escapeHtml } from '../../src/render/html-format.js'
import type { PanelInput, PanelKind } from '../../src/render/panel.js'
import { panelKind, registerPanelKind } from '../../src/render/panels.js'
import { tablePanel } from '../../src/render/table-panel.js'
import { renderViewPage, type ViewPageInput } from '../../src/render/view-page.js'

/** Issue 11: a template kind is one registered member; this one shows a single number. */
interface StatTemplate {
  readonly type: 'test-stat'
  readonly column: string
}

const seen: PanelInput[] = []
const statPanel: PanelKind<StatTemplate> = {
  type: 'test-stat',
  async render(template, input) {
    seen.push(input)
    if (!input.columns.includes(template.column))
      throw new QuarryError('QUARRY_VIEW_TEMPLATE_INVALID', `There is no column "${template.column}".`)
    const total = input.rows.reduce((sum, row) => sum + Number(row[template.column] ?? 0), 0)
    return {
      html: `<p class="quarry-stat">${escapeHtml(template.column)}: ${total}</p>\n`,
      notices: [`${input.rows.length} rows added up`],
    }
  },
}

const stat = (column: string): StatTemplate => ({ type: 'test-stat', column })

const page = (template: ViewPageInput['template'], fields: Partial<ViewPageInput> = {}): Promise<string> =>
  renderViewPage({
    query: 'points',
    params: [],
    values: { project: 'QA' },
    rows: [
      { key: 'QA-1', points: 3 },
      { key: 'QA-2', points: 10 },
    ],
    fetchedAt: new Date('2026-01-15T10:00:00Z'),
    now: new Date('2026-01-15T10:05:30Z'),
    nonce: 'bm9uY2U',
    urls: { self: '/v/points', refresh: '/v/points/refresh', downloads: [] },
    embed: false,
    assets: { script: '/assets/view.js', stylesheet: '/assets/view.css' },
    ...(template === undefined ? {} : { template }),
    ...fields,
  })

let unregister: () => void
beforeAll(() => {
  unregister = registerPanelKind(statPanel)
})
afterAll(() => unregister())

describe('a registered template kind', () => {
  it('renders through the view page, its notices above it', async () => {
    const html = await page(stat('points'))
    expect(html).toContain('<p class="quarry-stat">points: 13</p>')
    expect(html).toContain('<li>2 rows added up</li>')
    expect(html).not.toContain('<table>')
  })

  it('is given the rows, columns, parameters and where the view is shown', async () => {
    seen.length = 0
    await page(stat('points'), { embed: true, jiraSite: 'https://acme.atlassian.net' })
    expect(seen).toEqual([
      {
        rows: [
          { key: 'QA-1', points: 3 },
          { key: 'QA-2', points: 10 },
        ],
        columns: ['key', 'points'],
        query: 'points',
        params: { project: 'QA' },
        fetchedAt: new Date('2026-01-15T10:00:00Z'),
        embed: true,
        jiraSite: 'https://acme.atlassian.net',
      },
    ])
  })

  it('shows its template error on the page, as the built-in kinds do', async () => {
    const html = await page(stat('nope'))
    expect(html).toContain('<p class="quarry-error" role="alert">There is no column &quot;nope&quot;.</p>')
  })

  it('cannot take a type another kind has', () => {
    expect(() => registerPanelKind({ ...tablePanel })).toThrow(/"table" is registered already/)
  })
})

describe('the template kinds', () => {
  it('show the table when a query has no template', async () => {
    const html = await page(undefined)
    expect(html).toContain('<div class="quarry-table" data-page-size="100">')
    expect(panelKind({ type: 'table' })).toBe(tablePanel)
  })

  it('say on the page that a template of no registered kind cannot be shown', async () => {
    const html = await page({ type: 'sparkline' })
    expect(html).toMatch(
      /<p class="quarry-error" role="alert">No template kind is called &quot;sparkline&quot;/,
    )
  })
})
