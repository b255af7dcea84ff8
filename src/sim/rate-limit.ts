import type { SimClock } from './clock.js'

export interface RateLimitPolicy {
  /** Requests per second each token may make, sustained. */
  readonly rate: number
  /** Requests a token may make at once before the rate applies. */
  readonly burst: number
  /** Send `Retry-After: 0` on 429, as Jira sometimes does (clients must still wait). */
  readonly retryAfterZero: boolean
}

export type RateDecision =
  | { readonly allowed: true; readonly headers: Record<string, string> }
  | { readonly allowed: false; readonly headers: Record<string, string> }

interface Bucket {
  tokens: number
  at: number
}

/**
 * Jira's burst rate limit, per access token, as a token bucket. Answers carry
 * the headers Jira sends (X-RateLimit-*, RateLimit-Reason, Retry-After in seconds).
 */
export class RateLimiter {
  readonly #policy: RateLimitPolicy
  readonly #clock: SimClock
  readonly #buckets = new Map<string, Bucket>()

  constructor(policy: RateLimitPolicy, clock: SimClock) {
    this.#policy = policy
    this.#clock = clock
  }

  take(key: string): RateDecision {
    const { rate, burst } = this.#policy
    const now = this.#clock.now()
    const bucket = this.#buckets.get(key) ?? { tokens: burst, at: now }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate)
    bucket.at = now
    this.#buckets.set(key, bucket)
    if (this.#buckets.size > 10_000) this.#buckets.clear()
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      const remaining = Math.floor(bucket.tokens)
      const headers: Record<string, string> = {
        'x-ratelimit-limit': String(burst),
        'x-ratelimit-remaining': String(remaining),
      }
      if (remaining < burst * 0.2) headers['x-ratelimit-nearlimit'] = 'true'
      return { allowed: true, headers }
    }
    const waitMs = ((1 - bucket.tokens) / rate) * 1000
    return {
      allowed: false,
      headers: {
        'retry-after': this.#policy.retryAfterZero ? '0' : String(Math.max(1, Math.ceil(waitMs / 1000))),
        'x-ratelimit-limit': String(burst),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': new Date(now + waitMs).toISOString(),
        'x-ratelimit-nearlimit': 'true',
        'ratelimit-reason': 'jira-burst-based',
      },
    }
  }

  reset(): void {
    this.#buckets.clear()
  }
}
