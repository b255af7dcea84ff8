import { describe, expect, test } from 'vitest'
import { DIALECTS, useStoreTarget } from './harness.js'

for (const dialect of DIALECTS) {
  describe(`settings (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('embed origins are none until an admin lists some', async () => {
      const store = await target().open()
      expect(await store.settings.embedOrigins()).toEqual([])
    })

    test('embed origins are replaced as a list and read back in order', async () => {
      const store = await target().open()
      await store.settings.setEmbedOrigins(['https://wiki.example.com', 'http://127.0.0.1:8081'])
      expect(await store.settings.embedOrigins()).toEqual([
        'https://wiki.example.com',
        'http://127.0.0.1:8081',
      ])
      await store.settings.setEmbedOrigins(['https://*.example.com'])
      expect(await store.settings.embedOrigins()).toEqual(['https://*.example.com'])
      await store.settings.setEmbedOrigins([])
      expect(await store.settings.embedOrigins()).toEqual([])
    })

    test('embed origins are shared by every store opened on the database (another server process)', async () => {
      const one = await target().open()
      const other = await target().open()
      await one.settings.setEmbedOrigins(['https://wiki.example.com'])
      expect(await other.settings.embedOrigins()).toEqual(['https://wiki.example.com'])
    })
  })
}
