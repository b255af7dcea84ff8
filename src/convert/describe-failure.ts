/**
 * Turns what a worker reports (or how it died) into the ConverterError the
 * user reads: what failed and where in their source. The converter is
 * compiled as a script of its own, without a wrapper, so the line and column
 * in its stack frames are already the user's.
 */
import { ConverterError } from './errors.js'
import type { ConvertLimits } from './limits.js'
import type { RunFailed } from './protocol.js'

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

function pageOf(failure: RunFailed): string | undefined {
  return failure.page !== undefined && failure.pages > 1
    ? `page ${failure.page + 1} of ${failure.pages}`
    : undefined
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
export function describeFailure(failure: RunFailed, limits: ConvertLimits, filename: string): ConverterError {
  switch (failure.kind) {
    case 'syntax': {
      // isolated-vm appends ` [file:line:col]` to a compile error's message.
      const location = locate(failure.message, filename)
      const message = failure.message.replace(/\s*\[[^\]]*:\d+:\d+\]\s*$/, '')
      const line = location.line === undefined ? '' : ` at line ${location.line}`
      return new ConverterError('syntax', `Converter has a syntax error${line}: ${message}`, location)
    }
    case 'runtime': {
      const location = locate(failure.stack, filename)
      const error = failure.name === '' ? failure.message : `${failure.name}: ${failure.message}`
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
      return new ConverterError('contract', failure.message)
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
