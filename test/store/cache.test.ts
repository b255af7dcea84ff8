import { describe, expect, test } from 'vitest'
import { DIALECTS, useStoreTarget } from './harness.js'

const t0 = new Date('2030-01-01T00:00:00.000Z')
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000)

for (const dialect of DIALECTS) {
  describe(`cache (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('set then get returns the value with its times until it expires', async () => {
      const store = await target().open()
      const value = JSON.stringify([{ key: 'ABC-1', summary: 'ü 🔥' }])
      await store.cache.set('GET /search?jql=x', value, t0, at(300))
      expect(await store.cache.get('GET /search?jql=x', at(299.999))).toEqual({
        value,
        storedAt: t0,
        expiresAt: at(300),
      })
      expect(await store.cache.get('GET /search?jql=x', at(300))).toBeUndefined()
      expect(await store.cache.get('GET /search?jql=x', at(301))).toBeUndefined()
      expect(await store.cache.get('other', t0)).toBeUndefined()
    })

    test('set replaces an entry', async () => {
      const store = await target().open()
      await store.cache.set('k', 'old', t0, at(10))
      await store.cache.set('k', 'new', at(5), at(60))
      expect(await store.cache.get('k', at(30))).toEqual({ value: 'new', storedAt: at(5), expiresAt: at(60) })
    })

    test('purgeExpired deletes expired entries only and says how many', async () => {
      const store = await target().open()
      await store.cache.set('a', '1', t0, at(10))
      await store.cache.set('b', '2', t0, at(20))
      await store.cache.set('c', '3', t0, at(30))
      expect(await store.cache.purgeExpired(at(20))).toBe(2)
      expect(await store.cache.purgeExpired(at(20))).toBe(0)
      expect(await store.cache.get('c', at(20))).toMatchObject({ value: '3' })
    })

    test('large values round-trip', async () => {
      const store = await target().open()
      const value = 'x'.repeat(2_000_000)
      await store.cache.set('big', value, t0, at(60))
      expect((await store.cache.get('big', t0))?.value).toBe(value)
    })

    test('an invalid date is refused with a clear error', async () => {
      const store = await target().open()
      await expect(store.cache.set('k', 'v', new Date('nope'), at(1))).rejects.toThrow(
        /storedAt must be a valid Date/,
      )
    })
  })
}
