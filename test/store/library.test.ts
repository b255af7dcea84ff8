import { describe, expect, test } from 'vitest'
import { exportDocument, importDocument } from '../../src/config-transfer.js'
import { DatasourceSchema, splitSecrets } from '../../src/domain/datasource.js'
import { QuerySchema, queryInputOf } from '../../src/domain/query.js'
import { loadQuery, loadSavedQuery } from '../../src/engine/index.js'
import type { Store } from '../../src/store/index.js'
import { DIALECTS, useStoreTarget } from './harness.js'

/**
 * The converter and template libraries (issue 13): named ones several queries use, on both dialects.
 */

const ROWS = 'function convert(json) { return JSON.parse(json).items }'
const KEYS = 'function convert(json) { return JSON.parse(json).items.map((i) => ({ key: i.key })) }'
const LIST = JSON.stringify({
  type: 'liquid',
  source: '<ul>{% for r in rows %}<li>{{ r.key }}</li>{% endfor %}</ul>',
})

async function twoQueriesSharing(store: Store): Promise<void> {
  const { config, secrets } = splitSecrets(
    DatasourceSchema.parse({ type: 'rest', name: 'api', baseUrl: 'https://api.example.com' }),
  )
  await store.datasources.create({ name: 'api', type: 'rest', config, secrets })
  await store.converters.create({ name: 'rows', description: 'One row per item.', content: ROWS })
  await store.templates.create({ name: 'list', content: LIST })
  for (const name of ['first', 'second']) {
    await store.queries.create({
      name,
      datasource: 'api',
      definition: { path: `/${name}` },
      converterName: 'rows',
      templateName: 'list',
    })
  }
}

for (const dialect of DIALECTS) {
  describe(`converter and template libraries (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('two queries share a converter: each names it, it lists both, and an edit reaches both', async () => {
      const store = await target().open()
      await twoQueriesSharing(store)
      expect((await store.converters.list()).map((c) => [c.name, c.usedBy])).toEqual([
        ['rows', ['first', 'second']],
      ])
      expect((await store.templates.get('list'))?.usedBy).toEqual(['first', 'second'])
      for (const name of ['first', 'second'])
        expect((await loadQuery(store, name)).query.converter).toBe(ROWS)

      const before = await store.converters.get('rows')
      const edited = await store.converters.update('rows', { content: KEYS })
      expect(edited.updatedAt.getTime()).toBeGreaterThanOrEqual(before!.updatedAt.getTime())
      for (const name of ['first', 'second']) {
        const { query } = await loadQuery(store, name)
        expect(query).toMatchObject({ converter: KEYS, converterName: 'rows', template: JSON.parse(LIST) })
        // As saved, the query names them and holds neither.
        const saved = await loadSavedQuery(store, name)
        expect(saved.converter).toBeUndefined()
        expect(saved.template).toBeUndefined()
      }
    })

    test('deleting one in use is refused naming the queries; unused, it goes', async () => {
      const store = await target().open()
      await twoQueriesSharing(store)
      await expect(store.converters.remove('rows')).rejects.toMatchObject({
        code: 'QUARRY_CONVERTER_IN_USE',
        message: expect.stringContaining('is used by 2 queries: "first", "second"'),
      })
      await expect(store.templates.remove('list')).rejects.toMatchObject({ code: 'QUARRY_TEMPLATE_IN_USE' })
      expect(await store.converters.get('rows')).toBeDefined()
      for (const name of ['first', 'second']) await store.queries.update(name, { converterName: null })
      await store.converters.remove('rows')
      expect(await store.converters.list()).toEqual([])
      await expect(store.converters.remove('rows')).rejects.toMatchObject({
        code: 'QUARRY_CONVERTER_NOT_FOUND',
      })
    })

    test('a rename follows into the queries; a taken name and an unknown name are refused', async () => {
      const store = await target().open()
      await twoQueriesSharing(store)
      await store.converters.create({ name: 'other', content: KEYS })
      await expect(store.converters.update('rows', { name: 'other' })).rejects.toMatchObject({
        code: 'QUARRY_CONVERTER_EXISTS',
      })
      await store.converters.update('rows', { name: 'item-rows' })
      expect((await store.queries.get('first'))?.converterName).toBe('item-rows')
      expect((await loadQuery(store, 'second')).query.converter).toBe(ROWS)
      await expect(
        store.queries.create({
          name: 'third',
          datasource: 'api',
          definition: { path: '/x' },
          converterName: 'nope',
        }),
      ).rejects.toMatchObject({
        code: 'QUARRY_CONVERTER_NOT_FOUND',
        message: expect.stringContaining('"nope"'),
      })
      await expect(store.queries.update('first', { templateName: 'nope' })).rejects.toMatchObject({
        code: 'QUARRY_TEMPLATE_NOT_FOUND',
      })
    })

    test('export → import round trip carries the libraries and the queries’ names', async () => {
      const store = await target().open()
      await twoQueriesSharing(store)
      const document = JSON.parse(JSON.stringify(await exportDocument(store))) as Record<string, unknown>
      expect(document.converters).toEqual([{ name: 'rows', description: 'One row per item.', source: ROWS }])
      expect(document.templates).toEqual([{ name: 'list', template: JSON.parse(LIST) }])
      expect(document.queries).toEqual([
        expect.objectContaining({ name: 'first', converterName: 'rows', templateName: 'list' }),
        expect.objectContaining({ name: 'second', converterName: 'rows', templateName: 'list' }),
      ])
      expect(JSON.stringify(document.queries)).not.toContain('JSON.parse(json)')

      for (const table of ['queries', 'converters', 'templates', 'datasources'])
        await target().exec(`delete from ${table}`)
      const outcome = await importDocument(store, document, {
        replace: false,
        askPassphrase: () => '',
        where: 'the test',
      })
      expect(outcome).toMatchObject({ datasources: 1, queries: 2, converters: 1, templates: 1 })
      expect((await store.converters.get('rows'))?.usedBy).toEqual(['first', 'second'])
      expect((await store.converters.get('rows'))?.description).toBe('One row per item.')
      expect((await loadQuery(store, 'second')).query).toMatchObject({
        converter: ROWS,
        template: JSON.parse(LIST),
      })

      // Again, with --replace: the same store afterwards.
      await importDocument(store, document, { replace: true, askPassphrase: () => '', where: 'the test' })
      expect(QuerySchema.parse(queryInputOf((await store.queries.get('first'))!))).toMatchObject({
        converterName: 'rows',
      })
    })

    test('an import whose query names a converter neither in the file nor in the store changes nothing', async () => {
      const store = await target().open()
      await twoQueriesSharing(store)
      const document = JSON.parse(JSON.stringify(await exportDocument(store))) as {
        converters: unknown[]
        queries: { name: string }[]
      }
      for (const table of ['queries', 'converters', 'templates', 'datasources'])
        await target().exec(`delete from ${table}`)
      await expect(
        importDocument(
          store,
          { ...document, converters: [] },
          { replace: false, askPassphrase: () => '', where: 'the test' },
        ),
      ).rejects.toMatchObject({
        code: 'QUARRY_CONFIG_INVALID',
        message: expect.stringContaining(
          'Query "first" uses converter "rows", which is neither in the file nor in the store.',
        ),
      })
      expect(await store.datasources.list()).toEqual([])
      expect(await store.templates.list()).toEqual([])
    })
  })
}
