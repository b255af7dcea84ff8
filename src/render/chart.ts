/**
 * Charts: a `chart` template (mark, x, y, series, aggregate) becomes a Vega-Lite spec whose field
 * types come from the values; a `vega-lite` template is taken as written, with the rows put in as
 * `data.values`. Either is rendered to SVG here, on the server, so the browser runs no chart code
 * and the view page's Content-Security-Policy stays `script-src 'self'`.
 *
 * Rendering is locked down: the loader refuses to load any URL (a spec can never fetch data or
 * images — not from the network, not from disk) and lets only http(s) URLs be links, and Vega expressions are interpreted (vega-interpreter)
 * instead of being compiled to JavaScript with `new Function`, so a crafted expression in a
 * hand-written spec cannot reach Node. Vega's SVG writer escapes text and attributes, so a row value
 * such as `<img src=x onerror=alert(1)>` is a label, not markup.
 *
 * vega and vega-lite take a while to load; they are imported on the first chart.
 */
import type * as Vega from 'vega'
import type { LoggerInterface } from 'vega'
import type * as VegaInterpreter from 'vega-interpreter'
import type * as VegaLite from 'vega-lite'
import { QuarryError } from '../domain/errors.js'
import type { ChartTemplate, Template } from '../domain/query.js'
import type { Row } from './cell.js'
import { cellText, cellValue } from './cell.js'
import { httpLink } from './cell-link.js'

/** A Vega-Lite spec as plain JSON data. */
export type VegaLiteSpec = Readonly<Record<string, unknown>>

export type FieldType = 'quantitative' | 'temporal' | 'nominal'

export type ChartLike = ChartTemplate | Extract<Template, { type: 'vega-lite' }>

export const CHART_WIDTH = 640
export const CHART_HEIGHT = 320

// ISO 8601 dates and date-times, as Jira writes them too (`2026-01-15T10:30:00.000+0000`).
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/

function isIsoDate(value: string): boolean {
  return ISO_DATE.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T')))
}

/**
 * The Vega-Lite type of a column, from its non-empty values: all numbers → quantitative, all ISO
 * dates → temporal, anything else (or nothing) → nominal.
 *
 * @example
 * inferFieldType([{ n: 1 }, { n: 2.5 }], 'n') // 'quantitative'
 * inferFieldType([{ d: '2026-01-15' }], 'd') // 'temporal'
 * inferFieldType([{ s: 'Done' }, { s: 3 }], 's') // 'nominal'
 */
export function inferFieldType(rows: readonly Row[], column: string): FieldType {
  let numbers = 0
  let dates = 0
  let others = 0
  for (const row of rows) {
    const value = cellValue(row, column)
    if (value == null || value === '') continue
    if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') numbers++
    else if ((typeof value === 'string' && isIsoDate(value)) || value instanceof Date) dates++
    else others++
    if (others > 0 || (numbers > 0 && dates > 0)) return 'nominal'
  }
  if (numbers > 0) return 'quantitative'
  if (dates > 0) return 'temporal'
  return 'nominal'
}

/**
 * A field name as Vega-Lite reads it: `.` and `[ ]` would otherwise mean nested access, so a column
 * named `fields.status` is escaped to `fields\.status`.
 */
function fieldRef(column: string): string {
  return column.replace(/[.[\]\\]/g, '\\$&')
}

/** A cell as chart data: numbers, strings, booleans and null as they are; anything else as its text. */
function chartValue(value: unknown): unknown {
  if (value == null) return null
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'bigint') return Number(value)
  return cellText(value)
}

/** The rows as plain JSON-like objects (only `columns`, when given), ready for `data.values`. */
export function chartValues(rows: readonly Row[], columns?: readonly string[]): Record<string, unknown>[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {}
    for (const column of columns ?? Object.keys(row)) out[column] = chartValue(cellValue(row, column))
    return out
  })
}

function requireColumn(role: string, column: string, columns: readonly string[]): void {
  if (columns.length > 0 && !columns.includes(column)) {
    throw new QuarryError(
      'QUARRY_VIEW_TEMPLATE_INVALID',
      `The chart's ${role} column "${column}" is not in the result; its columns are ` +
        `${columns.map((c) => JSON.stringify(c)).join(', ')}.`,
    )
  }
}

function fieldDef(column: string, type: FieldType): Record<string, unknown> {
  const def: Record<string, unknown> = { field: fieldRef(column), type, title: column }
  // UTC, so a chart reads the same whatever the server's time zone.
  if (type === 'temporal') def['scale'] = { type: 'utc' }
  return def
}

/**
 * The columns a chart measures: its `y`, one or several.
 *
 * @example yColumns({ type: 'chart', mark: 'line', x: 'day', y: ['created', 'resolved'] }) // ['created', 'resolved']
 */
