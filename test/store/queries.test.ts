import { describe, expect, test } from 'vitest'
import type { Store } from '../../src/store/index.js'
import { DIALECTS, sleep, useStoreTarget } from './harness.js'

const definition = {
  method: 'GET',
  path: '/search/jql',
  params: [{ name: 'jql', type: 'string' }],
  cache: '5m',
}

async function withDatasources(store: Store, ...names: string[]): Promise<Store> {
  for (const name of names) await store.datasources.create({ name, type: 'rest', config: {}, secrets: {} })
  return store
}

for (const dialect of DIALECTS) {
  describe(`queries (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('create, get and list by name', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      const created = await store.queries.create({ name: 'open-bugs', datasource: 'jira', definition })
      await store.queries.create({ name: 'epics', datasource: 'jira', definition: { path: '/epics' } })
      expect(created).toMatchObject({ name: 'open-bugs', datasource: 'jira', definition })
      expect(created.createdAt).toBeInstanceOf(Date)
      expect(await store.queries.get('open-bugs')).toEqual(created)
      expect(await store.queries.get('nope')).toBeUndefined()
      expect((await store.queries.list()).map((q) => q.name)).toEqual(['epics', 'open-bugs'])
    })

    test('an unknown datasource is QUARRY_DATASOURCE_NOT_FOUND', async () => {
      const store = await target().open()
      await expect(store.queries.create({ name: 'q', datasource: 'nope', definition })).rejects.toMatchObject(
        {
          code: 'QUARRY_DATASOURCE_NOT_FOUND',
          message: expect.stringContaining('"nope"'),
        },
      )
      expect(await store.queries.list()).toEqual([])
    })

    test('a duplicate name is QUARRY_QUERY_EXISTS', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      await store.queries.create({ name: 'q', datasource: 'jira', definition })
      await expect(
        store.queries.create({ name: 'q', datasource: 'jira', definition: {} }),
      ).rejects.toMatchObject({
        code: 'QUARRY_QUERY_EXISTS',
        message: expect.stringContaining('"q" already exists'),
      })
    })

    test('update changes the definition and keeps the rest', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      const created = await store.queries.create({ name: 'q', datasource: 'jira', definition })
      // A sleep on purpose: updatedAt must move, and the store keeps milliseconds.
      await sleep(5)
      const updated = await store.queries.update('q', { definition: { path: '/other' } })
      expect(updated).toMatchObject({ name: 'q', datasource: 'jira', definition: { path: '/other' } })
      expect(updated.createdAt).toEqual(created.createdAt)
      expect(updated.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime())
    })

    test('update renames and moves to another datasource', async () => {
      const store = await withDatasources(await target().open(), 'jira', 'github')
      await store.queries.create({ name: 'q', datasource: 'jira', definition })
      const updated = await store.queries.update('q', { name: 'q2', datasource: 'github' })
      expect(updated).toMatchObject({ name: 'q2', datasource: 'github', definition })
      expect(await store.queries.get('q')).toBeUndefined()
      // jira is free to go now
      await store.datasources.remove('jira')
    })

    test('update errors: missing query, taken name, unknown datasource', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      await store.queries.create({ name: 'a', datasource: 'jira', definition })
      await store.queries.create({ name: 'b', datasource: 'jira', definition })
      await expect(store.queries.update('nope', { definition: {} })).rejects.toMatchObject({
        code: 'QUARRY_QUERY_NOT_FOUND',
      })
      await expect(store.queries.update('a', { name: 'b' })).rejects.toMatchObject({
        code: 'QUARRY_QUERY_EXISTS',
      })
      await expect(store.queries.update('a', { datasource: 'nope' })).rejects.toMatchObject({
        code: 'QUARRY_DATASOURCE_NOT_FOUND',
      })
      expect(await store.queries.get('a')).toMatchObject({ name: 'a', datasource: 'jira' })
    })

    test('remove deletes; a missing query is QUARRY_QUERY_NOT_FOUND', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      await store.queries.create({ name: 'q', datasource: 'jira', definition })
      await store.queries.remove('q')
      expect(await store.queries.get('q')).toBeUndefined()
      await expect(store.queries.remove('q')).rejects.toMatchObject({
        code: 'QUARRY_QUERY_NOT_FOUND',
        message: expect.stringContaining('"q"'),
      })
    })
  })
}
