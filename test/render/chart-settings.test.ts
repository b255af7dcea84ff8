import { describe, expect, it } from 'vitest'
import type { ChartTemplate } from '../../src/domain/query.js'
import { TemplateSchema } from '../../src/domain/query.js'
import { chartSpec, renderChart } from '../../src/render/chart.js'
import { chartDataTable, chartLabel } from '../../src/render/chart-text.js'
import { panelKind } from '../../src/render/panels.js'

/** Issue 17: the chart settings that cover the common cases without writing Vega-Lite. */

const rows = [
  { month: '2026-01', created: 12, resolved: 9, team: 'A' },
  { month: '2026-02', created: 7, resolved: 11, team: 'B' },
  { month: '2026-03', created: 15, resolved: 4, team: 'A' },
]
const columns = ['month', 'created', 'resolved', 'team']
const chart = (fields: Partial<ChartTemplate>): ChartTemplate =>
  TemplateSchema.parse({ type: 'chart', mark: 'bar', x: 'month', y: 'created', ...fields }) as ChartTemplate
type Spec = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

describe('several y columns', () => {
  it('are folded into one series each, coloured and named in the label', async () => {
    const template = chart({ mark: 'line', y: ['created', 'resolved'] })
    const spec = chartSpec(template, rows, columns) as Spec
    expect(spec['transform']).toEqual([
      { fold: ['created', 'resolved'], as: ['quarry·series', 'quarry·value'] },
    ])
    expect(spec['encoding'].color).toMatchObject({ field: 'quarry·series', title: 'Series' })
    expect(spec['encoding'].y).toMatchObject({ field: 'quarry·value', title: 'created, resolved' })
    const { svg } = await renderChart(template, rows, columns)
    expect(svg).toContain('resolved')
    expect(chartLabel(template, columns)).toBe(
      'Line chart of created, resolved by month, one series per y column.',
    )
    expect(chartDataTable(template, rows, columns)).toContain('<th scope="col">resolved</th>')
  })

  it('cannot have a series column too', () => {
    const parsed = TemplateSchema.safeParse({
      type: 'chart',
      mark: 'bar',
      x: 'a',
      y: ['b', 'c'],
      series: 'd',
    })
    expect(parsed.error?.issues[0]?.path).toEqual(['series'])
  })
})

describe('stacked', () => {
  it('false puts bars side by side and lets areas overlap; true stacks them', () => {
    const grouped = chartSpec(chart({ series: 'team', stacked: false }), rows, columns) as Spec
    expect(grouped['encoding'].xOffset).toMatchObject({ field: 'team' })
    expect(grouped['encoding'].y.stack).toBeNull()
    const area = chartSpec(
      chart({ mark: 'area', y: ['created', 'resolved'], stacked: true }),
      rows,
      columns,
    ) as Spec
    expect(area['encoding'].y.stack).toBe('zero')
  })
})

describe('sort', () => {
  it('orders the x axis by x or by the measure', () => {
    expect((chartSpec(chart({ sort: '-x' }), rows, columns) as Spec)['encoding'].x.sort).toBe('descending')
    expect((chartSpec(chart({ sort: '-y' }), rows, columns) as Spec)['encoding'].x.sort).toBe('-y')
  })

  it("orders a pie's slices by their size", () => {
    const spec = chartSpec(
      chart({ mark: 'arc', x: 'team', aggregate: 'sum', sort: '-y' }),
      rows,
      columns,
    ) as Spec
    expect(spec['encoding'].color.sort).toEqual({ field: 'created', op: 'sum', order: 'descending' })
  })
})

describe('labels and legend', () => {
  it('labels draw each value as text over its bar', async () => {
    const template = chart({ labels: true })
    const spec = chartSpec(template, rows, columns) as Spec
    expect(spec['layer']).toHaveLength(2)
    expect(spec['layer'][1].mark.type).toBe('text')
    const { svg } = await renderChart(template, rows, columns)
    expect(svg).toMatch(/<text[^>]*>15<\/text>/)
  })

  it('legend takes a side, or none', () => {
    expect(
      (chartSpec(chart({ series: 'team', legend: 'bottom' }), rows, columns) as Spec)['encoding'].color
        .legend,
    ).toEqual({
      orient: 'bottom',
    })
    expect(
      (chartSpec(chart({ series: 'team', legend: 'none' }), rows, columns) as Spec)['encoding'].color.legend,
    ).toBeNull()
  })
})

describe('donut', () => {
  it('is a pie with a hole, named as a donut for screen readers', async () => {
    const template = chart({ mark: 'donut', x: 'team', aggregate: 'sum', labels: true })
    const spec = chartSpec(template, rows, columns) as Spec
    expect(spec['layer'][0].mark.innerRadius).toBeGreaterThan(0)
    const panel = await panelKind(template).render(template, {
      rows,
      columns,
      query: 'q',
      params: {},
      fetchedAt: new Date(0),
      embed: false,
    })
    expect(panel.html).toContain('aria-label="Donut chart of sum of created by team."')
  })
})

describe('chart templates written before these settings', () => {
  it('still read and draw the same spec', () => {
    const old = TemplateSchema.parse({
      type: 'chart',
      mark: 'bar',
      x: 'month',
      y: 'created',
      aggregate: 'sum',
    })
    expect(old).toEqual({ type: 'chart', mark: 'bar', x: 'month', y: 'created', aggregate: 'sum' })
    const spec = chartSpec(old as ChartTemplate, rows, columns) as Spec
    expect(spec['mark']).toEqual({ type: 'bar' })
    expect(spec['transform']).toBeUndefined()
    expect(spec['encoding'].y).toEqual({
      aggregate: 'sum',
      field: 'created',
      type: 'quantitative',
      title: 'sum of created',
    })
  })
})

describe("a pie's slice order", () => {
  it('follows its sort, so the slices go round in the legend order', () => {
    const spec = chartSpec(
      chart({ mark: 'arc', x: 'team', aggregate: 'count', sort: '-y' }),
      rows,
      columns,
    ) as Spec
    expect(spec['encoding'].order).toMatchObject({ aggregate: 'count', sort: 'descending' })
    const byName = chartSpec(chart({ mark: 'arc', x: 'team', sort: 'x' }), rows, columns) as Spec
    expect(byName['encoding'].order).toEqual({ field: 'team', type: 'nominal', sort: 'ascending' })
  })
})
