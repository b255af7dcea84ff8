import { describe, expect, it } from 'vitest'
import { backoffMs, retryAfterMs, DEFAULT_RETRY } from '../../src/http/retry.js'
import { nextLink } from '../../src/http/pagination/index.js'

describe('Retry-After', () => {
  it('treats 0 as one second', () => {
    expect(retryAfterMs('0', 0)).toBe(1000)
  })

  it('reads seconds', () => {
    expect(retryAfterMs('7', 0)).toBe(7000)
  })

  it('reads an HTTP date', () => {
    const now = Date.parse('2026-11-28T12:00:00Z')
    expect(retryAfterMs('Sat, 28 Nov 2026 12:00:30 GMT', now)).toBe(30_000)
  })

  it('ignores what it cannot read', () => {
    expect(retryAfterMs('soon', 0)).toBeUndefined()
  })
})

describe('backoff', () => {
  it('never waits less than the server asked', () => {
    expect(backoffMs(DEFAULT_RETRY, 0, 5000, () => 0)).toBe(5000)
  })

  it('grows exponentially within the cap, with jitter', () => {
    expect(backoffMs(DEFAULT_RETRY, 3, undefined, () => 0.999)).toBeLessThan(DEFAULT_RETRY.baseDelayMs * 8)
    expect(backoffMs(DEFAULT_RETRY, 30, undefined, () => 0.999)).toBeLessThanOrEqual(DEFAULT_RETRY.maxDelayMs)
  })
})

describe('Link header', () => {
  it('finds rel="next" among several links', () => {
    expect(
      nextLink('<https://x.test/a?page=3>; rel="last", </a?page=2>; rel="next"', 'https://x.test/a'),
    ).toBe('https://x.test/a?page=2')
  })

  it('accepts unquoted and multi-valued rel', () => {
    expect(nextLink('<https://x.test/n>; rel=next', 'https://x.test')).toBe('https://x.test/n')
    expect(nextLink('<https://x.test/n>; rel="prefetch next"', 'https://x.test')).toBe('https://x.test/n')
  })

  it('gives undefined without a next link', () => {
    expect(nextLink('<https://x.test/a>; rel="prev"', 'https://x.test')).toBeUndefined()
    expect(nextLink(undefined, 'https://x.test')).toBeUndefined()
  })

  it('refuses a next address that does not parse: ending there would drop the pages after it', () => {
    expect(() => nextLink('<http://[::1:bad>; rel="next"', 'https://x.test/a')).toThrow(
      expect.objectContaining({ code: 'QUARRY_UPSTREAM_MALFORMED' }),
    )
  })
})
