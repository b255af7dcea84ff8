import { describe, expect, test } from 'vitest'
import { DIALECTS, useStoreTarget } from './harness.js'

const perUser = { connectionMode: 'per-user', auth: { type: 'oauth2-authorization-code' } }
const publicQuery = { method: 'GET', path: '/x', visibility: { public: true } }
const privateQuery = { method: 'GET', path: '/x', visibility: { public: false } }

for (const dialect of DIALECTS) {
  describe(`public queries on per-user datasources (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('a public query on a per-user datasource is refused, naming both; a private one is kept', async () => {
      const store = await target().open()
      await store.datasources.create({ name: 'jira', type: 'rest', config: perUser, secrets: {} })
      await expect(
        store.queries.create({ name: 'open-bugs', datasource: 'jira', definition: publicQuery }),
      ).rejects.toMatchObject({
        code: 'QUARRY_PUBLIC_PER_USER',
        message: expect.stringMatching(/Query "open-bugs" is public and datasource "jira" runs per user/),
      })
      expect(await store.queries.get('open-bugs')).toBeUndefined()
      await store.queries.create({ name: 'open-bugs', datasource: 'jira', definition: privateQuery })
      await expect(store.queries.update('open-bugs', { definition: publicQuery })).rejects.toMatchObject({
        code: 'QUARRY_PUBLIC_PER_USER',
      })
      expect((await store.queries.get('open-bugs'))?.definition).toEqual(privateQuery)
    })

    test('switching a datasource to per-user while a public query uses it is refused, naming the query', async () => {
      const store = await target().open()
      const shared = { ...perUser, connectionMode: 'shared' }
      await store.datasources.create({ name: 'jira', type: 'rest', config: shared, secrets: {} })
      await store.queries.create({ name: 'board', datasource: 'jira', definition: publicQuery })
      await expect(store.datasources.update('jira', { config: perUser })).rejects.toMatchObject({
        code: 'QUARRY_PUBLIC_PER_USER',
        message: expect.stringContaining('Query "board"'),
      })
      expect((await store.datasources.get('jira'))?.config).toEqual(shared)
    })
  })
}
