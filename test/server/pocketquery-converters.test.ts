import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PQ_CASES, pqPath, startPqApi } from '../helpers/pq-converters.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'

/**
 * PocketQuery's documented converters (test/fixtures/pocketquery-converters) run unchanged in the
 * server (issue 13): each is a query saved through the API and run with POST /api/queries/:name/run.
 */

let api: Awaited<ReturnType<typeof startPqApi>>
let server: TestServer
let editor: Browser
let dir: string

beforeAll(async () => {
  api = await startPqApi()
  server = await startTestServer()
  await server.engine.addDatasource({
    name: 'pq-api',
    type: 'rest',
    baseUrl: api.url,
    auth: { type: 'none' },
  })
  dir = mkdtempSync(join(tmpdir(), 'quarry-pq-converters-'))
  const file = join(dir, 'countries.db')
  const sqlite = new DatabaseSync(file)
  sqlite.exec(
    "create table countries (name text, region text); insert into countries values ('Germany', 'Europe'), ('Japan', 'Asia')",
  )
  sqlite.close()
  await server.engine.addDatasource({ name: 'lite', type: 'sqlite', path: file })
  editor = await server.signIn('eda', 'editor')
}, 30_000)
afterAll(async () => {
  await server.close()
  await api.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("running queries with PocketQuery's documented converters", () => {
  for (const c of PQ_CASES) {
    it(`${c.name}.js gives its documented rows`, async () => {
      const created = await server.as(editor, {
        method: 'POST',
        url: '/api/queries',
        payload: { name: c.query, datasource: 'pq-api', path: pqPath(c), converter: c.source },
      })
      expect(created.statusCode, created.body).toBe(201)
      const run = await server.as(editor, {
        method: 'POST',
        url: `/api/queries/${c.query}/run`,
        payload: { params: c.params },
      })
      expect(run.statusCode, run.body).toBe(200)
      expect(run.json().rows).toEqual(c.rows)
    })
  }

  it('answers an unknown PocketQuery helper with a converter error naming it', async () => {
    const created = await server.as(editor, {
      method: 'POST',
      url: '/api/queries',
      payload: {
        name: 'pq-unknown-helper',
        datasource: 'pq-api',
        path: '/scaffold',
        converter: 'function convert(json) {\n  return [{ n: PocketQuery.formatNumber(1) }]\n}',
      },
    })
    expect(created.statusCode, created.body).toBe(201)
    const run = await server.as(editor, {
      method: 'POST',
      url: '/api/queries/pq-unknown-helper/run',
      payload: {},
    })
    expect(run.statusCode).toBeGreaterThanOrEqual(400)
    expect(run.body).toContain('QUARRY_CONVERTER_RUNTIME')
    expect(run.body).toContain('PocketQuery.formatNumber is not available in Quarry converters')
    expect(run.body).toContain('line 2')
  })

  it("gives the converter preview PocketQuery's metadata too", async () => {
    const c = PQ_CASES.find((each) => each.name === 'metadata') as (typeof PQ_CASES)[number]
    const preview = await server.as(editor, {
      method: 'POST',
      url: '/api/preview/converter',
      payload: { converter: c.source, json: '[]', query: c.query, params: c.params },
    })
    expect(preview.statusCode, preview.body).toBe(200)
    expect(preview.json().rows).toEqual(c.rows)
  })

  it("gives a SQL query's converter PocketQuery's metadata", async () => {
    const c = PQ_CASES.find((each) => each.name === 'metadata') as (typeof PQ_CASES)[number]
    const created = await server.as(editor, {
      method: 'POST',
      url: '/api/queries',
      payload: {
        name: 'pq-metadata-sql',
        datasource: 'lite',
        sql: 'SELECT name FROM countries WHERE region = :Continent AND length(name) < :MinPopulation',
        converter: c.source,
      },
    })
    expect(created.statusCode, created.body).toBe(201)
    const run = await server.as(editor, {
      method: 'POST',
      url: '/api/queries/pq-metadata-sql/run',
      payload: { params: c.params },
    })
    expect(run.statusCode, run.body).toBe(200)
    expect(run.json().rows).toEqual(c.rows.map((row) => ({ ...row, QueryName: 'pq-metadata-sql' })))
  })
})
