import { describe, expect, it } from 'vitest'
import type { ChartTemplate } from '../../src/domain/query.js'
import { renderChart } from '../../src/render/chart.js'
import { accessibleSvg, CHART_TABLE_ROWS, chartDataTable, chartLabel } from '../../src/render/chart-text.js'
import { renderViewPage, type ViewPageInput } from '../../src/render/view-page.js'

const XSS = '<img src=x onerror=alert(1)>'
const rows = [
  { status: 'Done', points: 3, team: 'A', note: 'x' },
  { status: 'Open', points: 5, team: 'B', note: 'y' },
]
const columns = ['status', 'points', 'team', 'note']
const bar: ChartTemplate = { type: 'chart', mark: 'bar', x: 'status', y: 'points', title: 'Points' }

describe('a chart’s label', () => {
  it('says title, kind of chart and what is plotted against what', () => {
    expect(chartLabel(bar, columns)).toBe('Points. Bar chart of points by status.')
  })

  it('takes the view’s title when the template has none', () => {
    expect(chartLabel({ ...bar, title: undefined }, columns, 'Sales')).toBe(
      'Sales. Bar chart of points by status.',
    )
    expect(chartLabel(bar, columns, 'Sales')).toBe('Points. Bar chart of points by status.')
  })

  it('names the aggregate and the series', () => {
    const template: ChartTemplate = {
      type: 'chart',
      mark: 'line',
      x: 'status',
      y: 'points',
      aggregate: 'sum',
      series: 'team',
    }
    expect(chartLabel(template, columns)).toBe('Line chart of sum of points by status, one series per team.')
    expect(chartLabel({ ...template, aggregate: 'count', series: undefined }, columns)).toBe(
      'Line chart of count of rows by status.',
    )
  })

  it('reads a hand-written Vega-Lite spec’s title, mark and x/y fields', () => {
    const label = chartLabel(
      {
        type: 'vega-lite',
        spec: {
          title: { text: 'Velocity' },
          mark: { type: 'point' },
          encoding: { x: { field: 'status' }, y: { field: 'points' } },
        },
      },
      columns,
    )
    expect(label).toBe('Velocity. Scatter plot of points by status.')
    expect(chartLabel({ type: 'vega-lite', spec: { mark: 'rule' } }, columns)).toBe('Chart (rule marks).')
  })
})

describe('the chart’s SVG', () => {
  it('is one image named by the label, with a title, the label escaped', async () => {
    const { svg } = await renderChart(bar, rows, columns)
    const named = accessibleSvg(svg, `Points ${XSS}.`)
    expect(named).toMatch(
      /^<svg role="img" aria-label="Points &lt;img src=x onerror=alert\(1\)&gt;\." xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*><title>Points &lt;img/,
    )
    expect(named.match(/<svg\b[^>]*>/)?.[0].match(/role=/g)).toHaveLength(1)
  })
})

describe('the chart’s data table', () => {
  it('holds the plotted columns of every row, in a closed details element', () => {
    const html = chartDataTable(bar, rows, columns)
    expect(html).toMatch(
      /^<details class="quarry-chart-data"><summary>Data table of this chart \(2 rows\)<\/summary>/,
    )
    expect(html).toContain('<tr><th scope="col">status</th><th scope="col">points</th></tr>')
    expect(html).toContain('<tr><td>Open</td><td class="num">5</td></tr>')
    expect(html).not.toContain('note')
  })

  it('escapes values', () => {
    expect(chartDataTable(bar, [{ status: XSS, points: 1 }], columns)).toContain('&lt;img src=x')
  })

  it('stops at CHART_TABLE_ROWS rows and says so', () => {
    const many = Array.from({ length: CHART_TABLE_ROWS + 5 }, (_, i) => ({ status: `s${i}`, points: i }))
    const html = chartDataTable(bar, many, columns)
    expect(html).toContain(`(first ${CHART_TABLE_ROWS} of ${CHART_TABLE_ROWS + 5} rows)`)
    expect(html.match(/<tr>/g)).toHaveLength(CHART_TABLE_ROWS + 1)
  })
})

describe('a chart view page', () => {
  it('shows the named SVG and the data table inside the figure', async () => {
    const input: ViewPageInput = {
      query: 'q',
      params: [],
      values: {},
      rows,
      template: bar,
      now: new Date(),
      nonce: 'bm9uY2U',
      urls: {
        self: '/v/q',
        refresh: '/v/q/refresh',
        downloads: [
          { label: 'CSV', href: '/v/q/rows.csv' },
          { label: 'JSON', href: '/v/q/rows.json' },
        ],
      },
      embed: false,
      assets: { script: '/assets/view.js', stylesheet: '/assets/view.css' },
    }
    const html = await renderViewPage(input)
    expect(html).toMatch(
      /<figure class="quarry-chart"><svg role="img" aria-label="Points\. Bar chart of points by status\."[^>]*><title>Points\. Bar chart of points by status\.<\/title>/,
    )
    expect(html).toMatch(/<\/svg>\n<details class="quarry-chart-data">[\s\S]*<\/details>\n<\/figure>/)
  })
})
