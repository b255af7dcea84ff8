/**
 * PocketQuery's Velocity templates (issue 13), rendered by velocityjs inside the converter sandbox
 * (convert/template-job.ts): this module prepares the job, finds the named templates it inserts,
 * and reads the answer — it never evaluates VTL. As with Liquid (liquid-template.ts): every
 * `$reference` output is HTML-escaped and there is no way around it (no raw output), the template's
 * own markup is not escaped — it is the template — and the view page's Content-Security-Policy keeps
 * any script in it from running; the limits are Liquid's (source length, render time, output size)
 * and a converter's memory limit.
 *
 * What a template sees: `$result` (the rows: a list of maps, so `.get(0)`, `.keySet()`,
 * `.entrySet()`, `.size()`, `#foreach ($column in $row)`), `$queryParameters` (a map of the
 * parameter values as text), `$queryName`, and `$PQ` with `toList(x)`, `template("default")` (Quarry's
 * default table), `template(name)` and `templateByName(name)` (another template's output; at most
 * MAX_TEMPLATE_CALLS calls in a run, as in PocketQuery). `## @param emptymsg:TEXT` sets what an empty
 * result says (velocityEmptyMessage). A `<script>` does not run in a view: it is taken out and
 * reported, `PocketQuery.chart(…)` with a pointer to Quarry's chart template.
 */
import { MAX_TEMPLATE_CALLS, type TemplateJob, type TemplateOutcome } from '../convert/index.js'
import { QuarryError, type ErrorCode } from '../domain/errors.js'
import type { ParamValue } from '../domain/params.js'
import { LIQUID_LIMITS, type LiquidLimits } from './liquid-template.js'

/** Where a Velocity template renders: the ConverterPool (its `renderTemplate`). */
export interface VelocitySandbox {
  renderTemplate(job: TemplateJob): Promise<TemplateOutcome>
}

/**
 * The Velocity source of a named template, or undefined when no template has that name. Named,
 * reusable templates are stored by the store; this is how a render asks for them.
 *
 * @example const lookup: TemplateLookup = async (name) => (name === 'footer' ? '<p>$result.size() rows</p>' : undefined)
 */
export type TemplateLookup = (name: string) => Promise<string | undefined>

/** What a Velocity template is rendered with. */
export interface VelocityData {
  /** `$result`: the converter's output — in Quarry always the rows, an array of row objects. */
  readonly result: unknown
  /** The query's name (`$queryName`). */
  readonly query: string
  /** The parameter values (`$queryParameters`, as text; a list's items joined by commas). */
  readonly params: Readonly<Record<string, ParamValue | undefined>>
}

export interface VelocityOptions {
  readonly sandbox: VelocitySandbox
  /** Named templates for `$PQ.templateByName`; without it, every name is unknown. */
  readonly templates?: TemplateLookup
  /** Default: Liquid's (LIQUID_LIMITS): the same source length, render time and output size. */
  readonly limits?: LiquidLimits
  /** What `$PQ.template("default")` inserts: Quarry's default table for these rows. */
  readonly defaultTable: () => string
}

/** A rendered Velocity template: its HTML, and what the page should say (scripts taken out). */
export interface VelocityOutput {
  readonly html: string
  readonly notices: readonly string[]
}

/** A template's own error (its line and column when known), with its registered code. */
export class VelocityError extends QuarryError {
  readonly line?: number
  readonly column?: number
  /** The named template the error is in; absent for the query's own template. */
  readonly template?: string

  constructor(
    code: ErrorCode,
    message: string,
    where: { line?: number; column?: number; template?: string } = {},
  ) {
    super(code, message)
    this.name = 'VelocityError'
    if (where.line !== undefined) this.line = where.line
    if (where.column !== undefined) this.column = where.column
    if (where.template !== undefined) this.template = where.template
  }
}

/** Velocity's own codes (besides QUARRY_VIEW_TEMPLATE_INVALID and _LIMIT, which every template kind has). */
export const VELOCITY_ERROR_CODES = [
  'QUARRY_VELOCITY_SYNTAX',
  'QUARRY_VELOCITY_UNSUPPORTED',
  'QUARRY_VELOCITY_TEMPLATE_NOT_FOUND',
] as const satisfies readonly ErrorCode[]

