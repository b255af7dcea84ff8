import { describe, expect, test } from 'vitest'
import { StoreError } from '../../src/store/index.js'
import { connectionInput, DIALECTS, sleep, useStoreTarget } from './harness.js'

const jira = {
  name: 'jira',
  type: 'rest',
  config: { baseUrl: 'https://api.atlassian.com/ex/jira/cloud-1/rest/api/3', auth: { kind: 'oauth2-3lo' } },
  secrets: { clientSecret: 'client-secret-1' },
}

for (const dialect of DIALECTS) {
  describe(`datasources (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('create returns the datasource and get reads it back, secrets decrypted', async () => {
      const store = await target().open()
      const created = await store.datasources.create(jira)
      expect(created).toMatchObject({
        name: 'jira',
        type: 'rest',
        config: jira.config,
        secrets: jira.secrets,
      })
      expect(created.createdAt).toBeInstanceOf(Date)
      expect(created.updatedAt.getTime()).toBe(created.createdAt.getTime())

      const read = await store.datasources.get('jira')
      expect(read).toEqual(created)
      expect(await store.datasources.get('nope')).toBeUndefined()
    })

    test('values that leave the store are frozen', async () => {
      const store = await target().open()
      const created = await store.datasources.create(jira)
      expect(Object.isFrozen(created)).toBe(true)
      expect(Object.isFrozen(created.secrets)).toBe(true)
      expect(Object.isFrozen((created.config as { auth: object }).auth)).toBe(true)
    })

    test('list returns every datasource ordered by name', async () => {
      const store = await target().open()
      for (const name of ['zeta', 'Alpha', 'beta', 'alpha'])
        await store.datasources.create({ ...jira, name, secrets: { key: `secret-${name}` } })
      const list = await store.datasources.list()
      expect(list.map((d) => d.name)).toEqual(['Alpha', 'alpha', 'beta', 'zeta'])
      expect(list.map((d) => d.secrets.key)).toEqual([
        'secret-Alpha',
        'secret-alpha',
        'secret-beta',
        'secret-zeta',
      ])
    })

    test('a duplicate name is QUARRY_DATASOURCE_EXISTS', async () => {
      const store = await target().open()
      await store.datasources.create(jira)
      const error = await store.datasources.create({ ...jira, type: 'other' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StoreError)
      expect(error).toMatchObject({ code: 'QUARRY_DATASOURCE_EXISTS' })
      expect((error as Error).message).toContain('"jira" already exists')
    })

    test('update changes config and replaces the secrets map', async () => {
      const store = await target().open()
      const created = await store.datasources.create({ ...jira, secrets: { a: '1', b: '2' } })
      // A sleep on purpose: updatedAt must move, and the store keeps milliseconds.
      await sleep(5)
      const updated = await store.datasources.update('jira', {
        config: { baseUrl: 'https://x' },
        secrets: { c: '3' },
      })
      expect(updated.config).toEqual({ baseUrl: 'https://x' })
      expect(updated.secrets).toEqual({ c: '3' })
      expect(updated.createdAt).toEqual(created.createdAt)
      expect(updated.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime())
      expect(await store.datasources.get('jira')).toEqual(updated)
    })

    test('update leaves fields it is not given alone', async () => {
      const store = await target().open()
      await store.datasources.create(jira)
      const updated = await store.datasources.update('jira', { config: { v: 2 } })
      expect(updated.secrets).toEqual(jira.secrets)
      expect(updated.type).toBe('rest')
    })

    test('update of a missing datasource is QUARRY_DATASOURCE_NOT_FOUND', async () => {
      const store = await target().open()
      await expect(store.datasources.update('nope', { config: {} })).rejects.toMatchObject({
        code: 'QUARRY_DATASOURCE_NOT_FOUND',
        message: expect.stringContaining('"nope"'),
      })
    })

    test('rename carries the queries and the connection along', async () => {
      const store = await target().open()
      await store.datasources.create(jira)
      await store.queries.create({ name: 'bugs', datasource: 'jira', definition: { path: '/search/jql' } })
      await store.connections.put('jira', connectionInput({ access_token: 'a1' }))

      const renamed = await store.datasources.update('jira', { name: 'jira-cloud' })
      expect(renamed.name).toBe('jira-cloud')
      expect(renamed.secrets).toEqual(jira.secrets)
      expect(await store.datasources.get('jira')).toBeUndefined()
      expect((await store.queries.get('bugs'))?.datasource).toBe('jira-cloud')
      expect(await store.connections.get('jira')).toBeUndefined()
      expect((await store.connections.get('jira-cloud'))?.tokens).toEqual({ access_token: 'a1' })
    })

    test('renaming onto a taken name is QUARRY_DATASOURCE_EXISTS and changes nothing', async () => {
      const store = await target().open()
      await store.datasources.create(jira)
      await store.datasources.create({ ...jira, name: 'other' })
      await expect(
        store.datasources.update('jira', { name: 'other', config: { x: 1 } }),
      ).rejects.toMatchObject({
        code: 'QUARRY_DATASOURCE_EXISTS',
      })
      expect((await store.datasources.get('jira'))?.config).toEqual(jira.config)
    })

    test('remove refuses while queries use the datasource, naming them', async () => {
      const store = await target().open()
      await store.datasources.create(jira)
      await store.queries.create({ name: 'open-bugs', datasource: 'jira', definition: {} })
      await store.queries.create({ name: 'all-epics', datasource: 'jira', definition: {} })
      const error = await store.datasources.remove('jira').catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'QUARRY_DATASOURCE_IN_USE' })
      expect((error as Error).message).toContain('used by 2 queries: "all-epics", "open-bugs"')
      expect(await store.datasources.get('jira')).toBeDefined()
    })

    test('remove deletes the datasource and its connection', async () => {
      const store = await target().open()
      await store.datasources.create(jira)
      await store.connections.put('jira', connectionInput({ access_token: 'a1' }))
      await store.datasources.remove('jira')
      expect(await store.datasources.get('jira')).toBeUndefined()
      expect(await store.connections.get('jira')).toBeUndefined()
      expect(await store.connections.list()).toEqual([])
      // The name is free again, with no connection.
      await store.datasources.create(jira)
      expect(await store.connections.get('jira')).toBeUndefined()
    })

    test('remove works again once the queries are gone', async () => {
      const store = await target().open()
      await store.datasources.create(jira)
      await store.queries.create({ name: 'q', datasource: 'jira', definition: {} })
      await expect(store.datasources.remove('jira')).rejects.toMatchObject({
        code: 'QUARRY_DATASOURCE_IN_USE',
      })
      await store.queries.remove('q')
      await store.datasources.remove('jira')
      expect(await store.datasources.list()).toEqual([])
    })

    test('remove of a missing datasource is QUARRY_DATASOURCE_NOT_FOUND', async () => {
      const store = await target().open()
      await expect(store.datasources.remove('nope')).rejects.toMatchObject({
        code: 'QUARRY_DATASOURCE_NOT_FOUND',
      })
    })

    test('secrets round-trip exactly, unicode and empty maps included', async () => {
      const store = await target().open()
      const secrets = { password: 'pässwörd 🔑 "quoted" \\ back', empty: '', long: 'x'.repeat(10_000) }
      await store.datasources.create({ ...jira, secrets })
      await store.datasources.create({ ...jira, name: 'none', secrets: {} })
      expect((await store.datasources.get('jira'))?.secrets).toEqual(secrets)
      expect((await store.datasources.get('none'))?.secrets).toEqual({})
    })

    test('config documents round-trip as JSON', async () => {
      const store = await target().open()
      const config = { n: 1.5, s: 'ü', list: [1, null, { deep: true }], nothing: null }
      await store.datasources.create({ ...jira, config })
      await store.datasources.create({ ...jira, name: 'string-config', config: 'just a string' })
      expect((await store.datasources.get('jira'))?.config).toEqual(config)
      expect((await store.datasources.get('string-config'))?.config).toBe('just a string')
    })

    test('a second store on the same database sees the same datasources', async () => {
      const first = await target().open()
      const second = await target().open()
      await first.datasources.create(jira)
      expect((await second.datasources.get('jira'))?.secrets).toEqual(jira.secrets)
    })
  })
}
