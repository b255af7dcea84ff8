/**
 * Resource limits for one converter run. isolated-vm enforces both inside the
 * isolate; the pool adds a watchdog on top, because a worker stuck outside
 * JavaScript (a long garbage collection near the heap limit) cannot be stopped
 * by the isolate's own timer.
 */
export interface ConvertLimits {
  /** Heap limit of the isolate, in MB (isolated-vm's minimum is 8). Soft: V8 may overshoot before it stops. */
  readonly memoryMb: number
  /** Time the converter may run, in ms, across all pages of one run. */
  readonly timeoutMs: number
}

/** 128 MB and 5 s, as issue 3 asks. */
export const DEFAULT_LIMITS: ConvertLimits = Object.freeze({ memoryMb: 128, timeoutMs: 5000 })

/** isolated-vm refuses smaller heaps. */
const MIN_MEMORY_MB = 8

/**
 * Fills in defaults and rejects nonsense (a caller bug, so a TypeError rather than a ConverterError).
 *
 * @example resolveLimits({ timeoutMs: 200 }) // { memoryMb: 128, timeoutMs: 200 }
 */
export function resolveLimits(limits: Partial<ConvertLimits> = {}): ConvertLimits {
  const memoryMb = limits.memoryMb ?? DEFAULT_LIMITS.memoryMb
  const timeoutMs = limits.timeoutMs ?? DEFAULT_LIMITS.timeoutMs
  if (!Number.isFinite(memoryMb) || memoryMb < MIN_MEMORY_MB)
    throw new TypeError(`limits.memoryMb must be a number of MB ≥ ${MIN_MEMORY_MB}, got ${String(memoryMb)}`)
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1)
    throw new TypeError(`limits.timeoutMs must be a number of ms ≥ 1, got ${String(timeoutMs)}`)
  return { memoryMb: Math.ceil(memoryMb), timeoutMs: Math.ceil(timeoutMs) }
}
