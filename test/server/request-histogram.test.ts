import fc from 'fast-check'
import { Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { RequestHistogram } from '../../src/server/request-histogram.js'

/**
 * The hand-kept request histogram (src/server/request-histogram.ts) must scrape exactly as
 * prom-client's own Histogram does: fed the same answers, both registries write the same text and
 * the same JSON.
 */

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const CONFIG = {
  name: 'quarry_http_request_duration_seconds',
  help: 'Time to answer, by method and route pattern.',
  labelNames: ['method', 'route'] as const,
  buckets: BUCKETS,
}

function pair() {
  const ours = new Registry()
  const theirs = new Registry()
  return {
    ours,
    theirs,
    byHand: new RequestHistogram({ ...CONFIG, registers: [ours] }),
    prom: new Histogram({ ...CONFIG, registers: [theirs] }),
  }
}

const answer = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE'),
  route: fc.constantFrom(
    '/v/:query',
    '/d/:dashboard',
    '/api/queries/:name/run',
    'unmatched',
    '/a "quoted"\\ one',
  ),
  // Bucket bounds themselves, values between and beyond them, and zero.
  seconds: fc.oneof(fc.constantFrom(0, ...BUCKETS, 61), fc.double({ min: 0, max: 100, noNaN: true })),
})

describe('the request histogram kept by hand', () => {
  it("scrapes as prom-client's Histogram does for the same answers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { maxLength: 60 }), async (answers) => {
        const { ours, theirs, byHand, prom } = pair()
        for (const { method, route, seconds } of answers) {
          byHand.observeAnswer(method, route, seconds)
          prom.observe({ method, route }, seconds)
        }
        expect(await ours.metrics()).toBe(await theirs.metrics())
        expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON())
      }),
    )
  })

  it("refuses prom-client's own ways in, whose counts it would not write out, and forgets all on reset", async () => {
    const { ours, theirs, byHand, prom } = pair()
    const labels = { method: 'GET', route: '/v/:query' } as const
    expect(() => byHand.observe(labels, 0.02)).toThrow(/observeAnswer/)
    expect(() => byHand.labels(labels)).toThrow(/observeAnswer/)
    expect(() => byHand.startTimer(labels)).toThrow(/observeAnswer/)
    expect(() => byHand.zero(labels)).toThrow(/observeAnswer/)
    expect(() => byHand.observeAnswer('GET', '/v/:query', Number.NaN)).toThrow(/not a valid number/)
    byHand.observeAnswer('GET', '/v/:query', 0.02)
    prom.observe(labels, 0.02)
    expect(await ours.metrics()).toBe(await theirs.metrics())
    ours.resetMetrics()
    theirs.resetMetrics()
    expect(await ours.metrics()).toBe(await theirs.metrics())
  })
})
