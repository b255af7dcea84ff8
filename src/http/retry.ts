/**
 * When and how long to wait before trying a request again: exponential backoff
 * with full jitter, `Retry-After` as a minimum (and `0` as one second: Jira
 * sends 0 and still means "wait"), and a cap on the total time spent waiting.
 */
export interface RetryPolicy {
  /** Attempts after the first. */
  readonly maxRetries: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /** Total waiting across all retries of one request. */
  readonly maxTotalWaitMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 6,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  maxTotalWaitMs: 60_000,
}

/** Statuses worth another try: rate limited, or briefly unavailable. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 503])

/**
 * Reads `Retry-After` (RFC 9110 §10.2.3: seconds or an HTTP date) as milliseconds.
 * `0` becomes 1000: retrying at once only earns another 429.
 *
 * @example retryAfterMs('0', Date.now()) // 1000
 */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined
  const text = header.trim()
  if (/^\d+$/.test(text)) return Math.max(1000, Number(text) * 1000)
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(1000, date - now)
}

/**
 * The wait before retry number `attempt` (0-based): full jitter over an
 * exponentially growing window, never less than the server asked for.
 */
export function backoffMs(
  policy: RetryPolicy,
  attempt: number,
  serverMinimumMs: number | undefined,
  random: () => number,
): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
  const jittered = Math.floor(random() * window)
  return Math.max(jittered, serverMinimumMs ?? 0)
}
