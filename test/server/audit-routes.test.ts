import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEntry, ObjectVersion } from '../../src/domain/audit.js'
import { StoreError } from '../../src/store/errors.js'
import { runQuarry } from '../helpers/cli.js'
import { startTestServer, TEST_PASSWORD, type Browser, type TestServer } from '../helpers/server.js'

/**
 * The audit log and versions over the API (issue 19): changes through the API are recorded as the
 * signed-in user's or as an API token's user's, changes through the CLI on the same store as
 * `cli:OSUSER`; admins list and export them with filters; no secret ever appears; editors list, diff
 * and revert the versions of converters, templates and queries.
 */

const CLIENT_SECRET = 'client-secret-for-the-audit-test'
const HEADER_SECRET = 'header-secret-for-the-audit-test'

let server: TestServer
let admin: Browser
let editor: Browser
let apiToken: string

beforeAll(async () => {
  server = await startTestServer()
  admin = await server.signIn('ada', 'admin')
  editor = await server.signIn('eve', 'editor')
  const made = await server.as(admin, {
    method: 'POST',
    url: '/api/tokens',
    payload: { name: 'ci', scope: 'admin' },
  })
  apiToken = made.json<{ token: string }>().token
}, 30_000)
afterAll(async () => {
  await server?.close()
})

