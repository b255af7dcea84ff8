/**
 * Resource limits for one converter run. isolated-vm enforces memory and time
 * inside the isolate; the pool adds a watchdog on top, because a worker stuck
 * outside JavaScript (a long garbage collection near the heap limit) cannot be
 * stopped by the isolate's own timer. The result limits (rows, bytes) are
 * checked twice: by the sandbox's driver before the rows leave the isolate
 * (so an oversized result is never copied out), and by the host, which counts
 * what actually arrived.
 */
export interface ConvertLimits {
  /** Heap limit of the isolate, in MB (isolated-vm's minimum is 8). Soft: V8 may overshoot before it stops. */
  readonly memoryMb: number
  /** Time the converter may run, in ms, across all pages of one run. */
  readonly timeoutMs: number
  /** Rows one run may return in all (query/datasource setting `converterMaxRows`). */
  readonly maxRows: number
  /** UTF-8 bytes of JSON text one run's rows may take in all (query/datasource setting `converterMaxBytes`). */
  readonly maxBytes: number
}

/**
 * 128 MB and 5 s, as issue 3 asks; 1,000,000 rows (a SQL datasource's default
 * row limit) and 64 MiB of rows as JSON text — half the default heap, since
 * the rows' text is built inside it.
 */
export const DEFAULT_LIMITS: ConvertLimits = Object.freeze({
  memoryMb: 128,
  timeoutMs: 5000,
  maxRows: 1_000_000,
  maxBytes: 64 * 1024 * 1024,
})

/** A cell may hold objects and arrays nested this many levels deep (a row object itself is not counted). */
export const MAX_CELL_DEPTH = 100

/** isolated-vm refuses smaller heaps. */
const MIN_MEMORY_MB = 8

/** V8 cannot hold a string longer than this (2^29 - 24 characters): a bigger limit could never be reached. */
const MAX_BYTES_CEILING = 2 ** 29 - 24

function positive(value: number, name: string, unit: string, min: number, max = Infinity): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new TypeError(
      `limits.${name} must be a number of ${unit} ≥ ${min}${max === Infinity ? '' : ` and ≤ ${max}`}, got ${String(value)}`,
    )
  }
  return Math.ceil(value)
}

/**
 * Fills in defaults and rejects nonsense (a caller bug, so a TypeError rather than a ConverterError).
 *
 * @example resolveLimits({ timeoutMs: 200 }) // { memoryMb: 128, timeoutMs: 200, maxRows: 1000000, maxBytes: 67108864 }
 */
export function resolveLimits(limits: Partial<ConvertLimits> = {}): ConvertLimits {
  return {
    memoryMb: positive(limits.memoryMb ?? DEFAULT_LIMITS.memoryMb, 'memoryMb', 'MB', MIN_MEMORY_MB),
    timeoutMs: positive(limits.timeoutMs ?? DEFAULT_LIMITS.timeoutMs, 'timeoutMs', 'ms', 1),
    maxRows: positive(limits.maxRows ?? DEFAULT_LIMITS.maxRows, 'maxRows', 'rows', 1),
    maxBytes: positive(limits.maxBytes ?? DEFAULT_LIMITS.maxBytes, 'maxBytes', 'bytes', 1, MAX_BYTES_CEILING),
  }
}