export function yColumns(template: ChartTemplate): readonly string[] {
  return typeof template.y === 'string' ? [template.y] : template.y
}

// Several y columns are folded into these two fields (one row per row and column): the series and
// its value. Names no query's column is likely to have.
const FOLD_SERIES = 'quarry·series'
const FOLD_VALUE = 'quarry·value'

function measure(
  template: ChartTemplate,
  rows: readonly Row[],
  field: string,
  title: string,
): Record<string, unknown> {
  const { aggregate } = template
  if (aggregate === 'count') return { aggregate: 'count', type: 'quantitative', title: `Count of ${title}` }
  if (aggregate === 'distinct')
    return { aggregate: 'distinct', field: fieldRef(field), type: 'quantitative', title: `Distinct ${title}` }
  if (aggregate !== undefined)
    return { aggregate, field: fieldRef(field), type: 'quantitative', title: `${aggregate} of ${title}` }
  return field === FOLD_VALUE
    ? { field: FOLD_VALUE, type: 'quantitative', title }
    : fieldDef(field, inferFieldType(rows, field))
}

const SORTS = { x: 'ascending', '-x': 'descending' } as const

/** Slices ordered by their measure: the same aggregate over the same field (a sum when none). */
function byMeasure(y: Record<string, unknown>, order: 'ascending' | 'descending'): Record<string, unknown> {
  if (y['aggregate'] === 'count') return { op: 'count', order }
  return { field: y['field'], op: y['aggregate'] ?? 'sum', order }
}

function legendOf(template: ChartTemplate): Record<string, unknown> {
  if (template.legend === undefined) return {}
  return { legend: template.legend === 'none' ? null : { orient: template.legend } }
}

/**
 * The Vega-Lite spec of a `chart` template for these rows. `x` is the category (or time) axis and
 * `y` the measure — several `y` columns are one series each; `series` splits it by colour. An
 * `arc` (pie) or `donut` takes its slices from `x` and their sizes from `y`, and has no series.
 * `stacked`, `sort`, `labels` and `legend` cover what people otherwise write Vega-Lite for.
 *
 * @example
 * chartSpec({ type: 'chart', mark: 'bar', x: 'status', y: 'key', aggregate: 'count' }, rows, ['key', 'status'])
 * // { mark: { type: 'bar' }, encoding: { x: { field: 'status', type: 'nominal', … }, y: { aggregate: 'count', … } }, … }
 */
