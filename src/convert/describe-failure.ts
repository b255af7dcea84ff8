/**
 * Turns what a worker reports (or how it died) into the ConverterError the
 * user reads: what failed and where in their source. The converter is
 * compiled as a script of its own, without a wrapper, so the line and column
 * in its stack frames are already the user's.
 */
import { ConverterError } from './errors.js'
import { DEFAULT_LIMITS } from './limits.js'
import type { ConvertLimits } from './limits.js'
import type { RunFailed } from './protocol.js'

/** Messages reach a reader cut to this many characters (a converter can throw 60 MB). */
export const MESSAGE_CHARS = 2000
/** Room for the "… (N more characters)" note. */
const CUT_NOTE_CHARS = 40

/**
 * `text` cut to `max` characters, saying how much was left out.
 *
 * @example cut('x'.repeat(2005)) // 'xx…x… (5 more characters)'
 */
export function cut(text: string, max: number = MESSAGE_CHARS): string {
  // A message the sandbox or the worker has already cut is a little longer than max: leave it as it is.
  return text.length > max + CUT_NOTE_CHARS
    ? `${text.slice(0, max)}… (${text.length - max} more characters)`
    : text
}

function mib(bytes: number): string {
  const value = bytes / (1024 * 1024)
  return Number.isInteger(value) ? `${value} MiB` : `${bytes} bytes`
}

/**
 * The run returned more rows than its limit allows.
 *
 * @example tooManyRows(limits).message // 'Converter returned more than 1000000 rows, …'
 */
export function tooManyRows(limits: ConvertLimits, page?: string): ConverterError {
  return new ConverterError(
    'limit',
    `Converter returned more than ${limits.maxRows} rows${notes(page)}, the row limit for one run; ` +
      `return fewer rows, or raise converterMaxRows on the query or its datasource (default ${DEFAULT_LIMITS.maxRows})`,
  )
}

/**
 * The run's rows take more JSON text than its limit allows.
 *
 * @example tooManyBytes(limits).message // 'Converter returned more than 64 MiB of rows as JSON, …'
 */
export function tooManyBytes(limits: ConvertLimits, page?: string): ConverterError {
  return new ConverterError(
    'limit',
    `Converter returned more than ${mib(limits.maxBytes)} of rows as JSON${notes(page)}, the size limit for one run; ` +
      `return less, or raise converterMaxBytes on the query or its datasource (default ${mib(DEFAULT_LIMITS.maxBytes)}, in bytes)`,
  )
}