const CODES = {
  syntax: 'QUARRY_VELOCITY_SYNTAX',
  unsupported: 'QUARRY_VELOCITY_UNSUPPORTED',
  'not-found': 'QUARRY_VELOCITY_TEMPLATE_NOT_FOUND',
  missing: 'QUARRY_VELOCITY_TEMPLATE_NOT_FOUND',
  runtime: 'QUARRY_VIEW_TEMPLATE_INVALID',
  limit: 'QUARRY_VIEW_TEMPLATE_LIMIT',
} as const

/** `## @param emptymsg:TEXT` — PocketQuery's syntax, read "exactly" as its docs say, spaces forgiven. */
const EMPTY_MESSAGE = /^[ \t]*##[ \t]*@param[ \t]+emptymsg[ \t]*:(.*)$/m

/**
 * What an empty result says under this template (`## @param emptymsg:TEXT`), if it says.
 *
 * @example velocityEmptyMessage('## @param emptymsg:No open issues\n#foreach…') // 'No open issues'
 */
export function velocityEmptyMessage(source: string): string | undefined {
  const text = EMPTY_MESSAGE.exec(source)?.[1]?.trim()
  return text === undefined || text === '' ? undefined : text
}

/** `$PQ.template("x")` / `$PQ.templateByName('x')` with a literal name: found before the first run. */
const LITERAL_INSERT = /\$!?\{?PQ\.template(?:ByName)?\(\s*(["'])([^"'\n]*)\1\s*\)/g

function literalNames(source: string): string[] {
  // A name with `$` or `#` in it is built when the template runs: it is looked up then.
  return [...source.matchAll(LITERAL_INSERT)]
    .map((match) => match[2] ?? '')
    .filter((name) => name !== '' && !/[$#]/.test(name))
}

/** Each parameter's value as PocketQuery hands it to a template: text, a list joined by commas. */
function paramText(params: VelocityData['params']): Record<string, string> {
  const text: Record<string, string> = {}
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue
    text[name] = Array.isArray(value) ? value.join(',') : String(value)
  }
  return text
}

/**
 * Looks up the named templates the sources name literally (and the ones those name), at most
 * MAX_TEMPLATE_CALLS of them: a run cannot insert more. `$PQ.template("default")` is not looked up.
 */
async function prefetch(
  source: string,
  lookup: TemplateLookup | undefined,
  known: Record<string, string | null>,
): Promise<void> {
  const pending = literalNames(source)
  while (pending.length > 0 && Object.keys(known).length < MAX_TEMPLATE_CALLS) {
    const name = pending.shift() ?? ''
    if (name === 'default' || Object.hasOwn(known, name)) continue
    const found = (await lookup?.(name)) ?? null
    known[name] = found
    if (found !== null) pending.push(...literalNames(found))
  }
}

function where(outcome: Extract<TemplateOutcome, { ok: false }>): string {
  const inside = outcome.template === undefined ? '' : ` in template "${outcome.template}"`
  if (outcome.line === undefined) return inside
  return `${inside} at line ${outcome.line}${outcome.column === undefined ? '' : `, column ${outcome.column}`}`
}

function failure(outcome: Extract<TemplateOutcome, { ok: false }>): VelocityError {
  const at = where(outcome)
  const location = {
    ...(outcome.line === undefined ? {} : { line: outcome.line }),
    ...(outcome.column === undefined ? {} : { column: outcome.column }),
    ...(outcome.template === undefined ? {} : { template: outcome.template }),
  }
  switch (outcome.kind) {
    case 'syntax':
      return new VelocityError(
        CODES.syntax,
        `The Velocity template does not parse${at}: ${outcome.message}.`,
        location,
      )
    case 'limit':
      return new VelocityError(
        CODES.limit,
        `The Velocity template was stopped${at}: ${outcome.message}. Loop over fewer rows or build less text.`,
        location,
      )
    case 'unsupported':
      return new VelocityError(
        CODES.unsupported,
        `The Velocity template failed${at}: ${outcome.message}.`,
        location,
      )
    case 'missing':
    case 'not-found':
      return new VelocityError(
        CODES['not-found'],
        `The Velocity template failed${at}: ${outcome.kind === 'missing' ? `no template is named "${outcome.message}"` : outcome.message}.`,
        location,
      )
    case 'runtime':
      return new VelocityError(
        CODES.runtime,
        `The Velocity template failed${at}: ${outcome.message}.`,
        location,
      )
  }
}

const SCRIPT = /<script\b[^>]*>([\s\S]*?)<\/script\s*>/gi
const CHART_CALL = /\bPocketQuery\s*\.\s*chart\s*\(/

/** The notice for a template's `<script>` with `PocketQuery.chart(…)`. */
export const VELOCITY_CHART_NOTICE =
  'This template draws a chart with PocketQuery.chart(…) (Google Charts), which Quarry does not support: ' +
  'the chart is left out. Use a Quarry chart template instead (template type "chart": mark, x, y — ' +
  'Template → Chart in the admin UI), or a Vega-Lite spec.'

/** The notice for any other `<script>` in a template. */
export const VELOCITY_SCRIPT_NOTICE =
  'This template has a <script>, which views do not run (their Content-Security-Policy allows no inline ' +
  'script): it is left out.'

/** Takes every `<script>…</script>` out of the output, saying why once per kind. */
function withoutScripts(html: string): VelocityOutput {
  let chart = false
  let other = false
  const kept = html.replace(SCRIPT, (_whole, body: string) => {
    if (CHART_CALL.test(body)) chart = true
    else other = true
    return ''
  })
  return {
    html: kept,
    notices: [...(chart ? [VELOCITY_CHART_NOTICE] : []), ...(other ? [VELOCITY_SCRIPT_NOTICE] : [])],
  }
}

function marker(): string {
  const nonce = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0'))
  return `<!--quarry-default-table-${nonce.join('')}-->`
}

/**
 * The template's HTML for these rows, rendered in the sandbox. Throws a VelocityError:
 * QUARRY_VELOCITY_SYNTAX (with the line and column) when it does not parse, QUARRY_VELOCITY_UNSUPPORTED
 * for an unknown `$PQ` method or `#parse`/`#include`/`#eval`, QUARRY_VELOCITY_TEMPLATE_NOT_FOUND for an
 * unknown name, QUARRY_VIEW_TEMPLATE_LIMIT when it runs too long, allocates too much, writes too much
 * or inserts templates more than 15 times, QUARRY_VIEW_TEMPLATE_INVALID when a method it calls fails.
 *
 * @example
 * await renderVelocity('#foreach($r in $result)<li>$r.key</li>#end', { result: [{ key: '<b>' }], query: 'q', params: {} }, { sandbox: pool, defaultTable })
 * // { html: '<li>&lt;b&gt;</li>', notices: [] }
 */
export async function renderVelocity(
  source: string,
  data: VelocityData,
  options: VelocityOptions,
): Promise<VelocityOutput> {
  const limits = options.limits ?? LIQUID_LIMITS
  if (source.length > limits.parseLimit) {
    throw new VelocityError(
      CODES.limit,
      `The Velocity template has ${source.length} characters, more than the ${limits.parseLimit} a template may have.`,
    )
  }
  const templates: Record<string, string | null> = {}
  await prefetch(source, options.templates, templates)
  const defaultMarker = marker()
  const job = {
    source,
    rowsJson: JSON.stringify(data.result ?? null),
    params: paramText(data.params),
    query: data.query,
    defaultMarker,
    maxChars: limits.memoryLimit,
    timeoutMs: limits.renderLimit,
  }
  // A name built at run time ($PQ.templateByName($name)) is looked up when the render asks for it.
  for (let attempt = 0; ; attempt++) {
    const outcome = await options.sandbox.renderTemplate({ ...job, templates: { ...templates } })
    if (outcome.ok) {
      const html = outcome.html.includes(defaultMarker)
        ? outcome.html.replaceAll(defaultMarker, options.defaultTable())
        : outcome.html
      return withoutScripts(html)
    }
    if (outcome.kind !== 'missing' || attempt >= MAX_TEMPLATE_CALLS) throw failure(outcome)
    templates[outcome.message] = (await options.templates?.(outcome.message)) ?? null
  }
}
