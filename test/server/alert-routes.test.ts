import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyWebhook } from '../../src/notify/webhook-signature.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startHttpReceiver, type HttpReceiver } from '../notify/receivers.js'

/**
 * Alerts over the API (issue 16, done-when 3): an admin defines one on a SQLite query, checks it as
 * the rows change, and the webhook receiver started here verifies each signed notice; editors see the
 * alert with its secrets masked; a masked secret sent back keeps the stored one.
 */

const SECRET = 'whsec-api-0123456789abcdef'

let dir: string
let data: string
let server: TestServer
let admin: Browser
let editor: Browser
let hook: HttpReceiver

function setPriorities(priorities: string[]): void {
  const sqlite = new DatabaseSync(data)
  sqlite.exec('delete from issues')
  const insert = sqlite.prepare('insert into issues values (?, ?)')
  priorities.forEach((priority, index) => insert.run(`DEMO-${index + 1}`, priority))
  sqlite.close()
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-alert-api-'))
  data = join(dir, 'data.db')
  const sqlite = new DatabaseSync(data)
  sqlite.exec('create table issues ("Key" text, "Priority" text)')
  sqlite.close()
  setPriorities(['Minor'])
  hook = await startHttpReceiver()
  server = await startTestServer()
  admin = await server.signIn('root', 'admin')
  editor = await server.signIn('eve', 'editor')
  const send = (url: string, payload: object) => server.as(admin, { method: 'POST', url, payload })
  expect((await send('/api/datasources', { name: 'lite', type: 'sqlite', path: data })).statusCode).toBe(201)
  expect(
    (await send('/api/queries', { name: 'open-issues', datasource: 'lite', sql: 'select * from issues' }))
      .statusCode,
  ).toBe(201)
}, 30_000)
afterAll(async () => {
  await server?.close()
  await hook?.close()
  rmSync(dir, { recursive: true, force: true })
})

const alertBody = (value: string, secret = SECRET) => ({
  name: 'blockers',
  query: 'open-issues',
  condition: { kind: 'column', column: 'Priority', op: '=', value },
  channels: [{ type: 'webhook', url: `${hook.url}/hook`, secret }],
})

interface AlertReply {
  state: string
  channels: { secret?: string }[]
  events: { kind: string; from: string; to: string; deliveries: { ok: boolean }[] | null }[]
}

describe('alerts through the API', () => {
  it('creates an alert that starts ok; editors see it with the secret masked', async () => {
    const created = await server.as(admin, {
      method: 'POST',
      url: '/api/alerts',
      payload: alertBody('Blocker'),
    })
    expect(created.statusCode, created.body).toBe(201)
    expect(created.json()).toMatchObject({ state: 'ok', lastCheckedAt: null, events: [] })
    const seen = await server.as(editor, { method: 'GET', url: '/api/alerts' })
    expect(seen.statusCode).toBe(200)
    expect(seen.body).not.toContain(SECRET)
    expect(seen.json()).toMatchObject([{ name: 'blockers', channels: [{ secret: '••••••' }] }])
  })

  it('checks: ok sends nothing; a blocker fires, notifies once, and the delivery is recorded', async () => {
    const ok = await server.as(admin, { method: 'POST', url: '/api/alerts/blockers/check' })
    expect(ok.json()).toMatchObject({ state: 'ok', changed: false })
    setPriorities(['Minor', 'Blocker'])
    const firing = await server.as(admin, { method: 'POST', url: '/api/alerts/blockers/check' })
    expect(firing.json()).toEqual({
      state: 'firing',
      previous: 'ok',
      changed: true,
      summary: '1 of 2 rows have Priority = "Blocker" (alert when exists)',
    })
    await expect
      .poll(
        async () =>
          (await server.as(admin, { method: 'GET', url: '/api/alerts/blockers' })).json<AlertReply>()
            .events[0]?.deliveries,
      )
      .toEqual([expect.objectContaining({ ok: true })])
    expect(hook.received).toHaveLength(1)
    const { headers, body } = hook.received[0]!
    expect(JSON.parse(body)).toMatchObject({
      alert: 'blockers',
      event: 'firing',
      link: 'http://quarry.test/v/open-issues',
    })
    expect(
      verifyWebhook(
        SECRET,
        headers['x-quarry-timestamp'] as string,
        body,
        headers['x-quarry-signature'] as string,
        Date.now() / 1000,
      ),
    ).toBe(true)
    expect(
      (await server.as(admin, { method: 'POST', url: '/api/alerts/blockers/check' })).json(),
    ).toMatchObject({ changed: false })
    expect(hook.received).toHaveLength(1)
  })

  it('keeps the stored secret when an edit sends it back masked', async () => {
    const shown = (await server.as(admin, { method: 'GET', url: '/api/alerts/blockers' })).json<AlertReply>()
    const edited = await server.as(admin, {
      method: 'PUT',
      url: '/api/alerts/blockers',
      payload: alertBody('Critical', shown.channels[0]!.secret),
    })
    expect(edited.statusCode, edited.body).toBe(200)
    const tested = await server.as(admin, { method: 'POST', url: '/api/alerts/blockers/test' })
    expect(tested.json()).toMatchObject({ deliveries: [{ ok: true, attempts: [{ ok: true }] }] })
    const { headers, body } = hook.received.at(-1)!
    expect(JSON.parse(body)).toMatchObject({ event: 'test', condition: 'Priority = "Critical" exists' })
    expect(
      verifyWebhook(
        SECRET,
        headers['x-quarry-timestamp'] as string,
        body,
        headers['x-quarry-signature'] as string,
        Date.now() / 1000,
      ),
    ).toBe(true)
  })

  it('answers a missing alert with QUARRY_ALERT_NOT_FOUND and a bad condition with the field', async () => {
    const missing = await server.as(admin, { method: 'GET', url: '/api/alerts/nope' })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error.code).toBe('QUARRY_ALERT_NOT_FOUND')
    const bad = await server.as(admin, {
      method: 'POST',
      url: '/api/alerts',
      payload: { ...alertBody('x'), name: 'bad', condition: { kind: 'column', column: 'Priority', op: '~' } },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('QUARRY_CONFIG_INVALID')
  })

  it('removes an alert', async () => {
    expect((await server.as(admin, { method: 'DELETE', url: '/api/alerts/blockers' })).statusCode).toBe(204)
    expect((await server.as(admin, { method: 'GET', url: '/api/alerts' })).json()).toEqual([])
  })
})