const withToken = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  server.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${apiToken}` },
    ...(payload ? { payload } : {}),
  })

const audit = async (query = ''): Promise<AuditEntry[]> => {
  const reply = await server.as(admin, { method: 'GET', url: `/api/audit${query}` })
  expect(reply.statusCode).toBe(200)
  return reply.json<AuditEntry[]>()
}

const DATASOURCE = {
  name: 'api',
  type: 'rest',
  baseUrl: 'https://api.example.com',
  auth: {
    type: 'oauth2-client-credentials',
    tokenUrl: 'https://auth.example.com/token',
    clientId: 'app',
    clientSecret: CLIENT_SECRET,
  },
  headers: [{ name: 'X-Key', value: HEADER_SECRET, secret: true }],
}

describe('the audit log over the API', () => {
  it('records a signed-in admin’s and an API token’s changes, field by field, secrets masked', async () => {
    const created = await server.as(admin, { method: 'POST', url: '/api/datasources', payload: DATASOURCE })
    expect(created.statusCode).toBe(201)
    const replaced = await withToken('PUT', '/api/datasources/api', {
      ...DATASOURCE,
      baseUrl: 'https://api2.example.com',
      auth: { ...DATASOURCE.auth, clientSecret: 'rotated-client-secret-value' },
    })
    expect(replaced.statusCode).toBe(200)

    const [update, create] = await audit('?kind=datasource&object=api')
    expect(create).toMatchObject({ actor: { type: 'user', user: 'ada' }, action: 'create' })
    expect(update).toMatchObject({ actor: { type: 'token', user: 'ada', token: 'ci' }, actorName: 'ada' })
    expect(update?.changes).toContainEqual({
      field: 'config.baseUrl',
      before: 'https://api.example.com',
      after: 'https://api2.example.com',
    })
    expect(update?.changes).toContainEqual({
      field: 'secrets.auth.clientSecret',
      before: '••••••',
      after: '••••••',
      secret: true,
    })
  })

  it('streams NDJSON with the same filters, and no secret — client secret, header, token, password — appears in it', async () => {
    await server.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: { name: 'bob', role: 'viewer', password: TEST_PASSWORD },
    })
    await server.as(admin, {
      method: 'PUT',
      url: '/api/settings/embedding',
      payload: { origins: ['https://wiki.example.com'] },
    })
    const reply = await server.as(admin, { method: 'GET', url: '/api/audit/export' })
    expect(reply.statusCode).toBe(200)
    expect(reply.headers['content-type']).toMatch(/^application\/x-ndjson/)
    const lines = reply.body.trimEnd().split('\n')
    const entries = lines.map((line) => JSON.parse(line) as AuditEntry)
    expect(entries.map((entry) => entry.id)).toEqual(
      [...entries.map((entry) => entry.id)].sort((a, b) => a - b),
    )
    expect(new Set(entries.map((entry) => entry.kind))).toEqual(
      new Set(['token', 'datasource', 'user', 'setting']),
    )
    for (const secret of [
      CLIENT_SECRET,
      HEADER_SECRET,
      'rotated-client-secret-value',
      apiToken,
      TEST_PASSWORD,
      'scrypt',
    ])
      expect(reply.body).not.toContain(secret)
    expect(JSON.stringify(await audit())).not.toContain(CLIENT_SECRET)

    // signIn made ada and eve through the store (as `system`); bob was made by ada through the API.
    const onlyUsers = await server.as(admin, { method: 'GET', url: '/api/audit/export?kind=user' })
    const users = onlyUsers.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntry)
    expect(users.map((entry) => `${entry.object} by ${entry.actorName}`)).toEqual([
      'ada by system',
      'eve by system',
      'bob by ada',
    ])
  })

  it('an export whose store read fails before its first entry answers that failure as JSON, with its code', async () => {
    // A PostgreSQL store gone away mid-request fails this way; the store's reader is replaced to fail on cue.
    const audit = server.ctx.store.audit
    const stream = audit.stream.bind(audit)
    audit.stream = async function* () {
      yield* []
      throw new StoreError('QUARRY_STORE_UNREACHABLE', 'The PostgreSQL store did not answer (on cue).')
    }
    try {
      const reply = await server.as(admin, { method: 'GET', url: '/api/audit/export' })
      expect(reply.statusCode).toBe(503)
      expect(reply.headers['content-type']).toMatch(/^application\/json/)
      expect(reply.headers['content-disposition']).toBeUndefined()
      expect(reply.json()).toEqual({
        error: { code: 'QUARRY_STORE_UNREACHABLE', message: 'The PostgreSQL store did not answer (on cue).' },
      })
    } finally {
      audit.stream = stream
    }
  })

  it('filters by actor and time; a filter it cannot read is a 400 that names it', async () => {
    expect((await audit('?actor=nobody')).length).toBe(0)
    expect((await audit('?since=2999-01-01T00:00:00Z')).length).toBe(0)
    expect((await audit('?until=2000-01-01T00:00:00Z')).length).toBe(0)
    expect((await audit('?limit=1')).length).toBe(1)
    const bad = await server.as(admin, { method: 'GET', url: '/api/audit?since=yesterday&kind=planet' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ error: { code: 'QUARRY_CONFIG_INVALID' } })
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(
      /Since: must be an ISO 8601 time/,
    )
  })

  it('changes through the CLI on the same store are recorded as the CLI’s, beside the API’s', async () => {
    const where = { db: join(server.engine.dir, 'quarry.db'), dir: server.engine.dir }
    const run = await runQuarry(where, 'datasource', 'edit', 'api', '--url', 'https://cli.example.com')
    expect(run.stderr).toBe('')
    const [latest] = await audit('?kind=datasource')
    expect(latest).toMatchObject({ actor: { type: 'cli' }, object: 'api', action: 'update' })
    expect(latest?.actorName).toMatch(/^cli:.+/)
    expect(latest?.changes).toContainEqual({
      field: 'config.baseUrl',
      before: 'https://api2.example.com',
      after: 'https://cli.example.com',
    })
    const listed = await runQuarry(where, 'audit', 'list', '--kind', 'datasource', '--json')
    const fromCli = JSON.parse(listed.stdout) as AuditEntry[]
    expect(fromCli.map((entry) => entry.actor.type)).toEqual(['cli', 'token', 'user'])
  }, 30_000)
})

describe('versions over the API', () => {
  const send = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    server.as(editor, { method, url, ...(payload ? { payload } : {}) })

  it('an editor lists, diffs and reverts a converter; the revert is a new version and an audit entry', async () => {
    expect(
      (await send('POST', '/api/converters', { name: 'rows', source: 'function convert(j) { return [] }' }))
        .statusCode,
    ).toBe(201)
    expect(
      (
        await send('PUT', '/api/converters/rows', {
          name: 'rows',
          source: 'function convert(j) { return [{ a: 1 }] }',
        })
      ).statusCode,
    ).toBe(200)
    const versions = (await send('GET', '/api/converters/rows/versions')).json<ObjectVersion[]>()
    expect(versions.map((v) => [v.version, v.actorName])).toEqual([
      [2, 'eve'],
      [1, 'eve'],
    ])
    const diff = (await send('GET', '/api/converters/rows/diff?from=1&to=2')).json<{ patch: string }>()
    expect(diff.patch).toContain('-function convert(j) { return [] }')
    expect(diff.patch).toContain('+function convert(j) { return [{ a: 1 }] }')

    const reverted = await send('POST', '/api/converters/rows/revert', { version: 1 })
    expect(reverted.statusCode).toBe(200)
    expect(reverted.json()).toMatchObject({ version: 3, actorName: 'eve' })
    const shown = (await send('GET', '/api/converters/rows')).json<{ source: string }>()
    expect(shown.source).toBe('function convert(j) { return [] }')
    const [entry] = await audit('?kind=converter&object=rows')
    expect(entry).toMatchObject({ action: 'revert', version: 3, actorName: 'eve' })
  })

  it('a query’s and a template’s versions work the same way; an unknown version is a 404 that says how to list them', async () => {
    await server.engine.addDatasource({ name: 'plain', type: 'rest', baseUrl: 'https://plain.example.com' })
    const query = { name: 'q', datasource: 'plain', path: '/one' }
    expect((await send('POST', '/api/queries', query)).statusCode).toBe(201)
    expect((await send('PUT', '/api/queries/q', { ...query, path: '/two' })).statusCode).toBe(200)
    expect((await send('POST', '/api/queries/q/revert', { version: 1 })).statusCode).toBe(200)
    expect((await send('GET', '/api/queries/q')).json()).toMatchObject({ path: '/one' })
    expect(
      (await send('GET', '/api/queries/q/versions')).json<ObjectVersion[]>().map((v) => v.version),
    ).toEqual([3, 2, 1])

    expect(
      (await send('POST', '/api/templates', { name: 't', template: { type: 'table' } })).statusCode,
    ).toBe(201)
    const missing = await send('GET', '/api/templates/t/diff?from=1&to=4')
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ error: { code: 'QUARRY_VERSION_NOT_FOUND' } })
    expect((await send('GET', '/api/templates/nope/versions')).json()).toMatchObject({
      error: { code: 'QUARRY_TEMPLATE_NOT_FOUND' },
    })
  })
})
