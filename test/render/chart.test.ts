import { describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import type { ChartTemplate } from '../../src/domain/query.js'
import { CHART_MARKS, TemplateSchema } from '../../src/domain/query.js'
import {
  chartSpec,
  inferFieldType,
  renderChart,
  renderVegaLiteSvg,
  vegaLiteSpecWithRows,
} from '../../src/render/chart.js'

const XSS = '<img src=x onerror=alert(1)>'

const rows = [
  { status: 'Done', created: '2026-01-15', points: 3, team: 'A' },
  { status: 'Open', created: '2026-01-16', points: 5, team: 'B' },
  { status: XSS, created: '2026-01-17', points: 2, team: 'A' },
]
const columns = ['status', 'created', 'points', 'team']

const chart = (fields: Partial<ChartTemplate> = {}): ChartTemplate => ({
  type: 'chart',
  mark: 'bar',
  x: 'status',
  y: 'points',
  ...fields,
})

async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  throw new Error('expected a failure')
}

describe('chart field types', () => {
  it('numbers are quantitative', () => {
    expect(inferFieldType([{ n: 1 }, { n: 2.5 }, { n: null }], 'n')).toBe('quantitative')
  })

  it('ISO dates and date-times (Jira’s +0000 too) are temporal', () => {
    expect(inferFieldType([{ d: '2026-01-15' }, { d: '2026-01-15T10:30:00.000+0000' }], 'd')).toBe('temporal')
  })

  it('text, numeric strings and mixed columns are nominal', () => {
    expect(inferFieldType([{ s: 'Done' }], 's')).toBe('nominal')
    expect(inferFieldType([{ s: '3' }], 's')).toBe('nominal')
    expect(inferFieldType([{ s: 3 }, { s: '2026-01-15' }], 's')).toBe('nominal')
    expect(inferFieldType([{}], 's')).toBe('nominal')
  })
})

describe('chart specs', () => {
  it.each(CHART_MARKS.filter((mark) => mark !== 'arc' && mark !== 'donut'))(
    'a %s puts x and y on the axes',
    (mark) => {
      const spec = chartSpec(chart({ mark, x: 'created' }), rows, columns)
      expect(spec['mark']).toMatchObject({ type: mark })
      expect(spec['encoding']).toMatchObject({
        x: { field: 'created', type: 'temporal' },
        y: { field: 'points', type: 'quantitative' },
      })
    },
  )

  it('an arc takes slices from x and sizes from y', () => {
    const spec = chartSpec(chart({ mark: 'arc' }), rows, columns)
    expect(spec['encoding']).toMatchObject({
      theta: { field: 'points', type: 'quantitative' },
      color: { field: 'status', type: 'nominal' },
    })
  })

  it('a series colours by a column', () => {
    const spec = chartSpec(chart({ series: 'team' }), rows, columns)
    expect(spec['encoding']).toMatchObject({ color: { field: 'team', type: 'nominal' } })
  })

  it('an aggregate combines y; count needs no numeric y', () => {
    expect(chartSpec(chart({ aggregate: 'sum' }), rows, columns)['encoding']).toMatchObject({
      y: { aggregate: 'sum', field: 'points', type: 'quantitative' },
    })
    expect(chartSpec(chart({ y: 'status', aggregate: 'count' }), rows, columns)['encoding']).toMatchObject({
      y: { aggregate: 'count', type: 'quantitative' },
    })
  })

  it('the data holds only the columns the chart uses', () => {
    const spec = chartSpec(chart(), rows, columns)
    expect(spec['data']).toEqual({
      values: rows.map((row) => ({ status: row.status, points: row.points })),
    })
  })

  it('a column name with a dot is escaped, not read as a nested field', () => {
    const spec = chartSpec(
      chart({ x: 'fields.status' }),
      [{ 'fields.status': 'Done', points: 1 }],
      ['fields.status', 'points'],
    )
    expect(spec['encoding']).toMatchObject({ x: { field: 'fields\\.status', title: 'fields.status' } })
  })

  it('a column that is not in the result is a clear error', async () => {
    const error = await failure(() => chartSpec(chart({ y: 'storyPoints' }), rows, columns))
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_INVALID')).toBe(true)
    expect((error as Error).message).toMatch(/"storyPoints" is not in the result/)
  })

  it('the template schema accepts a chart and rejects an unknown mark', () => {
    expect(TemplateSchema.parse({ type: 'chart', mark: 'arc', x: 'a', y: 'b' })).toMatchObject({
      mark: 'arc',
    })
    expect(TemplateSchema.safeParse({ type: 'chart', mark: 'pie', x: 'a', y: 'b' }).success).toBe(false)
  })
})