export function chartSpec(
  template: ChartTemplate,
  rows: readonly Row[],
  columns: readonly string[],
): VegaLiteSpec {
  const ys = yColumns(template)
  requireColumn('x', template.x, columns)
  if (template.aggregate !== 'count') for (const y of ys) requireColumn('y', y, columns)
  if (template.series !== undefined) requireColumn('series', template.series, columns)
  const folded = ys.length > 1
  const used = [template.x, ...ys, ...(template.series === undefined ? [] : [template.series])]
  const base = {
    ...(template.title === undefined ? {} : { title: template.title }),
    data: { values: chartValues(rows, [...new Set(used)]) },
    ...(folded ? { transform: [{ fold: ys.map(fieldRef), as: [FOLD_SERIES, FOLD_VALUE] }] } : {}),
  }
  const yTitle = ys.join(', ')
  const y = measure(template, rows, folded ? FOLD_VALUE : (ys[0] ?? template.x), yTitle)
  const colorField = folded
    ? { field: FOLD_SERIES, type: 'nominal', title: 'Series' }
    : template.series === undefined
      ? undefined
      : { field: fieldRef(template.series), type: 'nominal', title: template.series }
  const labelMark = (extra: Record<string, unknown>) => ({
    mark: { type: 'text', fontSize: 11, ...extra },
    encoding: { text: { ...y, format: ',.4~r' } },
  })

  if (template.mark === 'arc' || template.mark === 'donut') {
    const size = template.width ?? template.height ?? CHART_HEIGHT
    const width = template.width ?? size
    const height = template.height ?? size
    const radius = Math.min(width, height) / 2 - (template.labels === true ? 24 : 4)
    const sort = template.sort ?? 'none'
    const color: Record<string, unknown> = {
      field: fieldRef(template.x),
      type: 'nominal',
      title: template.x,
      ...legendOf(template),
    }
    if (sort === 'x' || sort === '-x') color['sort'] = SORTS[sort]
    if (sort === 'y' || sort === '-y') color['sort'] = byMeasure(y, sort === 'y' ? 'ascending' : 'descending')
    const arc = {
      type: 'arc',
      outerRadius: radius,
      ...(template.mark === 'donut' ? { innerRadius: Math.round(radius * 0.55) } : {}),
    }
    // The slices go round in the legend's order (Vega-Lite stacks them by `order`, not by the colour's sort).
    const order =
      sort === 'x' || sort === '-x'
        ? { field: fieldRef(template.x), type: 'nominal', sort: SORTS[sort] }
        : sort === 'y' || sort === '-y'
          ? { ...y, sort: sort === 'y' ? 'ascending' : 'descending' }
          : undefined
    const encoding = { theta: { ...y, stack: true }, color, ...(order === undefined ? {} : { order }) }
    if (template.labels !== true) return { ...base, width, height, mark: arc, encoding }
    return {
      ...base,
      width,
      height,
      encoding,
      layer: [{ mark: arc }, labelMark({ radius: radius + 14 })],
    }
  }

  const sort = template.sort ?? 'none'
  const x: Record<string, unknown> = { ...fieldDef(template.x, inferFieldType(rows, template.x)) }
  if (sort === 'x' || sort === '-x') x['sort'] = SORTS[sort]
  if (sort === 'y' || sort === '-y') x['sort'] = sort
  const stackable = template.mark === 'bar' || template.mark === 'area'
  const yEncoding: Record<string, unknown> = { ...y }
  if (stackable && colorField !== undefined && template.stacked !== undefined)
    yEncoding['stack'] = template.stacked ? 'zero' : null
  const encoding: Record<string, unknown> = { x, y: yEncoding }
  if (colorField !== undefined) {
    encoding['color'] = { ...colorField, ...legendOf(template) }
    // Side by side, not on top of each other (Vega-Lite's grouped bars).
    if (template.mark === 'bar' && template.stacked === false) encoding['xOffset'] = colorField
  }
  const mark = {
    type: template.mark,
    ...(template.mark === 'line' ? { point: true } : {}),
    ...(template.mark === 'area' && template.stacked === false && colorField !== undefined
      ? { opacity: 0.6 }
      : {}),
  }
  const size = { width: template.width ?? CHART_WIDTH, height: template.height ?? CHART_HEIGHT }
  if (template.labels !== true) return { ...base, ...size, mark, encoding }
  // A label on every bar or point: one value each; stacked bars' labels sit inside their segment.
  const stackedLabels = stackable && colorField !== undefined && template.stacked !== false
  return {
    ...base,
    ...size,
    encoding,
    layer: [
      { mark },
      stackedLabels
        ? {
            mark: { type: 'text', fontSize: 11, color: 'white' },
            encoding: {
              text: { ...y, format: ',.4~r' },
              y: { ...yEncoding, stack: 'zero', bandPosition: 0.5 },
            },
          }
        : labelMark({ dy: -8 }),
    ],
  }
}

