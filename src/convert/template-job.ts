/**
 * A "render template" job (issue 13): a Velocity template rendered in the converter sandbox. The
 * job runs as a converter run — the engine (sandbox/velocity-source.ts) is the converter, the job
 * is its one page — so it gets everything a converter run has: a worker process, a fresh context
 * in an isolate, the memory limit, the CPU watchdog, and a worker that dies for it if it must. The
 * server process only sends text and reads the answer; no template is ever evaluated in it.
 */
import { QuarryError } from '../domain/errors.js'
import { ConverterError } from './errors.js'
import { DEFAULT_LIMITS } from './limits.js'
import { velocitySource } from './sandbox/velocity-source.js'
import type { ConvertInput, ConvertResult } from './types.js'

/** What a template job renders: the template, what it may insert, and the data it sees. */
export interface TemplateJob {
  /** The Velocity source. */
  readonly source: string
  /** `$result`: the rows as one JSON array text (as runs keep them). */
  readonly rowsJson: string
  /** `$queryParameters`: each parameter's value as text. */
  readonly params: Readonly<Record<string, string>>
  /** `$queryName`. */
  readonly query: string
  /**
   * Templates `$PQ.templateByName(name)` / `$PQ.template(name)` may insert, by name; `null` for a
   * name known not to exist. A name missing here answers `{ kind: 'missing' }` so the caller can
   * look it up and run the job again.
   */
  readonly templates: Readonly<Record<string, string | null>>
  /** What `$PQ.template("default")` writes; the caller replaces it with the default table. */
  readonly defaultMarker: string
  /** The longest output, in characters. */
  readonly maxChars: number
  /** CPU time the render may take, in ms. */
  readonly timeoutMs: number
  /** Heap of the isolate, in MB (default: a converter's). */
  readonly memoryMb?: number
}

/** Why a template job failed; `line` and `column` (1-based) are in `template` when named, else in the job's source. */
export type TemplateFailureKind = 'syntax' | 'runtime' | 'unsupported' | 'not-found' | 'missing' | 'limit'

export type TemplateOutcome =
  | { readonly ok: true; readonly html: string }
  | {
      readonly ok: false
      readonly kind: TemplateFailureKind
      readonly message: string
      readonly line?: number
      readonly column?: number
      readonly template?: string
    }

/** What runs a converter: the ConverterPool. */
export interface ConvertRunner {
  run(input: ConvertInput): Promise<ConvertResult>
}

const KINDS: readonly TemplateFailureKind[] = [
  'syntax',
  'runtime',
  'unsupported',
  'not-found',
  'missing',
  'limit',
]

/** A number that is a position, or nothing (the sandbox writes `null` for a position it does not know). */
function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined
}

/** The sandbox's one row, read without trusting its shape. */
function outcomeOf(rowsJson: string): TemplateOutcome {
  const [row] = JSON.parse(rowsJson) as Record<string, unknown>[]
  if (row?.ok === true && typeof row.html === 'string') return { ok: true, html: row.html }
  const kind = KINDS.find((known) => known === row?.kind)
  if (row === undefined || kind === undefined || typeof row.message !== 'string')
    throw new QuarryError('QUARRY_INTERNAL', 'The Velocity sandbox answered something it should not have.')
  const line = positive(row.line)
  const column = positive(row.column)
  return {
    ok: false,
    kind,
    message: row.message,
    ...(line === undefined ? {} : { line }),
    ...(column === undefined ? {} : { column }),
    ...(typeof row.template === 'string' ? { template: row.template } : {}),
  }
}

/**
 * Renders a template job in the pool's sandbox. A job that runs out of time or memory (or kills
 * its worker) answers `{ ok: false, kind: 'limit' }`, as one that breaks a limit the engine counts.
 *
 * @example
 * await renderTemplateJob(pool, { source: '#foreach($r in $result)$r.key #end', rowsJson: '[{"key":"QA-1"}]', … })
 * // { ok: true, html: 'QA-1 ' }
 */
export async function renderTemplateJob(runner: ConvertRunner, job: TemplateJob): Promise<TemplateOutcome> {
  const { rowsJson, ...rest } = job
  const body = JSON.stringify({
    source: rest.source,
    params: rest.params,
    query: rest.query,
    templates: rest.templates,
    defaultMarker: rest.defaultMarker,
    maxChars: rest.maxChars,
  })
  // The rows are JSON text already: spliced in, not parsed and written again.
  const page = `${body.slice(0, -1)},"rows":${rowsJson}}`
  try {
    const result = await runner.run({
      source: velocitySource(),
      pages: [page],
      metadata: {},
      limits: {
        memoryMb: job.memoryMb ?? DEFAULT_LIMITS.memoryMb,
        timeoutMs: job.timeoutMs,
        maxRows: 1,
        // JSON writes a character in at most 6 bytes (`\u001f`); the engine holds the output to maxChars.
        maxBytes: Math.min(2 ** 29 - 24, job.maxChars * 6 + 1024 * 1024),
      },
    })
    return outcomeOf(result.rowsJson)
  } catch (error) {
    if (error instanceof ConverterError && ['timeout', 'memory', 'crashed', 'limit'].includes(error.kind)) {
      // Where the engine's own code was stopped means nothing to the template's author.
      const message = error.message
        .replace(/^Converter /, 'it ')
        .replace(/ \(stopped at line \d+, column \d+\)/, '')
      return { ok: false, kind: 'limit', message }
    }
    // The engine itself failed to load or broke its contract: Quarry's bug, not the template's.
    throw new QuarryError('QUARRY_INTERNAL', 'The Velocity engine failed in the sandbox.', { cause: error })
  }
}
