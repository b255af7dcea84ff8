import { DatabaseSync } from 'node:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importDocument } from '../../src/config-transfer.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { addSimJira } from '../helpers/jira.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startTestSim } from '../helpers/sim.js'

/**
 * PocketQuery's parameters in the server (issue 13): `:name` parameters found when a query is saved,
 * PocketQuery's type names, and `pq_<name>` in a view's URL.
 */

const CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key }))
}`

let sim: RunningSimulator
let server: TestServer
let editor: Browser
let dir: string

beforeAll(async () => {
  sim = await startTestSim({ issues: 40 })
  server = await startTestServer()
  await addSimJira(server.engine, sim)
  dir = mkdtempSync(join(tmpdir(), 'quarry-pq-params-'))
  const file = join(dir, 'data.db')
  const sqlite = new DatabaseSync(file)
  sqlite.exec(
    "create table t (id integer, name text); insert into t values (1, 'one'), (2, 'two'), (3, 'three')",
  )
  sqlite.close()
  await server.engine.addDatasource({ name: 'lite', type: 'sqlite', path: file })
  editor = await server.signIn('eda', 'editor')
}, 30_000)
afterAll(async () => {
  await server.close()
  await sim.close()
  rmSync(dir, { recursive: true, force: true })
})

const post = (payload: object) => server.as(editor, { method: 'POST', url: '/api/queries', payload })

describe('saving a query through the API', () => {
  it('declares the :name parameters of a REST path as strings, and the query runs with them', async () => {
    const created = await post({
      name: 'by-jql',
      datasource: 'jira',
      path: '/search/jql?jql=:jql&fields=summary',
      pagination: { type: 'next-page-token' },
      converter: CONVERTER,
    })
    expect(created.statusCode).toBe(201)
    expect(created.json().params).toEqual([{ name: 'jql', type: 'string' }])
    const stored = await server.as(editor, { url: '/api/queries/by-jql' })
    expect(stored.json().params).toEqual([{ name: 'jql', type: 'string' }])
    const run = await server.as(editor, {
      method: 'POST',
      url: '/api/queries/by-jql/run',
      payload: { params: { jql: 'project = WEB ORDER BY key' } },
    })
    expect(run.statusCode, run.body).toBe(200)
    expect(run.json().rows[0]).toEqual({ Key: 'WEB-1' })
  })

  it('declares the parameters a replaced SQL statement uses, keeping the declared ones', async () => {
    expect((await post({ name: 'names', datasource: 'lite', sql: 'SELECT name FROM t' })).statusCode).toBe(
      201,
    )
    const replaced = await server.as(editor, {
      method: 'PUT',
      url: '/api/queries/names',
      payload: {
        name: 'names',
        datasource: 'lite',
        sql: "SELECT name FROM t WHERE id IN (:ids) AND name <> ':not' -- :nor\n AND id <= :max ORDER BY id",
        params: [{ name: 'max', type: 'Integer', default: '9' }],
      },
    })
    expect(replaced.statusCode, replaced.body).toBe(200)
    expect(replaced.json().params).toEqual([
      { name: 'max', type: 'integer', default: '9' },
      { name: 'ids', type: 'string' },
    ])
    const run = await server.as(editor, {
      method: 'POST',
      url: '/api/queries/names/run',
      payload: { params: { ids: '2' } },
    })
    expect(run.json().rows).toEqual([{ name: 'two' }])
  })

  it("takes PocketQuery's type names", async () => {
    const created = await post({
      name: 'typed',
      datasource: 'lite',
      sql: 'SELECT name FROM :tbl WHERE id IN (:ids) ORDER BY id',
      params: [
        { name: 'ids', type: 'ListOfIntegers' },
        { name: 'tbl', type: 'Constant', values: ['t'], default: 't' },
      ],
    })
    expect(created.statusCode, created.body).toBe(201)
    expect(created.json().params.map((p: { type: string }) => p.type)).toEqual(['list', 'constant'])
    const run = await server.as(editor, {
      method: 'POST',
      url: '/api/queries/typed/run',
      payload: { params: { ids: '1,3' } },
    })
    expect(run.json().rows).toEqual([{ name: 'one' }, { name: 'three' }])
  })
})

describe('importing a configuration', () => {
  it('declares the parameters its queries use but do not list', async () => {
    await importDocument(
      server.engine.store,
      {
        quarry: 1,
        exportedAt: '2026-12-03T00:00:00Z',
        datasources: [],
        queries: [{ name: 'imported', datasource: 'lite', sql: 'SELECT name FROM t WHERE id = :id' }],
        secrets: null,
      },
      { replace: false, askPassphrase: () => '', where: 'in the test' },
    )
    const stored = await server.as(editor, { url: '/api/queries/imported' })
    expect(stored.json().params).toEqual([{ name: 'id', type: 'string' }])
  })
})

describe("a view's pq_<name> URL parameters", () => {
  beforeAll(async () => {
    const query = {
      datasource: 'jira',
      pagination: { type: 'next-page-token' as const },
      converter: CONVERTER,
    }
    await server.engine.addQuery({
      ...query,
      name: 'public-fixed',
      path: '/search/jql?jql=:jql&fields=summary',
      params: [{ name: 'jql', type: 'string', default: 'project = DEMO ORDER BY key' }],
      visibility: { public: true },
    })
    await server.engine.addQuery({
      ...query,
      name: 'public-project',
      path: '/search/jql?jql=project%20%3D%20:project%20ORDER%20BY%20key&fields=summary',
      params: [
        { name: 'project', type: 'string', default: 'DEMO', visitorInput: { allowed: ['DEMO', 'WEB'] } },
      ],
      visibility: { public: true },
    })
  })

  it('set the parameter <name>', async () => {
    const aliased = await server.as(editor, { url: '/v/public-project/rows.json?pq_project=WEB' })
    expect(aliased.statusCode).toBe(200)
    expect(aliased.json()[0]).toEqual({ Key: 'WEB-1' })
    const page = await server.as(editor, { url: '/v/public-project?pq_project=WEB' })
    expect(page.body).toContain('WEB-1')
    expect(page.body).not.toContain('DEMO-1')
  })

  it('given together with <name> are refused with a clear error', async () => {
    const both = await server.as(editor, { url: '/v/public-project/rows.json?project=DEMO&pq_project=WEB' })
    expect(both.statusCode).toBe(400)
    expect(both.json().error).toMatchObject({
      code: 'QUARRY_PARAM_CONFLICT',
      message: 'Parameter "project" is given twice, as "project" and as "pq_project"; keep one.',
    })
  })

  it("follow a public query's visitor rules as the name does", async () => {
    const allowed = await server.as(undefined, { url: '/v/public-project/rows.json?pq_project=WEB' })
    expect(allowed.statusCode).toBe(200)
    expect(allowed.json()[0]).toEqual({ Key: 'WEB-1' })
    const other = await server.as(undefined, { url: '/v/public-project/rows.json?pq_project=OPS' })
    expect(other.statusCode).toBe(403)
    expect(other.json().error.code).toBe('QUARRY_PARAM_NOT_ALLOWED')
    const fixed = await server.as(undefined, {
      url: `/v/public-fixed?pq_jql=${encodeURIComponent('project = OPS')}`,
    })
    expect(fixed.statusCode).toBe(403)
    expect(fixed.body).not.toContain('OPS-1')
  })
})