/** Data sources that make rows out of nothing, or load them: not allowed in a hand-written spec. */
function forbiddenData(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = forbiddenData(item, `${path}[${index}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (value === null || typeof value !== 'object') return undefined
  for (const [key, item] of Object.entries(value)) {
    if (key === 'url' || key === 'sequence') return `${path}.${key}`
    const found = forbiddenData(item, `${path}.${key}`)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * A `vega-lite` template's spec with the rows as its data: whatever `data` it had is replaced, and
 * a nested `url` or `sequence` anywhere (a layer's data, a lookup) is refused.
 *
 * @example
 * vegaLiteSpecWithRows({ mark: 'bar', data: { url: 'https://evil' }, encoding }, rows)
 * // { mark: 'bar', data: { values: [...] }, encoding }
 */
export function vegaLiteSpecWithRows(spec: VegaLiteSpec, rows: readonly Row[]): VegaLiteSpec {
  const { data: _data, datasets: _datasets, $schema: _schema, ...rest } = spec
  const found = forbiddenData(rest, 'spec')
  if (found !== undefined) {
    throw new QuarryError(
      'QUARRY_VIEW_TEMPLATE_INVALID',
      `The Vega-Lite spec has "${found}": a view's chart shows the query's rows and loads nothing else. ` +
        'Remove it (the rows are put in as data.values).',
    )
  }
  return { ...rest, data: { values: chartValues(rows) } }
}

/** The Vega-Lite spec a chart or vega-lite template draws for these rows. */
export function specFor(template: ChartLike, rows: readonly Row[], columns: readonly string[]): VegaLiteSpec {
  return template.type === 'chart'
    ? chartSpec(template, rows, columns)
    : vegaLiteSpecWithRows(template.spec, rows)
}

interface VegaModules {
  readonly vega: typeof Vega
  readonly vegaLite: typeof VegaLite
  readonly interpreter: typeof VegaInterpreter
}

let modules: Promise<VegaModules> | undefined

function loadVega(): Promise<VegaModules> {
  modules ??= Promise.all([import('vega'), import('vega-lite'), import('vega-interpreter')]).then(
    ([vega, vegaLite, interpreter]) => ({ vega, vegaLite, interpreter }),
  )
  return modules
}

/**
 * Loads vega, vega-lite and vega-interpreter now (≈0.5 s on first use), e.g. while the server
 * starts, so the first chart a user opens does not pay for it.
 *
 * @example
 * void preloadCharts()
 */
export async function preloadCharts(): Promise<void> {
  await loadVega()
}

/** A chart drawn: the SVG text and what Vega warned about (shown as notices). */
export interface ChartOutput {
  readonly svg: string
  readonly warnings: readonly string[]
}

function messageOf(args: readonly unknown[]): string {
  return args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ')
}

function invalid(message: string, cause?: unknown): QuarryError {
  return new QuarryError('QUARRY_VIEW_TEMPLATE_INVALID', `The chart could not be drawn: ${message}`, {
    cause,
  })
}

/**
 * A Vega-Lite spec rendered to SVG, with no URL loaded and no expression compiled to code. Throws
 * QUARRY_VIEW_TEMPLATE_INVALID when the spec does not compile or Vega reports an error.
 *
 * @example
 * const { svg } = await renderVegaLiteSvg(chartSpec(template, rows, columns)) // '<svg …>…</svg>'
 */
export async function renderVegaLiteSvg(spec: VegaLiteSpec): Promise<ChartOutput> {
  const { vega, vegaLite, interpreter } = await loadVega()
  const warnings: string[] = []
  const errors: string[] = []
  const logger: LoggerInterface = vega.logger(vega.Warn, 'warn', (method, _level, args) => {
    if (method === 'error') errors.push(messageOf(args))
    else warnings.push(messageOf(args))
  })
  // Vega only warns when a load fails (and draws an empty chart): remember the refusals to fail loudly.
  const refused: string[] = []
  const refuse = (uri: unknown): Promise<never> => {
    const message = `a chart may not load ${JSON.stringify(String(uri))} (it shows the query's rows only)`
    refused.push(message)
    return Promise.reject(new Error(message))
  }
  const loader = vega.loader()
  loader.load = refuse
  // Vega's SVG renderer asks sanitize about every link (`href` encoding or mark property), and its
  // image marks about every image. A link to an http(s) URL is written into the SVG (xlink:href,
  // opening in a new tab without an opener or referrer); any other link (javascript:, data:, a
  // relative path) is left out with a warning, the chart still drawn. Images are loads: refused.
  // sanitize never rejects: the renderer does not handle a rejection, which would end the process.
  // (Its typings say href is a string; null is what makes the renderer write no href attribute.)
  const none = { href: null as unknown as string }
  loader.sanitize = (uri: unknown, options?: { context?: string }) => {
    if (options?.context === 'href') {
      const href = httpLink(uri)
      if (href !== undefined) return Promise.resolve({ href, target: '_blank', rel: 'noopener noreferrer' })
      warnings.push(
        `A link to ${JSON.stringify(String(uri))} was left out: chart links must be http(s) URLs.`,
      )
      return Promise.resolve(none)
    }
    void refuse(uri).catch(() => undefined)
    return Promise.resolve(none)
  }
  loader.http = refuse
  loader.file = refuse

  let runtime
  try {
    // Plain JSON from a template: vega-lite's compile is what checks its shape.
    const topLevel = spec as unknown as Parameters<typeof vegaLite.compile>[0]
    const compiled = vegaLite.compile(topLevel, { logger })
    runtime = vega.parse(compiled.spec, undefined, { ast: true })
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error), error)
  }
  const view = new vega.View(runtime, {
    renderer: 'none',
    loader,
    logger,
    expr: interpreter.expressionInterpreter,
  })
  try {
    const svg = await view.toSVG()
    if (refused.length > 0 || errors.length > 0)
      throw invalid([...new Set([...refused, ...errors])].join('; '))
    return { svg, warnings: [...new Set(warnings)] }
  } catch (error) {
    if (error instanceof QuarryError) throw error
    throw invalid(error instanceof Error ? error.message : String(error), error)
  } finally {
    view.finalize()
  }
}

/**
 * A chart or vega-lite template drawn for these rows.
 *
 * @example
 * const { svg } = await renderChart({ type: 'chart', mark: 'line', x: 'day', y: 'created' }, rows, columns)
 */
export function renderChart(
  template: ChartLike,
  rows: readonly Row[],
  columns: readonly string[],
): Promise<ChartOutput> {
  return renderVegaLiteSvg(specFor(template, rows, columns))
}
