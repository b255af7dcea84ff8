import { describe, expect, test } from 'vitest'
import type { Actor } from '../../src/domain/audit.js'
import { actingAs, type Store } from '../../src/store/index.js'
import { connectionInput, DIALECTS, useStoreTarget } from './harness.js'

/**
 * The audit log and the versions (issue 19), on both dialects: every configuration write records
 * who, when and what changed (secrets masked) in the transaction of the write; queries, converters
 * and templates keep every save as a version that can be reverted to.
 */

const ADA: Actor = { type: 'user', user: 'ada' }
const CI: Actor = { type: 'token', user: 'ada', token: 'ci' }
const CLIENT_SECRET = 'cs-very-secret-client-value'
const NEW_SECRET = 'cs-the-rotated-client-value'
const ACCESS = 'at-access-token-value-123'
const REFRESH = 'rt-refresh-token-value-456'
const ONE_SECRET = 'token-value-qk_0123456789'

async function addDatasource(store: Store, secret = CLIENT_SECRET): Promise<void> {
  await store.datasources.create({
    name: 'jira',
    type: 'rest',
    config: {
      baseUrl: 'https://api.example.com',
      auth: { type: 'oauth2', clientId: 'app-1', clientSecret: '' },
    },
    secrets: { 'auth.clientSecret': secret },
  })
}

