import { describe, expect, test } from 'vitest'
import { DIALECTS, useStoreTarget } from './harness.js'

const T0 = new Date('2026-12-03T10:00:00.000Z')
const later = (ms: number) => new Date(T0.getTime() + ms)

for (const dialect of DIALECTS) {
  describe(`rate limits (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('allow up to the limit in a window, then say how long until it ends', async () => {
      const store = await target().open()
      for (let hit = 1; hit <= 3; hit++) {
        expect(await store.rateLimits.hit('sign-in:ip:192.0.2.1', 3, 60_000, later(hit * 1000))).toEqual({
          allowed: true,
          retryAfterMs: 60_000 - (hit - 1) * 1000,
        })
      }
      expect(await store.rateLimits.hit('sign-in:ip:192.0.2.1', 3, 60_000, later(10_000))).toEqual({
        allowed: false,
        retryAfterMs: 51_000,
      })
      // Another key has its own window.
      expect((await store.rateLimits.hit('sign-in:ip:192.0.2.2', 3, 60_000, later(10_000))).allowed).toBe(
        true,
      )
    })

    test('start a new window once the last one ended', async () => {
      const store = await target().open()
      for (let hit = 0; hit < 4; hit++) await store.rateLimits.hit('k', 3, 60_000, T0)
      expect((await store.rateLimits.hit('k', 3, 60_000, later(59_999))).allowed).toBe(false)
      expect(await store.rateLimits.hit('k', 3, 60_000, later(60_000))).toEqual({
        allowed: true,
        retryAfterMs: 60_000,
      })
    })

    test('count every hit exactly once when two stores hit the same key at once', async () => {
      const one = await target().open()
      const two = await target().open()
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? one : two).rateLimits.hit('busy', 7, 60_000, T0)),
      )
      expect(results.filter((result) => result.allowed)).toHaveLength(7)
    })

    test('purge forgets the windows that ended', async () => {
      const store = await target().open()
      await store.rateLimits.hit('old', 1, 1000, T0)
      await store.rateLimits.hit('new', 1, 60_000, T0)
      expect(await store.rateLimits.purge(later(1000))).toBe(1)
      expect((await store.rateLimits.hit('new', 1, 60_000, later(1000))).allowed).toBe(false)
    })
  })
}
