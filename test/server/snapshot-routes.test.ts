import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSavedQuery } from '../../src/engine/load.js'
import { startKeepAlive } from '../../src/server/keep-alive-job.js'
import { SnapshotDiffReply, SnapshotListReply, SnapshotReply } from '../../src/server/replies.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'

/**
 * Snapshots over the API and in views (issue 16), on a SQLite datasource whose table the test
 * changes between snapshots: editors take and remove them, viewers who see the query list, show,
 * download and compare them; someone the query is not shown to learns nothing.
 */

let server: TestServer
let dir: string
let data: string
let editor: Browser
let viewer: Browser
let outsider: Browser

function setRows(sql: string): void {
  const db = new DatabaseSync(data)
  db.exec(`delete from issues; ${sql}`)
  db.close()
}

const as = (
  browser: Browser | undefined,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: object,
) => server.as(browser, { method, url, ...(payload ? { payload } : {}) })

async function take(): Promise<string> {
  const taken = await as(editor, 'POST', '/api/queries/issues/snapshots', {
    params: { project: 'QA' },
    refresh: true,
  })
  expect(taken.statusCode, taken.body).toBe(201)
  return taken.json<{ snapshot: { id: string } }>().snapshot.id
}

beforeAll(async () => {
  server = await startTestServer()
  dir = mkdtempSync(join(tmpdir(), 'quarry-snapshot-routes-'))
  data = join(dir, 'data.db')
  const db = new DatabaseSync(data)
  db.exec('create table issues (key text, status text, points integer, project text)')
  db.close()
  await server.engine.addDatasource({ name: 'lite', type: 'sqlite', path: data })
  await server.engine.addQuery({
    name: 'issues',
    datasource: 'lite',
    sql: 'select key, status, points from issues where project = :project order by key',
    params: [{ name: 'project', type: 'string' }],
    // Viewers of the group "qa" see it; other viewers do not.
    visibility: { roles: ['viewer'], groups: ['qa'], public: false },
  })
  editor = await server.signIn('eve', 'editor')
  viewer = await server.signIn('vic', 'viewer', ['qa'])
  outsider = await server.signIn('otto', 'viewer', ['sales'])
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('snapshots over the API', () => {
  let first: string
  let second: string

  it('an editor takes one: the run is frozen with who, when and the parameters', async () => {
    setRows("insert into issues values ('QA-1', 'Open', 3, 'QA'), ('QA-2', 'Open', 5, 'QA')")
    first = await take()
    const listed = await as(viewer, 'GET', '/api/queries/issues/snapshots')
    expect(listed.statusCode).toBe(200)
    const body = SnapshotListReply.schema.parse(listed.json())
    expect(body.snapshots).toEqual([
      expect.objectContaining({
        id: first,
        takenBy: 'eve',
        params: { project: 'QA' },
        rowCount: 2,
        columns: ['key', 'status', 'points'],
      }),
    ])
    expect(body.retention).toEqual({
      rule: { keepLast: 100, maxAgeSeconds: null },
      own: false,
      description: 'the newest 100',
    })
  })

  it('a viewer reads its rows by id or by day, after the source changed', async () => {
    setRows("insert into issues values ('QA-1', 'Done', 2, 'QA'), ('QA-3', 'Open', 8, 'QA')")
    const byId = SnapshotReply.schema.parse(
      (await as(viewer, 'GET', `/api/queries/issues/snapshots/${first}`)).json(),
    )
    expect(byId.rows).toEqual([
      { key: 'QA-1', status: 'Open', points: 3 },
      { key: 'QA-2', status: 'Open', points: 5 },
    ])
    expect(byId.definition).toMatchObject({ name: 'issues', sql: expect.stringContaining('from issues') })
    const today = new Date().toISOString().slice(0, 10)
    expect((await as(viewer, 'GET', `/api/queries/issues/snapshots/${today}`)).json().id).toBe(first)
    const before = await as(viewer, 'GET', '/api/queries/issues/snapshots/2001-01-01')
    expect(before.statusCode).toBe(404)
    expect(before.json().error.code).toBe('QUARRY_SNAPSHOT_NOT_FOUND')
  })

  it('compares two by a key column', async () => {
    second = await take()
    const diff = await as(viewer, 'GET', `/api/queries/issues/snapshot-diff?from=${first}&to=latest&key=key`)
    expect(diff.statusCode, diff.body).toBe(200)
    const body = SnapshotDiffReply.schema.parse(diff.json())
    expect(body.to.id).toBe(second)
    expect(body.added).toEqual([{ key: 'QA-3', status: 'Open', points: 8 }])
    expect(body.removed).toEqual([{ key: 'QA-2', status: 'Open', points: 5 }])
    expect(body.changed).toEqual([expect.objectContaining({ key: 'QA-1', columns: ['status', 'points'] })])
    const badKey = await as(
      viewer,
      'GET',
      `/api/queries/issues/snapshot-diff?from=${first}&to=latest&key=Key`,
    )
    expect(badKey.statusCode).toBe(400)
    expect(badKey.json().error).toMatchObject({
      code: 'QUARRY_SNAPSHOT_KEY_MISSING',
      message: expect.stringContaining('key, status, points'),
    })
  })

  it('someone the query is not shown to gets "not found" for its snapshots, as for the query', async () => {
    for (const url of [
      '/api/queries/issues/snapshots',
      `/api/queries/issues/snapshots/${first}`,
      `/api/queries/issues/snapshot-diff?from=${first}&to=latest`,
    ]) {
      const response = await as(outsider, 'GET', url)
      expect(response.statusCode, url).toBe(404)
      expect(response.json().error.code).toBe('QUARRY_QUERY_NOT_FOUND')
    }
    expect((await as(viewer, 'POST', '/api/queries/issues/snapshots', {})).statusCode).toBe(403)
  })

  it('the view shows a snapshot, the list of snapshots, and the changes between two', async () => {
    const live = await as(viewer, 'GET', '/v/issues?project=QA')
    expect(live.statusCode).toBe(200)
    expect(live.body).toContain('<summary>Snapshots</summary>')
    expect(live.body).toContain(`href="/v/issues?snapshot=${second}&amp;compare=${first}"`)

    const shown = await as(viewer, 'GET', `/v/issues?snapshot=${first}`)
    expect(shown.statusCode).toBe(200)
    expect(shown.body).toContain(`Snapshot ${first}, taken `)
    expect(shown.body).toContain('QA-2')
    expect(shown.body).not.toContain('QA-3')
    expect(shown.body).toContain(`/v/issues/rows.csv?snapshot=${first}`)

    const changes = await as(viewer, 'GET', `/v/issues?snapshot=${second}&compare=${first}&diff_key=key`)
    expect(changes.body).toContain('1 added, 1 removed, 1 changed, 0 unchanged')
    expect(changes.body).toContain('status: &quot;Open&quot; → &quot;Done&quot;; points: 3 → 2')

    // Not signed in: sent to sign in, as for a query that is not public.
    const anonymous = await as(undefined, 'GET', `/v/issues?snapshot=${first}`)
    expect(anonymous.statusCode).toBe(302)
    const hidden = await as(outsider, 'GET', `/v/issues?snapshot=${first}`)
    expect(hidden.statusCode).toBe(404)
  })

  it("downloads a snapshot's rows in a registered format", async () => {
    const csv = await as(viewer, 'GET', `/v/issues/rows.csv?snapshot=${first}`)
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-disposition']).toMatch(
      new RegExp(`filename="issues-\\d{4}-\\d\\d-\\d\\d-${first}\\.csv"`),
    )
    expect(
      csv.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/),
    ).toEqual(['key,status,points', 'QA-1,Open,3', 'QA-2,Open,5'])
  })

  it("refuses a snapshot's rows a format cannot hold with that format's own coded error", async () => {
    // Wider than an Excel sheet: the download fails before its first byte, as a live one does.
    await server.engine.addQuery({
      name: 'wide',
      datasource: 'lite',
      sql: 'select key from issues',
      visibility: { roles: ['viewer'], groups: ['qa'], public: false },
    })
    const row = Object.fromEntries(Array.from({ length: 16_385 }, (_, i) => [`c${i}`, i]))
    const wide = await server.engine.store.snapshots.create({
      query: 'wide',
      takenAt: new Date(),
      takenBy: 'eve',
      params: {},
      definition: await loadSavedQuery(server.engine.store, 'wide'),
      fetchedAt: new Date(),
      notices: [],
      columns: Object.keys(row),
      rowCount: 1,
      rowsJson: JSON.stringify([row]),
    })
    const xlsx = await as(viewer, 'GET', `/v/wide/rows.xlsx?snapshot=${wide.id}`)
    expect(xlsx.statusCode, xlsx.body).toBe(400)
    expect(xlsx.json().error.code).toBe('QUARRY_CONFIG_INVALID')
    expect(xlsx.json().error.message).toContain('an Excel sheet holds at most 16,384')
  })

  it('snapshots survive an edit of the query; a retention rule removes the oldest', async () => {
    const edited = await as(editor, 'PUT', '/api/queries/issues', {
      name: 'issues',
      datasource: 'lite',
      sql: 'select key from issues',
      visibility: { roles: ['viewer'], groups: ['qa'], public: false },
    })
    expect(edited.statusCode, edited.body).toBe(200)
    const kept = (await as(viewer, 'GET', `/api/queries/issues/snapshots/${first}`)).json()
    expect(kept.rows).toHaveLength(2)
    expect(kept.definition.sql).toContain('where project = :project')

    const rule = await as(editor, 'PUT', '/api/queries/issues/snapshot-retention', {
      rule: { keepLast: 1, maxAgeSeconds: null },
    })
    expect(rule.json()).toMatchObject({ own: true, pruned: 1, description: 'the newest 1' })
    const left = (await as(viewer, 'GET', '/api/queries/issues/snapshots')).json()
    expect(left.snapshots.map((s: { id: string }) => s.id)).toEqual([second])
    const bad = await as(editor, 'PUT', '/api/queries/issues/snapshot-retention', {
      rule: { keepLast: 0, maxAgeSeconds: null },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('QUARRY_CONFIG_INVALID')
  })

  it('a query with a named template: its snapshot is shown through the copy, after the template changed', async () => {
    const liquid = (word: string) =>
      JSON.stringify({ type: 'liquid', source: `<p class="named">${word} {{ rows.size }}</p>` })
    await server.engine.store.templates.create({ name: 'count', content: liquid('Counted') })
    await server.engine.addQuery({
      name: 'counted',
      datasource: 'lite',
      sql: 'select key from issues',
      templateName: 'count',
      visibility: { roles: ['viewer'], groups: ['qa'], public: false },
    })
    const taken = await as(editor, 'POST', '/api/queries/counted/snapshots', {})
    expect(taken.statusCode, taken.body).toBe(201)
    await server.engine.store.templates.update('count', { content: liquid('Changed') })
    const listed = (await as(viewer, 'GET', '/api/queries/counted/snapshots')).json()
    expect(listed.snapshots).toHaveLength(1)
    const shown = await as(viewer, 'GET', '/v/counted?snapshot=latest')
    expect(shown.statusCode).toBe(200)
    expect(shown.body).toContain('<p class="named">Counted 2</p>')
  })

  it("a deleted query's snapshots stay, for those its copy was shown to", async () => {
    expect((await as(editor, 'DELETE', '/api/queries/counted')).statusCode).toBe(204)
    const listed = await as(viewer, 'GET', '/api/queries/counted/snapshots')
    expect(listed.statusCode).toBe(200)
    expect(listed.json().snapshots).toHaveLength(1)
    expect((await as(viewer, 'GET', '/api/queries/counted/snapshots/latest')).json().rows).toHaveLength(2)
    const outside = await as(outsider, 'GET', '/api/queries/counted/snapshots')
    expect(outside.statusCode).toBe(404)
    expect(outside.json().error.code).toBe('QUARRY_QUERY_NOT_FOUND')
  })

  it('an editor removes one; it is gone for everyone', async () => {
    expect((await as(editor, 'DELETE', `/api/queries/issues/snapshots/${second}`)).statusCode).toBe(204)
    const gone = await as(viewer, 'GET', `/api/queries/issues/snapshots/${second}`)
    expect(gone.statusCode).toBe(404)
    expect(gone.json().error.code).toBe('QUARRY_SNAPSHOT_NOT_FOUND')
  })

  it("the server's maintenance round removes snapshots past their query's maximum age", async () => {
    // The query was edited above: it takes no parameters any more.
    expect((await as(editor, 'POST', '/api/queries/issues/snapshots', {})).statusCode).toBe(201)
    const store = server.engine.store
    await store.snapshots.setRetention('issues', { keepLast: null, maxAgeSeconds: 3600 })
    const round = (at: Date) => startKeepAlive(store, server.app.log, { intervalMs: 3600_000, now: () => at })
    const soon = round(new Date(Date.now() + 60_000))
    expect(await soon.runOnce()).toBe(true)
    await soon.stop()
    expect((await store.snapshots.list('issues')).length).toBeGreaterThan(0)
    // Two hours on, past the lease of the first round and the rule's hour.
    const later = round(new Date(Date.now() + 7200_000))
    expect(await later.runOnce()).toBe(true)
    await later.stop()
    expect(await store.snapshots.list('issues')).toEqual([])
  })
})
