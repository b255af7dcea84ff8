import { describe, expect, test } from 'vitest'
import type { Store } from '../../src/store/index.js'
import { connectionInput, DIALECTS, useStoreTarget } from './harness.js'

async function withDatasources(store: Store, ...names: string[]): Promise<Store> {
  for (const name of names) await store.datasources.create({ name, type: 'rest', config: {}, secrets: {} })
  return store
}

for (const dialect of DIALECTS) {
  describe(`connections (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('put stores every field, tokens decrypted on the way out', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      const input = connectionInput(
        { access_token: 'at-1', refresh_token: 'rt-1' },
        {
          accessExpiresAt: new Date('2030-01-01T01:02:03.456Z'),
          statusMessage: 'ok',
          lastRefreshAt: new Date('2029-12-31T00:00:00.000Z'),
          lastUsedAt: new Date('2029-12-31T00:00:01.000Z'),
        },
      )
      const saved = await store.connections.put('jira', input)
      expect(saved).toEqual({
        ...input,
        datasource: 'jira',
        user: '',
        version: 1,
        updatedAt: saved.updatedAt,
      })
      expect(saved.updatedAt).toBeInstanceOf(Date)
      expect(await store.connections.get('jira')).toEqual(saved)
      expect(Object.isFrozen(saved.tokens)).toBe(true)
    })

    test('nullable fields stay null; site may be any JSON', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      const input = connectionInput(
        {},
        {
          accessExpiresAt: null,
          status: 'needs_consent',
          statusMessage: 'consent again',
          scope: null,
          site: null,
        },
      )
      expect(await store.connections.put('jira', input)).toMatchObject(input)
      const listSite = [{ id: 'a' }, { id: 'b' }]
      expect((await store.connections.put('jira', { ...input, site: listSite })).site).toEqual(listSite)
    })

    test('every put increments the version', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      expect((await store.connections.put('jira', connectionInput({ a: '1' }))).version).toBe(1)
      expect((await store.connections.put('jira', connectionInput({ a: '2' }))).version).toBe(2)
      const third = await store.connections.put('jira', connectionInput({ a: '3' }))
      expect(third).toMatchObject({ version: 3, tokens: { a: '3' } })
    })

    test('get of an unknown connection is undefined; put on an unknown datasource is QUARRY_DATASOURCE_NOT_FOUND', async () => {
      const store = await target().open()
      expect(await store.connections.get('nope')).toBeUndefined()
      await expect(store.connections.put('nope', connectionInput({ a: '1' }))).rejects.toMatchObject({
        code: 'QUARRY_DATASOURCE_NOT_FOUND',
      })
    })

    test('list returns the connections by datasource', async () => {
      const store = await withDatasources(await target().open(), 'b', 'a', 'c')
      await store.connections.put('b', connectionInput({ t: 'b' }))
      await store.connections.put('a', connectionInput({ t: 'a' }))
      expect((await store.connections.list()).map((c) => [c.datasource, c.tokens.t])).toEqual([
        ['a', 'a'],
        ['b', 'b'],
      ])
    })

    test('markUsed records the time, never moves it back, and leaves the version alone', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      await store.connections.put('jira', connectionInput({ a: '1' }))
      const later = new Date('2031-05-05T05:05:05.005Z')
      await store.connections.markUsed('jira', later)
      await store.connections.markUsed('jira', new Date('2031-01-01T00:00:00.000Z'))
      expect(await store.connections.get('jira')).toMatchObject({ lastUsedAt: later, version: 1 })
      // no connection: nothing to mark, no error
      await store.connections.markUsed('nope', later)
    })

    test('remove forgets the connection and keeps the datasource', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      await store.connections.put('jira', connectionInput({ a: '1' }))
      await store.connections.remove('jira')
      expect(await store.connections.get('jira')).toBeUndefined()
      expect(await store.datasources.get('jira')).toBeDefined()
      await store.connections.remove('jira') // idempotent
    })

    test('a bad status is refused before it reaches the database', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      const bad = { ...connectionInput({ a: '1' }), status: 'expired' } as unknown as Parameters<
        Store['connections']['put']
      >[1]
      await expect(store.connections.put('jira', bad)).rejects.toThrow(/status must be/)
    })

    test("each person's connection of a datasource is its own row, apart from the shared one", async () => {
      const store = await withDatasources(await target().open(), 'jira')
      await store.connections.put('jira', connectionInput({ t: 'shared' }))
      await store.connections.put('jira', connectionInput({ t: 'alice' }), 'alice')
      await store.connections.put('jira', connectionInput({ t: 'bob' }), 'bob')
      await store.connections.put('jira', connectionInput({ t: 'alice-2' }), 'alice')
      expect(await store.connections.get('jira')).toMatchObject({
        user: '',
        version: 1,
        tokens: { t: 'shared' },
      })
      expect(await store.connections.get('jira', 'alice')).toMatchObject({
        user: 'alice',
        version: 2,
        tokens: { t: 'alice-2' },
      })
      expect(await store.connections.get('jira', 'carol')).toBeUndefined()
      expect((await store.connections.list()).map((c) => [c.user, c.tokens.t])).toEqual([
        ['', 'shared'],
        ['alice', 'alice-2'],
        ['bob', 'bob'],
      ])
    })

    test("listConnections gives each person's state without tokens; removeConnection forgets one, audited", async () => {
      const store = await withDatasources(await target().open(), 'jira')
      await store.connections.put('jira', connectionInput({ t: 'shared' }))
      const expires = new Date('2030-01-01T00:00:00.000Z')
      await store.connections.put('jira', connectionInput({ t: 'b' }, { status: 'needs_consent' }), 'bob')
      await store.connections.put('jira', connectionInput({ t: 'a' }, { accessExpiresAt: expires }), 'alice')
      const states = await store.connections.listConnections('jira')
      expect(states.map((state) => [state.user, state.status])).toEqual([
        ['alice', 'connected'],
        ['bob', 'needs_consent'],
      ])
      expect(states[0]).toMatchObject({ accessExpiresAt: expires, lastRefreshAt: null })
      expect(JSON.stringify(states)).not.toContain('"t"')

      expect(await store.connections.removeConnection('jira', 'bob')).toBe(true)
      expect(await store.connections.removeConnection('jira', 'bob')).toBe(false)
      expect((await store.connections.listConnections('jira')).map((state) => state.user)).toEqual(['alice'])
      expect(await store.connections.get('jira')).toBeDefined()
      const entries = await store.audit.list({ kind: 'connection' })
      expect(entries.map((entry) => [entry.object, entry.action])).toContainEqual(['jira/bob', 'disconnect'])
    })

    test("deleting a user deletes their connections in the same change; the datasource's go with it", async () => {
      const store = await withDatasources(await target().open(), 'jira', 'github')
      await store.accounts.createUser({ name: 'alice', passwordHash: 'scrypt$x', role: 'viewer', groups: [] })
      await store.connections.put('jira', connectionInput({ t: 'shared' }))
      await store.connections.put('jira', connectionInput({ t: 'a' }), 'alice')
      await store.connections.put('github', connectionInput({ t: 'a' }), 'alice')
      await store.connections.put('github', connectionInput({ t: 'b' }), 'bob')
      await store.accounts.removeUser('alice')
      expect((await store.connections.list()).map((c) => [c.datasource, c.user])).toEqual([
        ['github', 'bob'],
        ['jira', ''],
      ])
      await store.datasources.remove('github')
      expect((await store.connections.list()).map((c) => [c.datasource, c.user])).toEqual([['jira', '']])
    })
  })
}
