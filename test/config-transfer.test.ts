import { describe, expect, test } from 'vitest'
import { exportDocument, importDocument } from '../src/config-transfer.js'
import { isQuarryError } from '../src/domain/errors.js'
import { useStoreTarget } from './store/harness.js'

/** Export and import of the settings an admin makes in the admin UI (the embed origins). */
describe('export and import of embed origins', () => {
  const target = useStoreTarget('sqlite')
  const importInto = (store: Awaited<ReturnType<ReturnType<typeof target>['open']>>, document: unknown) =>
    importDocument(store, document, { replace: false, askPassphrase: () => '', where: 'in the test' })

  test('an export carries the stored embed origins, and an import brings them to another store', async () => {
    const source = await target().open()
    await source.settings.setEmbedOrigins(['https://wiki.example.com', 'http://127.0.0.1:8081'])
    const document = JSON.parse(JSON.stringify(await exportDocument(source))) as unknown
    const destination = await target().open()
    await destination.settings.setEmbedOrigins([])
    await importInto(destination, document)
    expect(await destination.settings.embedOrigins()).toEqual([
      'https://wiki.example.com',
      'http://127.0.0.1:8081',
    ])
  })

  test('an import adds origins to those listed already and removes none', async () => {
    const store = await target().open()
    await store.settings.setEmbedOrigins(['https://kept.example.com'])
    const document = {
      ...(await exportDocument(store)),
      settings: { embedOrigins: ['https://new.example.com'] },
    }
    await importInto(store, document)
    expect(await store.settings.embedOrigins()).toEqual([
      'https://kept.example.com',
      'https://new.example.com',
    ])
  })

  test('an export made before settings existed imports as before', async () => {
    const store = await target().open()
    const { settings: _settings, ...older } = await exportDocument(store)
    await expect(importInto(store, older)).resolves.toMatchObject({ datasources: 0, queries: 0 })
  })

  test('a bad origin in the file is named, and nothing is imported', async () => {
    const store = await target().open()
    await store.settings.setEmbedOrigins(['https://kept.example.com'])
    const document = { ...(await exportDocument(store)), settings: { embedOrigins: ['javascript:alert(1)'] } }
    const error: unknown = await importInto(store, document).catch((e: unknown) => e)
    expect(isQuarryError(error) && error.code).toBe('QUARRY_CONFIG_INVALID')
    expect((error as Error).message).toMatch(
      /Nothing was imported[\s\S]*settings\.embedOrigins: "javascript:alert\(1\)"/,
    )
    expect(await store.settings.embedOrigins()).toEqual(['https://kept.example.com'])
  })
})