describe('hand-written Vega-Lite specs', () => {
  it('get the rows as data.values, whatever data they named', () => {
    const spec = vegaLiteSpecWithRows({ mark: 'bar', data: { url: 'https://attacker.example/x.json' } }, [
      { a: 1 },
    ])
    expect(spec['data']).toEqual({ values: [{ a: 1 }] })
  })

  it('may not load a URL from a layer', async () => {
    const error = await failure(() =>
      vegaLiteSpecWithRows({ layer: [{ mark: 'bar', data: { url: 'file:///etc/passwd' } }] }, []),
    )
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_INVALID')).toBe(true)
    expect((error as Error).message).toMatch(/spec\.layer\[0\]\.data\.url/)
  })
})

describe('chart rendering', () => {
  it('draws an SVG on the server', async () => {
    const { svg } = await renderChart(chart(), rows, columns)
    expect(svg).toMatch(/^<svg[^>]*>/)
    expect(svg).toContain('Done')
    expect(svg).not.toMatch(/<script|style="/)
  })

  it('writes a row value with HTML as escaped text in labels', async () => {
    const { svg } = await renderChart(chart(), rows, columns)
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(svg).not.toContain('<img')
  })

  it.each(CHART_MARKS)('draws a %s', async (mark) => {
    const { svg } = await renderChart(
      chart({ mark, series: mark === 'arc' ? undefined : 'team' }),
      rows,
      columns,
    )
    expect(svg.startsWith('<svg')).toBe(true)
  })

  it('draws a hand-written spec with the rows', async () => {
    const { svg } = await renderChart(
      {
        type: 'vega-lite',
        spec: { mark: 'point', encoding: { x: { field: 'points', type: 'quantitative' } } },
      },
      rows,
      columns,
    )
    expect(svg).toContain('points')
  })

  it('refuses to load anything, even from a spec built by hand', async () => {
    const error = await failure(() =>
      renderVegaLiteSvg({ data: { url: 'https://attacker.example/x.json' }, mark: 'bar' }),
    )
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_INVALID')).toBe(true)
    expect((error as Error).message).toMatch(/may not load/)
  })

  it('reports a spec Vega-Lite cannot compile', async () => {
    const error = await failure(() => renderVegaLiteSvg({ mark: 'nonsense' }))
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_INVALID')).toBe(true)
  })
})

describe('a Vega-Lite spec with links', () => {
  const linked = (u: string) =>
    renderChart(
      {
        type: 'vega-lite',
        spec: {
          mark: 'bar',
          encoding: {
            x: { field: 'a', type: 'nominal' },
            y: { field: 'b', type: 'quantitative' },
            href: { field: 'u' },
          },
        },
      },
      [
        { a: 'x', b: 1, u },
        { a: 'y', b: 2, u },
      ],
      ['a', 'b', 'u'],
    )

  it('draws the chart with each mark a link to its https URL, opening safely', async () => {
    const { svg, warnings } = await linked('https://acme.atlassian.net/browse/QA-1?x=1&y="2"')
    expect(svg).toContain(
      '<a target="_blank" rel="noopener noreferrer" xlink:href="https://acme.atlassian.net/browse/QA-1?x=1&amp;y=%222%22">',
    )
    expect(svg.match(/<a /g)).toHaveLength(2)
    expect(warnings).toEqual([])
  })

  it('draws a javascript: or data: link as no link at all, with a warning', async () => {
    for (const u of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,<b>x</b>']) {
      const { svg, warnings } = await linked(u)
      expect(svg).toMatch(/^<svg/)
      expect(svg, u).not.toContain('href=')
      expect(svg.match(/<a[ >]/g)?.every((tag) => tag === '<a>')).toBe(true)
      expect(warnings.join(' ')).toMatch(/left out: chart links must be http\(s\) URLs/)
    }
  })

  it('still refuses an image mark’s URL (a load), with a coded error', async () => {
    const error = await failure(() =>
      renderVegaLiteSvg({
        data: { values: [{ a: 'x', u: 'https://attacker.example/pixel.png' }] },
        mark: { type: 'image', width: 10, height: 10 },
        encoding: { x: { field: 'a' }, url: { field: 'u' } },
      }),
    )
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_INVALID')).toBe(true)
    expect((error as Error).message).toMatch(/may not load "https:\/\/attacker\.example\/pixel\.png"/)
  })

  it('still refuses a data.url in a hand-written template, with a coded error naming it', async () => {
    const error = await failure(() =>
      renderChart(
        {
          type: 'vega-lite',
          spec: { mark: 'bar', layer: [{ data: { url: 'https://attacker.example/x.json' } }] },
        },
        [{ a: 1 }],
        ['a'],
      ),
    )
    expect(isQuarryError(error, 'QUARRY_VIEW_TEMPLATE_INVALID')).toBe(true)
    expect((error as Error).message).toContain('"spec.layer[0].data.url"')
  })
})