for (const dialect of DIALECTS) {
  describe(`audit log (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    const open = async () => {
      await target()
        .exec('delete from api_tokens')
        .then(() => target().exec('delete from sessions'))
        .then(() => target().exec('delete from users'))
        .catch(() => undefined)
      return target().open()
    }

    test('alerts and schedules are recorded as they are added, changed and removed; an alert’s channel secrets never', async () => {
      const store = await open()
      const slack = 'https://hooks.slack.com/services/T000/B000/AUDITSECRET'
      await actingAs(ADA, async () => {
        await addDatasource(store)
        await store.queries.create({ name: 'bugs', datasource: 'jira', definition: { path: '/bugs' } })
        await store.alerts.create({
          name: 'blockers',
          query: 'bugs',
          config: { condition: 'rows > 0' },
          secrets: { '0.url': slack },
        })
        await store.alerts.update('blockers', { config: { condition: 'rows > 5' } })
        await store.schedules.create({
          name: 'hourly',
          query: 'bugs',
          params: {},
          cron: '0 * * * *',
          timeZone: 'UTC',
          enabled: true,
          snapshot: false,
          nextRunAt: null,
        })
        await store.schedules.update('hourly', { enabled: false })
        await store.schedules.remove('hourly')
        await store.alerts.remove('blockers')
      })
      const alerts = await store.audit.list({ kind: 'alert' })
      expect(alerts.map((entry) => entry.action)).toEqual(['remove', 'update', 'create'])
      expect(alerts[1]?.changes).toEqual([
        { field: 'config.condition', before: 'rows > 0', after: 'rows > 5' },
      ])
      const schedules = await store.audit.list({ kind: 'schedule' })
      expect(schedules.map((entry) => entry.action)).toEqual(['remove', 'update', 'create'])
      expect(schedules[1]?.changes).toEqual([{ field: 'enabled', before: true, after: false }])
      expect(JSON.stringify(await store.audit.list())).not.toContain('AUDITSECRET')
    })

    test('a datasource edit is recorded as its actor’s, field by field, the secret shown only as changed', async () => {
      const store = await open()
      await actingAs(ADA, () => addDatasource(store))
      await actingAs(CI, () =>
        store.datasources.update('jira', {
          config: {
            baseUrl: 'https://other.example.com',
            auth: { type: 'oauth2', clientId: 'app-1', clientSecret: '' },
          },
          secrets: { 'auth.clientSecret': NEW_SECRET },
        }),
      )
      const [update, create] = await store.audit.list({ kind: 'datasource' })
      expect(create).toMatchObject({ actor: ADA, actorName: 'ada', object: 'jira', action: 'create' })
      expect(update).toMatchObject({ actor: CI, actorName: 'ada', action: 'update', version: null })
      expect(update?.changes).toEqual([
        { field: 'config.baseUrl', before: 'https://api.example.com', after: 'https://other.example.com' },
        { field: 'secrets.auth.clientSecret', before: '••••••', after: '••••••', secret: true },
      ])
      expect(Date.parse(update!.at)).toBeGreaterThan(Date.now() - 60_000)
    })

    test('no secret value reaches the audit log, an export or the versions, even pasted into another field', async () => {
      const store = await open()
      await actingAs(ADA, () => addDatasource(store))
      // Pasted into a plain field by mistake: masked there too, because it is a secret of this object.
      await store.datasources.update('jira', {
        config: { baseUrl: `https://api.example.com/?key=${CLIENT_SECRET}`, auth: { type: 'oauth2' } },
      })
      await store.connections.put('jira', connectionInput({ access_token: ACCESS, refresh_token: REFRESH }))
      await store.accounts.createUser({
        name: 'bob',
        passwordHash: 'scrypt$secret-hash',
        role: 'viewer',
        groups: [],
      })
      await store.accounts.updateUser('bob', { passwordHash: 'scrypt$another-hash' })
      await store.accounts.createApiToken({
        id: 'tok1',
        user: 'bob',
        name: 'ci',
        token: ONE_SECRET,
        scope: 'run',
        expiresAt: null,
      })
      await store.accounts.removeApiToken('bob', 'tok1')
      await store.connections.remove('jira')
      await store.datasources.remove('jira')

      const exported: string[] = []
      for await (const entry of store.audit.stream()) exported.push(JSON.stringify(entry))
      const listed = JSON.stringify(await store.audit.list())
      expect(exported.length).toBeGreaterThanOrEqual(9)
      for (const text of [exported.join('\n'), listed]) {
        for (const secret of [CLIENT_SECRET, ACCESS, REFRESH, ONE_SECRET, 'secret-hash', 'another-hash'])
          expect(text).not.toContain(secret)
      }
      const pasted = (await store.audit.list({ kind: 'datasource', limit: 10 })).find(
        (e) => e.action === 'update' && e.changes.some((c) => c.field === 'config.baseUrl'),
      )
      expect(pasted?.changes.find((c) => c.field === 'config.baseUrl')?.after).toBe(
        'https://api.example.com/?key=••••••',
      )
    })

    test('a failed change leaves no entry, and a change whose entry cannot be written does not happen', async () => {
      const store = await open()
      await expect(
        store.queries.create({ name: 'q', datasource: 'missing', definition: { path: '/x' } }),
      ).rejects.toMatchObject({ code: 'QUARRY_DATASOURCE_NOT_FOUND' })
      expect(await store.audit.list()).toEqual([])

      await target().exec('alter table audit_log rename to audit_log_away')
      try {
        await expect(addDatasource(store)).rejects.toThrow()
      } finally {
        await target().exec('alter table audit_log_away rename to audit_log')
      }
      expect(await store.datasources.get('jira')).toBeUndefined()
    })

    test('connections: connect, a refresh that fails to needs-consent, and disconnect are recorded; a routine refresh is not', async () => {
      const store = await open()
      await addDatasource(store)
      await store.connections.withLock('jira', (_current, save) =>
        save(connectionInput({ access_token: ACCESS, refresh_token: REFRESH }), { audit: 'connect' }),
      )
      // A refresh: new tokens, same status.
      await store.connections.withLock('jira', (current, save) =>
        save({
          ...connectionInput({ access_token: 'at-2-xxxx', refresh_token: 'rt-2-xxxx' }),
          site: current!.site,
        }),
      )
      await store.connections.withLock('jira', (current, save) =>
        save({
          ...connectionInput({}),
          site: current!.site,
          status: 'needs_consent',
          statusMessage: 'invalid_grant',
        }),
      )
      await store.connections.remove('jira')
      const entries = await store.audit.list({ kind: 'connection' })
      expect(entries.map((e) => e.action)).toEqual(['disconnect', 'needs-consent', 'connect'])
      expect(entries[1]?.changes).toContainEqual({
        field: 'status',
        before: 'connected',
        after: 'needs_consent',
      })
      expect(entries[2]?.changes).toContainEqual({
        field: 'tokens.refresh_token',
        after: '••••••',
        secret: true,
      })
    })

    test('users, API tokens and settings are recorded; a password only as changed', async () => {
      const store = await open()
      await actingAs(ADA, async () => {
        await store.accounts.createUser({
          name: 'bob',
          passwordHash: 'h1-xxxxxx',
          role: 'viewer',
          groups: [],
        })
        await store.accounts.updateUser('bob', { role: 'editor', passwordHash: 'h2-xxxxxx' })
        await store.accounts.createApiToken({
          id: 't1',
          user: 'bob',
          name: 'nightly',
          token: ONE_SECRET,
          scope: 'run',
          expiresAt: null,
        })
        await store.accounts.removeApiToken('bob', 't1')
        await store.settings.setEmbedOrigins(['https://wiki.example.com'])
        await store.accounts.removeUser('bob')
      })
      const entries = (await store.audit.list()).reverse()
      expect(entries.map((e) => `${e.kind}:${e.action}:${e.object}`)).toEqual([
        'user:create:bob',
        'user:update:bob',
        'token:create:t1',
        'token:remove:t1',
        'setting:update:embed_origins',
        'user:remove:bob',
      ])
      expect(entries[1]?.changes).toEqual([
        { field: 'password', before: '••••••', after: '••••••', secret: true },
        { field: 'role', before: 'viewer', after: 'editor' },
      ])
      expect(entries[2]?.changes).toContainEqual({ field: 'name', after: 'nightly' })
      expect(entries[4]?.changes).toEqual([{ field: 'value', after: ['https://wiki.example.com'] }])
    })

    test('filters: by actor, kind, object and a time range; the export streams oldest first', async () => {
      const store = await open()
      await actingAs(ADA, () => addDatasource(store))
      await actingAs(CI, () =>
        store.queries.create({ name: 'a', datasource: 'jira', definition: { path: '/a' } }),
      )
      await store.queries.create({ name: 'b', datasource: 'jira', definition: { path: '/b' } })
      await new Promise((resolve) => setTimeout(resolve, 5))
      const cut = new Date().toISOString()
      await new Promise((resolve) => setTimeout(resolve, 5))
      await store.queries.update('a', { definition: { path: '/a2' } })

      expect((await store.audit.list({ actor: 'ada' })).map((e) => e.object)).toEqual(['a', 'jira'])
      expect((await store.audit.list({ actor: 'system' })).map((e) => e.object)).toEqual(['a', 'b'])
      expect((await store.audit.list({ kind: 'query', object: 'a' })).map((e) => e.action)).toEqual([
        'update',
        'create',
      ])
      expect((await store.audit.list({ since: cut })).map((e) => e.object)).toEqual(['a'])
      expect((await store.audit.list({ until: cut })).length).toBe(3)
      expect((await store.audit.list({ limit: 1 })).length).toBe(1)
      const streamed: string[] = []
      for await (const entry of store.audit.stream({ kind: 'query' }))
        streamed.push(`${entry.object}:${entry.action}`)
      expect(streamed).toEqual(['a:create', 'b:create', 'a:update'])
    })

    test('the store’s default actor names changes made outside actingAs (the CLI’s)', async () => {
      const store = await target().open({ actor: { type: 'cli', osUser: 'ops' } })
      await addDatasource(store)
      await actingAs(ADA, () => store.datasources.remove('jira'))
      expect((await store.audit.list()).map((e) => e.actorName)).toEqual(['ada', 'cli:ops'])
    })
  })

  describe(`versions (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('every save of a query is a version; a revert saves the old definition as a new version, audited', async () => {
      const store = await target().open()
      await addDatasource(store)
      await actingAs(ADA, () =>
        store.queries.create({ name: 'q', datasource: 'jira', definition: { path: '/one' } }),
      )
      await store.queries.update('q', { definition: { path: '/two' } })
      expect((await store.versions.list('query', 'q')).map((v) => [v.version, v.actorName])).toEqual([
        [2, 'system'],
        [1, 'ada'],
      ])
      const reverted = await actingAs(CI, () => store.queries.revert('q', 1))
      expect(reverted.definition).toEqual({ path: '/one' })
      const [latest] = await store.versions.list('query', 'q')
      expect(latest).toMatchObject({
        version: 3,
        actor: CI,
        definition: {
          datasource: 'jira',
          definition: { path: '/one' },
          converterName: null,
          templateName: null,
        },
      })
      const [entry] = await store.audit.list({ kind: 'query' })
      expect(entry).toMatchObject({ action: 'revert', version: 3, actor: CI })
      expect(entry?.changes).toEqual([{ field: 'definition.path', before: '/two', after: '/one' }])
      await expect(store.queries.revert('q', 9)).rejects.toMatchObject({ code: 'QUARRY_VERSION_NOT_FOUND' })
    })

    test('a rename takes the versions along; a removal drops them and a new object starts at 1', async () => {
      const store = await target().open()
      await addDatasource(store)
      await store.queries.create({ name: 'q', datasource: 'jira', definition: { path: '/one' } })
      await store.queries.update('q', { name: 'r' })
      expect((await store.versions.list('query', 'r')).map((v) => v.version)).toEqual([2, 1])
      expect(await store.versions.list('query', 'q')).toEqual([])
      await store.queries.remove('r')
      await store.queries.create({ name: 'r', datasource: 'jira', definition: { path: '/new' } })
      expect((await store.versions.list('query', 'r')).map((v) => v.version)).toEqual([1])
    })

    test('named converters and templates keep versions and revert the same way', async () => {
      const store = await target().open()
      await store.converters.create({
        name: 'rows',
        description: 'first',
        content: 'function convert(j) { return [] }',
      })
      await store.converters.update('rows', {
        content: 'function convert(j) { return [{}] }',
        description: null,
      })
      const reverted = await store.converters.revert('rows', 1)
      expect(reverted).toMatchObject({ description: 'first', content: 'function convert(j) { return [] }' })
      expect((await store.versions.list('converter', 'rows')).map((v) => v.version)).toEqual([3, 2, 1])
      await store.templates.create({ name: 't', content: '{"type":"table"}' })
      await store.templates.update('t', { name: 'u', content: '{"type":"liquid","source":"x"}' })
      expect((await store.versions.get('template', 'u', 1))?.definition).toEqual({
        description: null,
        content: '{"type":"table"}',
      })
      await expect(store.templates.revert('u', 5)).rejects.toMatchObject({ code: 'QUARRY_VERSION_NOT_FOUND' })
    })
  })
}