/** `import()` inside a converter: isolated-vm answers "Not supported", which says nothing to its author. */
function importedAt(failure: RunFailed, location: Location, source: string | undefined): boolean {
  if (failure.message !== 'Not supported' || location.line === undefined || source === undefined) return false
  const line = source.split('\n')[location.line - 1] ?? ''
  // V8 points at the statement that holds the import() call.
  return /\bimport\s*\(/.test(line.slice((location.column ?? 1) - 1))
}

export interface Location {
  readonly line?: number
  readonly column?: number
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * The first stack frame (or `[file:line:col]` suffix) that names the converter's file.
 *
 * @example locate('TypeError: x\n    at convert (converter.js:3:12)', 'converter.js') // { line: 3, column: 12 }
 */
export function locate(text: string, filename: string): Location {
  const match = new RegExp(`${escapeRegExp(filename)}:(\\d+):(\\d+)`).exec(text)
  if (match === null) return {}
  return { line: Number(match[1]), column: Number(match[2]) }
}

function where(location: Location): string {
  if (location.line === undefined) return ''
  return location.column === undefined
    ? ` at line ${location.line}`
    : ` at line ${location.line}, column ${location.column}`
}

/**
 * How a failure names its page: `page 3 of 5`, or `page 3` while the total is not known; nothing for
 * the only page of a result (its messages need no page).
 *
 * @example pageName(2, null) // 'page 3'
 */
export function pageName(index: number, total: number | null): string | undefined {
  if (total === null) return `page ${index + 1}`
  return total > 1 ? `page ${index + 1} of ${total}` : undefined
}

function pageOf(failure: RunFailed): string | undefined {
  return failure.page === undefined ? undefined : pageName(failure.page, failure.pages)
}

/** ` (a, b)` for the notes that are known, '' for none. */
function notes(...parts: (string | undefined)[]): string {
  const known = parts.filter((part) => part !== undefined && part !== '')
  return known.length === 0 ? '' : ` (${known.join(', ')})`
}

/**
 * @example
 * describeFailure({ type: 'failed', id: 1, kind: 'timeout', name: 'Error', message: '…', stack: '', pages: 1 }, limits, 'converter.js')
 * // ConverterError: Converter exceeded its CPU time limit of 5000 ms
 */
export function describeFailure(
  failure: RunFailed,
  limits: ConvertLimits,
  filename: string,
  source?: string,
): ConverterError {
  const message = cut(failure.message)
  switch (failure.kind) {
    case 'syntax': {
      // isolated-vm appends ` [file:line:col]` to a compile error's message.
      const location = locate(failure.message, filename)
      const text = message.replace(/\s*\[[^\]]*:\d+:\d+\]\s*$/, '')
      const line = location.line === undefined ? '' : ` at line ${location.line}`
      return new ConverterError('syntax', `Converter has a syntax error${line}: ${text}`, location)
    }
    case 'runtime': {
      const location = locate(failure.stack, filename)
      if (importedAt(failure, location, source)) {
        return new ConverterError(
          'runtime',
          `Converter failed${where(location)}${notes(pageOf(failure))}: converters cannot import modules (import() is not available in the sandbox; use the helpers and standard JavaScript only)`,
          location,
        )
      }
      const error = failure.name === '' ? message : `${cut(failure.name, 200)}: ${message}`
      return new ConverterError(
        'runtime',
        `Converter failed${where(location)}${notes(pageOf(failure))}: ${error}`,
        location,
      )
    }
    case 'timeout': {
      // isolated-vm records where the runaway code was when it stopped it.
      const location = locate(failure.stack, filename)
      const stopped = location.line === undefined ? undefined : `stopped${where(location)}`
      return new ConverterError(
        'timeout',
        `Converter exceeded its CPU time limit of ${limits.timeoutMs} ms${notes(stopped, pageOf(failure))}`,
        location,
      )
    }
    case 'memory':
      return new ConverterError(
        'memory',
        `Converter exceeded its memory limit of ${limits.memoryMb} MB${notes(pageOf(failure))}`,
      )
    case 'contract':
      return new ConverterError('contract', message)
    case 'rows':
      return tooManyRows(limits, pageOf(failure))
    case 'bytes':
      return tooManyBytes(limits, pageOf(failure))
  }
}

/** What V8 prints when a heap runs out for good (a fatal error, so the whole worker died). */
const FATAL_MEMORY =
  /out of memory|is_heap_oom|invalid (table|array|string) size|Last few GCs|allocation failed/i

/**
 * The error for a run whose worker process died under it.
 *
 * @example describeDeath(null, 'SIGKILL', '', limits) // kind 'crashed'
 */
export function describeDeath(
  code: number | null,
  signal: NodeJS.Signals | null,
  stderrTail: string,
  limits: ConvertLimits,
): ConverterError {
  if (FATAL_MEMORY.test(stderrTail)) {
    return new ConverterError(
      'memory',
      `Converter exceeded its memory limit of ${limits.memoryMb} MB (its worker process ran out of memory and was replaced)`,
    )
  }
  const how = signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`
  // A worker that could not even start says why on stderr (e.g. a missing module).
  const lastLine = stderrTail.trim().split('\n').pop()?.trim().slice(0, 200)
  const why = signal === null && lastLine ? ` (${lastLine})` : ''
  return new ConverterError(
    'crashed',
    `Converter crashed: its worker process ${how} during the run${why}; the next run uses a fresh worker`,
  )
}
