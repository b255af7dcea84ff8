/**
 * A chart's text alternative, for people who do not see it (WCAG 2.2, 1.1.1 Non-text Content): the
 * SVG becomes one image (`role="img"`) named by a sentence — title, kind of chart, what is plotted
 * against what — and the plotted rows follow as a data table in a `<details>` (closed, so sighted
 * readers see the chart; a screen reader can open and read the table like any other).
 */
import type { ChartMark } from '../domain/query.js'
import type { Row } from './cell.js'
import { cellText, cellValue, isNumeric } from './cell.js'
import { yColumns, type ChartLike } from './chart.js'
import { escapeHtml } from './html-format.js'

/** Rows shown in the data table at most: enough to read, not a 10,000-row page behind a chart. */
export const CHART_TABLE_ROWS = 500

const MARK_NAMES: Readonly<Record<ChartMark, string>> = {
  bar: 'Bar chart',
  line: 'Line chart',
  area: 'Area chart',
  point: 'Scatter plot',
  arc: 'Pie chart',
  donut: 'Donut chart',
}

function record(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

/** A Vega-Lite field name as written (with `\.` escapes) back to the column name. */
function unescapeField(field: string): string {
  return field.replace(/\\(.)/g, '$1')
}

/** The column an encoding channel of a hand-written spec plots, if it names one. */
function channelField(encoding: Readonly<Record<string, unknown>> | undefined, channel: string) {
  const field = record(encoding?.[channel])?.['field']
  return typeof field === 'string' ? unescapeField(field) : undefined
}

function specTitle(title: unknown): string | undefined {
  if (typeof title === 'string') return title
  const text = record(title)?.['text']
  return typeof text === 'string' ? text : Array.isArray(text) ? text.join(' ') : undefined
}

interface Described {
  readonly title?: string
  readonly kind: string
  readonly x?: string
  readonly y?: string
  readonly series?: string
  readonly columns: readonly string[]
}

function describe(template: ChartLike, columns: readonly string[]): Described {
  if (template.type === 'chart') {
    const ys = yColumns(template)
    const y =
      template.aggregate === 'count'
        ? 'count of rows'
        : template.aggregate === undefined
          ? ys.join(', ')
          : `${template.aggregate} of ${ys.join(', ')}`
    const used = [template.x, ...(template.aggregate === 'count' ? [] : ys)]
    if (template.series !== undefined) used.push(template.series)
    const series = ys.length > 1 ? 'y column' : template.series
    return {
      ...(template.title === undefined ? {} : { title: template.title }),
      kind: MARK_NAMES[template.mark],
      x: template.x,
      y,
      ...(series === undefined ? {} : { series }),
      columns: [...new Set(used)].filter((column) => columns.includes(column)),
    }
  }
  const spec = template.spec
  const mark = typeof spec['mark'] === 'string' ? spec['mark'] : record(spec['mark'])?.['type']
  const encoding = record(spec['encoding'])
  const x = channelField(encoding, 'x') ?? channelField(encoding, 'theta')
  const y = channelField(encoding, 'y') ?? channelField(encoding, 'color')
  const named = ['x', 'y', 'theta', 'color', 'size', 'shape', 'text']
    .map((channel) => channelField(encoding, channel))
    .filter((field): field is string => field !== undefined && columns.includes(field))
  const title =
    specTitle(spec['title']) ?? (typeof spec['description'] === 'string' ? spec['description'] : undefined)
  return {
    ...(title === undefined ? {} : { title }),
    kind:
      typeof mark === 'string' && Object.hasOwn(MARK_NAMES, mark)
        ? MARK_NAMES[mark as ChartMark]
        : typeof mark === 'string'
          ? `Chart (${mark} marks)`
          : 'Chart',
    ...(x === undefined ? {} : { x }),
    ...(y === undefined ? {} : { y }),
    columns: named.length > 0 ? [...new Set(named)] : columns,
  }
}

/**
 * The sentence that names a chart: its title (the template's, else `title` — the view's), its kind,
 * what it plots against what.
 *
 * @example
 * chartLabel({ type: 'chart', mark: 'bar', x: 'status', y: 'key', aggregate: 'count', title: 'Open issues' }, ['key', 'status'])
 * // 'Open issues. Bar chart of count of rows by status.'
 */
export function chartLabel(template: ChartLike, columns: readonly string[], title?: string): string {
  const d = describe(template, columns)
  const named = d.title ?? title
  const plotted =
    d.y !== undefined && d.x !== undefined
      ? ` of ${d.y} by ${d.x}`
      : d.x !== undefined
        ? ` of ${d.x}`
        : d.y !== undefined
          ? ` of ${d.y}`
          : ''
  const series = d.series === undefined ? '' : `, one series per ${d.series}`
  return `${named === undefined ? '' : `${named.replace(/[.\s]+$/, '')}. `}${d.kind}${plotted}${series}.`
}

/**
 * The chart's SVG as one image named by its label: `role="img"`, `aria-label` and a `<title>` (which
 * also shows as a tooltip). Whatever label Vega wrote on the root is replaced.
 *
 * @example
 * accessibleSvg('<svg class="marks" width="10">…</svg>', 'Bar chart of points by status.')
 * // '<svg role="img" aria-label="Bar chart of points by status." class="marks" width="10"><title>Bar chart of points by status.</title>…</svg>'
 */
export function accessibleSvg(svg: string, label: string): string {
  const open = /^<svg\b[^>]*>/.exec(svg)
  if (open === null) return svg
  const attributes = open[0]
    .slice('<svg'.length, -1)
    .replace(/\s(?:role|aria-label|aria-roledescription)="[^"]*"/g, '')
  const text = escapeHtml(label)
  return `<svg role="img" aria-label="${text}"${attributes}><title>${text}</title>${svg.slice(open[0].length)}`
}

/**
 * The plotted rows as a table in a closed `<details>`, for screen readers and anyone who wants the
 * numbers: the columns the chart uses (all of them when that cannot be told), at most
 * CHART_TABLE_ROWS rows.
 *
 * @example
 * chartDataTable({ type: 'chart', mark: 'bar', x: 'status', y: 'n' }, [{ status: 'Done', n: 3 }], ['status', 'n'])
 * // '<details class="quarry-chart-data"><summary>Data table of this chart (1 row)</summary><table>…</table></details>'
 */
export function chartDataTable(
  template: ChartLike,
  rows: readonly Row[],
  columns: readonly string[],
): string {
  const shown = describe(template, columns).columns
  const kept = rows.slice(0, CHART_TABLE_ROWS)
  const count =
    rows.length > kept.length
      ? `first ${kept.length} of ${rows.length} rows`
      : `${rows.length} row${rows.length === 1 ? '' : 's'}`
  const head = shown.map((column) => `<th scope="col">${escapeHtml(column)}</th>`).join('')
  const body = kept
    .map(
      (row) =>
        '<tr>' +
        shown
          .map((column) => {
            const value = cellValue(row, column)
            const text = escapeHtml(cellText(value))
            return isNumeric(value) ? `<td class="num">${text}</td>` : `<td>${text}</td>`
          })
          .join('') +
        '</tr>',
    )
    .join('\n')
  return (
    `<details class="quarry-chart-data"><summary>Data table of this chart (${count})</summary>\n` +
    `<table>\n<thead>\n<tr>${head}</tr>\n</thead>\n<tbody>\n${body}\n</tbody>\n</table>\n</details>\n`
  )
}
