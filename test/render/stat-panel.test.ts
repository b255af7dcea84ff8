import { describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import { TemplateSchema } from '../../src/domain/query.js'
import type { PanelInput } from '../../src/render/panel.js'
import { panelKind } from '../../src/render/panels.js'
import { STAT_TEXT_MAX, statPanel, type StatTemplate } from '../../src/render/stat-panel.js'

/** Issue 17: the stat panel — one value from the rows, with a unit, coloured by thresholds. */

const rows = [
  { key: 'QA-1', points: 3, ms: 1200, state: 'Healthy' },
  { key: 'QA-2', points: '2.5', ms: 800, state: 'Degraded' },
  { key: 'QA-3', points: null, ms: 4000, state: 'Healthy' },
  { key: 'QA-4', points: 'n/a', ms: 1000, state: 'Healthy' },
]
const input = (fields: Partial<PanelInput> = {}): PanelInput => ({
  rows,
  columns: ['key', 'points', 'ms', 'state'],
  query: 'bugs',
  params: {},
  fetchedAt: new Date('2026-01-15T10:00:00Z'),
  embed: false,
  ...fields,
})
const stat = (fields: Omit<Partial<StatTemplate>, 'type'>): StatTemplate =>
  TemplateSchema.parse({ type: 'stat', ...fields }) as StatTemplate
const render = async (template: StatTemplate, fields: Partial<PanelInput> = {}) =>
  (await panelKind(template).render(template, input(fields))).html

describe('the stat panel', () => {
  it('is a registered template kind', () => {
    expect(panelKind({ type: 'stat' })).toBe(statPanel)
  })

  it("shows the first row's value of a column by default, labelled with the column", async () => {
    const html = await render(stat({ column: 'points' }))
    expect(html).toContain('<figcaption>points</figcaption>')
    expect(html).toContain('<p class="quarry-stat-value">3</p>')
  })

  it('counts the rows without a column, and the non-empty values with one', async () => {
    expect(await render(stat({ aggregate: 'count' }))).toContain('>4</p>')
    expect(await render(stat({ aggregate: 'count' }))).toContain('<figcaption>Rows</figcaption>')
    expect(await render(stat({ aggregate: 'count', column: 'points' }))).toContain('>3</p>')
  })

  it('sums, averages and takes the minimum and maximum of the numbers, decimal text included', async () => {
    expect(await render(stat({ aggregate: 'sum', column: 'points' }))).toContain('>5.5</p>')
    expect(await render(stat({ aggregate: 'avg', column: 'points' }))).toContain('>2.75</p>')
    expect(await render(stat({ aggregate: 'min', column: 'ms', unit: 'ms' }))).toContain('>800 ms</p>')
    expect(await render(stat({ aggregate: 'max', column: 'ms', unit: 'ms' }))).toContain('>4 s</p>')
    expect(await render(stat({ aggregate: 'avg', column: 'points' }))).toContain('Average of points')
  })

  it('writes its unit and decimals', async () => {
    expect(await render(stat({ aggregate: 'sum', column: 'ms', unit: 'short' }))).toContain('>7k</p>')
    expect(
      await render(stat({ aggregate: 'avg', column: 'points', decimals: 1, unit: 'percent' })),
    ).toContain('>2.8%</p>')
    expect(
      await render(
        stat({ aggregate: 'sum', column: 'ms', unit: 'currency', currency: 'EUR', label: 'Cost' }),
      ),
    ).toContain('>€7,000.00</p>')
  })

  it('takes the colour of the highest threshold the value reaches, else its own', async () => {
    const thresholds = [
      { from: 5, color: 'red' as const },
      { from: 3, color: 'amber' as const },
    ]
    expect(await render(stat({ aggregate: 'count', color: 'green', thresholds }))).toContain(
      '<figure class="quarry-stat quarry-stat--amber">',
    )
    expect(
      await render(stat({ aggregate: 'count', color: 'green', thresholds }), { rows: rows.slice(0, 2) }),
    ).toContain('<figure class="quarry-stat quarry-stat--green">')
    expect(
      await render(stat({ aggregate: 'count', thresholds: [...thresholds, { from: 4, color: 'blue' }] })),
    ).toContain('quarry-stat--blue')
  })

  it('shows a text value as text, and a dash when there is no number', async () => {
    expect(await render(stat({ column: 'state', color: 'grey' }))).toContain('>Healthy</p>')
    expect(await render(stat({ aggregate: 'sum', column: 'state' }))).toContain('>–</p>')
  })

  it('escapes a hostile value and label, and cuts a very long text', async () => {
    const hostile = [{ v: '<script>alert(1)</script>' }]
    const html = await render(stat({ column: 'v', label: '<b>x</b>' }), { rows: hostile, columns: ['v'] })
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;')
    expect(html).not.toContain('<script>')
    const long = await render(stat({ column: 'v' }), { rows: [{ v: 'x'.repeat(100_000) }], columns: ['v'] })
    expect(long).toContain(`>${'x'.repeat(STAT_TEXT_MAX - 1)}…</p>`)
  })

  it('names its column setting when the result has no such column', async () => {
    const error = await render(stat({ column: 'pointz' })).catch((e: unknown) => e)
    expect(isQuarryError(error) && error.code).toBe('QUARRY_VIEW_TEMPLATE_INVALID')
    expect((error as Error).message).toContain(`The stat's column "pointz" is not in the result`)
  })
})

describe('stat settings as a template reads them', () => {
  it('need a column unless they count rows', () => {
    const parsed = TemplateSchema.safeParse({ type: 'stat', aggregate: 'sum' })
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues[0]?.path).toEqual(['column'])
  })

  it('need a currency for the unit currency, and refuse a misspelt setting', () => {
    const noCurrency = TemplateSchema.safeParse({ type: 'stat', column: 'a', unit: 'currency' })
    expect(noCurrency.error?.issues[0]?.path).toEqual(['currency'])
    const misspelt = TemplateSchema.safeParse({ type: 'stat', column: 'a', threshold: [] })
    expect(misspelt.error?.issues[0]?.code).toBe('unrecognized_keys')
    const colour = TemplateSchema.safeParse({
      type: 'stat',
      column: 'a',
      thresholds: [{ from: 1, color: 'pink' }],
    })
    expect(colour.error?.issues[0]?.path).toEqual(['thresholds', 0, 'color'])
  })
})
