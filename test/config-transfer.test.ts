import { describe, expect, test } from 'vitest'
import { exportDocument, importDocument } from '../src/config-transfer.js'
import { DashboardSchema } from '../src/domain/dashboard.js'
import { DatasourceSchema, splitSecrets } from '../src/domain/datasource.js'
import { isQuarryError } from '../src/domain/errors.js'
import type { Store } from '../src/store/index.js'
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

/** Issue 17: dashboards travel with the rest of the configuration. */
describe('export and import of dashboards', () => {
  const from = useStoreTarget('sqlite')
  const to = useStoreTarget('sqlite')
  const importInto = (store: Awaited<ReturnType<ReturnType<typeof to>['open']>>, document: unknown) =>
    importDocument(store, document, { replace: false, askPassphrase: () => '', where: 'in the test' })
  const dashboard = DashboardSchema.parse({
    name: 'team',
    title: 'Team',
    params: [{ name: 'project', default: 'QA' }],
    panels: [
      { id: 'bugs', query: 'bugs', x: 0, y: 0, width: 6, height: 3 },
      { id: 'chart', query: 'bugs', template: { type: 'table' }, x: 6, y: 0, width: 6, height: 3 },
    ],
    visibility: { public: true },
  })

  async function withQuery(store: Store): Promise<void> {
    const { config, secrets } = splitSecrets(
      DatasourceSchema.parse({ type: 'rest', name: 'api', baseUrl: 'https://api.example.com' }),
    )
    await store.datasources.create({ name: 'api', type: 'rest', config, secrets })
    await store.queries.create({ name: 'bugs', datasource: 'api', definition: { path: '/bugs' } })
  }

  test('a dashboard exported from one store is imported whole into another, after its queries', async () => {
    const source = await from().open()
    await withQuery(source)
    const { name, ...definition } = dashboard
    await source.dashboards.create({ name, definition })
    const document = JSON.parse(JSON.stringify(await exportDocument(source))) as { dashboards: unknown[] }
    expect(document.dashboards).toEqual([dashboard])
    const destination = await to().open()
    await expect(importInto(destination, document)).resolves.toMatchObject({ queries: 1, dashboards: 1 })
    const imported = await destination.dashboards.get('team')
    expect({ name: imported?.name, ...(imported?.definition as object) }).toEqual(dashboard)
  })

  test('a dashboard whose panel names a query in neither the file nor the store imports nothing', async () => {
    const store = await to().open()
    const document = { ...(await exportDocument(store)), dashboards: [dashboard] }
    const error: unknown = await importInto(store, document).catch((e: unknown) => e)
    expect(isQuarryError(error) && error.code).toBe('QUARRY_CONFIG_INVALID')
    expect((error as Error).message).toContain(
      'Dashboard "team" has a panel on query "bugs", which is neither in the file nor in the store.',
    )
    expect(await store.dashboards.list()).toEqual([])
  })

  test('a dashboard of the same name is a clash unless replacing', async () => {
    const store = await to().open()
    await withQuery(store)
    const { name, ...definition } = dashboard
    await store.dashboards.create({ name, definition: { ...definition, title: 'Old' } })
    const document = {
      ...(await exportDocument(store)),
      datasources: [],
      queries: [],
      dashboards: [dashboard],
    }
    await expect(importInto(store, document)).rejects.toThrow(/dashboard "team"/)
    await importDocument(store, document, { replace: true, askPassphrase: () => '', where: 'in the test' })
    expect((await store.dashboards.get('team'))?.definition).toMatchObject({ title: 'Team' })
  })
})
