/**
 * Charts: Quarry's own chart template and a Vega-Lite specification, both drawn on the server as
 * SVG by chart.ts, labelled for screen readers and followed by the same numbers as a table
 * (chart-text.ts). One renderer, two kinds.
 */
import { renderChart, type ChartLike } from './chart.js'
import { accessibleSvg, chartDataTable, chartLabel } from './chart-text.js'
import type { PanelKind, TemplateOf } from './panel.js'

function chartKind<T extends ChartLike>(type: T['type']): PanelKind<T> {
  return {
    type,
    async render(template, input) {
      const chart = await renderChart(template, input.rows, input.columns)
      const svg = accessibleSvg(chart.svg, chartLabel(template, input.columns, input.title))
      return {
        html: `<figure class="quarry-chart">${svg}\n${chartDataTable(template, input.rows, input.columns)}</figure>\n`,
        notices: chart.warnings,
      }
    },
  }
}

/** `{ type: 'chart', mark, x, y, … }`: a bar, line, area, point or pie chart of two columns. */
export const chartPanel = chartKind<TemplateOf<'chart'>>('chart')

/** `{ type: 'vega-lite', spec }`: a Vega-Lite specification over the rows. */
export const vegaLitePanel = chartKind<TemplateOf<'vega-lite'>>('vega-lite')
