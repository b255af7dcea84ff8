/**
 * Liquid view templates, rendered with LiquidJS set up for templates nobody vetted: every `{{ }}`
 * output is HTML-escaped and there is no way around it (the `raw` filter is gone, and unknown
 * filters are errors instead of being skipped); nothing is read from disk (`include`, `render` and
 * `layout` do not exist); and time, allocations and output are capped, so a template that loops
 * for ever or builds a huge string stops with QUARRY_VIEW_TEMPLATE_LIMIT instead of taking the
 * server down. The template's own markup is not escaped — it is the template — but the view
 * page's Content-Security-Policy keeps any script in it from running.
 */
import { Liquid } from 'liquidjs'
import type { Context, LiquidError } from 'liquidjs'
import { QuarryError } from '../domain/errors.js'
import type { Row } from './cell.js'
import { cellText } from './cell.js'
import { escapeHtml } from './html-format.js'

/** What a Liquid template sees. */
export interface LiquidData {
  readonly rows: readonly Row[]
  readonly columns: readonly string[]
  /** The query's name. */
  readonly query: string
  /** The parameter values the rows were fetched with. */
  readonly params: Readonly<Record<string, unknown>>
  /** When the rows were fetched, as ISO 8601 text (works with Liquid's `date` filter). */
  readonly fetchedAt: string
}

export interface LiquidLimits {
  /** Longest template source, in characters. */
  readonly parseLimit: number
  /** Longest render, in milliseconds. */
  readonly renderLimit: number
  /**
   * Characters a render may allocate (ranges, joins, appends…) plus the characters of every
   * `{{ }}` output: one budget, so neither a huge range nor a loop printing a long value runs away.
   */
  readonly memoryLimit: number
}

export const LIQUID_LIMITS: LiquidLimits = Object.freeze({
  parseLimit: 100_000,
  renderLimit: 1_000,
  memoryLimit: 20_000_000,
})

/** Tags that read other templates: with no file system they could only fail, so they do not exist. */
const FILE_TAGS = ['include', 'render', 'layout', 'block'] as const

/**
 * LiquidJS's escape, counted: each escaped output is charged to the render's memory budget (the
 * handler runs as a filter, with the render's Context as `this.context`).
 */
function countedEscape(this: { context: Context }, value: unknown): string {
  const text = escapeHtml(cellText(value))
  this.context.memoryLimit.use(text.length)
  return text
}

function engine(limits: LiquidLimits): Liquid {
  const liquid = new Liquid({
    outputEscape: countedEscape,
    strictFilters: true,
    ownPropertyOnly: true,
    // An in-memory map with nothing in it: no lookup can reach the disk, even if a tag tried.
    templates: {},
    relativeReference: false,
    dynamicPartials: false,
    cache: false,
    timezoneOffset: 0,
    parseLimit: limits.parseLimit,
    renderLimit: limits.renderLimit,
    memoryLimit: limits.memoryLimit,
  })
  // `| raw` would turn the autoescape off for one output.
  liquid.unregisterFilter('raw')
  for (const tag of FILE_TAGS) delete liquid.tags[tag]
  return liquid
}

const engines = new Map<LiquidLimits, Liquid>()

function engineFor(limits: LiquidLimits): Liquid {
  let liquid = engines.get(limits)
  if (liquid === undefined) {
    liquid = engine(limits)
    if (engines.size < 8) engines.set(limits, liquid)
  }
  return liquid
}

function isLiquidError(error: unknown): error is LiquidError {
  return error instanceof Error && '__liquidClass__' in error
}

/** "line 3, col 5" from a LiquidJS error, when it knows where. */
function position(error: LiquidError): { line: number; col: number } | undefined {
  // `token` is set (non-enumerable) on every LiquidError, though its type says nothing of it.
  const token = (error as { token?: { getPosition?: () => number[] } }).token
  const [line, col] = token?.getPosition?.() ?? []
  return line === undefined || col === undefined ? undefined : { line, col }
}

/** LiquidJS's message without the "line:3, col:5" it appends (we say it our way). */
function bareMessage(error: Error): string {
  return error.message.replace(/, line:\d+, col:\d+$/, '')
}

/** LiquidJS's Limiter says "template render limit exceeded", "memory alloc limit exceeded", "parse length …". */
const LIMIT = /limit exceeded/

function limitError(error: Error): boolean {
  let current: unknown = error
  while (current instanceof Error) {
    if (LIMIT.test(current.message)) return true
    current = (current as { originalError?: unknown }).originalError
  }
  return false
}

function quarryError(error: unknown, phase: 'parse' | 'render'): unknown {
  if (!(error instanceof Error)) return error
  if (limitError(error)) {
    return new QuarryError(
      'QUARRY_VIEW_TEMPLATE_LIMIT',
      `The Liquid template was stopped: ${bareMessage(error)}. Loop over fewer rows (e.g. \`limit: 100\`) ` +
        'or build less text.',
      { cause: error },
    )
  }
  if (!isLiquidError(error)) return error
  const at = position(error)
  const where = at === undefined ? '' : ` at line ${at.line}, column ${at.col}`
  const what = phase === 'parse' ? 'does not parse' : 'failed while rendering'
  return new QuarryError(
    'QUARRY_VIEW_TEMPLATE_INVALID',
    `The Liquid template ${what}${where}: ${bareMessage(error)}.`,
    { cause: error },
  )
}

/**
 * The template's output for these rows. Throws QUARRY_VIEW_TEMPLATE_INVALID (with the line) when
 * the template does not parse or fails, QUARRY_VIEW_TEMPLATE_LIMIT when it runs too long or
 * allocates too much.
 *
 * @example
 * await renderLiquid('{% for r in rows %}<li>{{ r.key }}</li>{% endfor %}', data)
 * // '<li>QA-1</li><li>&lt;b&gt;</li>'
 */
export async function renderLiquid(
  source: string,
  data: LiquidData,
  limits: LiquidLimits = LIQUID_LIMITS,
): Promise<string> {
  const liquid = engineFor(limits)
  let parsed
  try {
    parsed = liquid.parse(source)
  } catch (error) {
    throw quarryError(error, 'parse')
  }
  try {
    const scope = {
      rows: data.rows,
      columns: data.columns,
      query: data.query,
      params: data.params,
      fetchedAt: data.fetchedAt,
    }
    const output: unknown = await liquid.render(parsed, scope)
    return typeof output === 'string' ? output : cellText(output)
  } catch (error) {
    throw quarryError(error, 'render')
  }
}
