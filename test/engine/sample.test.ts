import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import { closeSqlPools, runQuery, sampleQuery } from '../../src/engine/index.js'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'

/** sampleQuery(): what a query's converter is given, for writing one against (CLI `query sample`, the UI's "Fetch sample"). */
let api: ApiServer
let engine: TestEngine

beforeAll(async () => {
  api = await startApiServer()
  engine = await startTestEngine()
  await engine.addDatasource({ name: 'api', type: 'rest', baseUrl: api.url })
  const file = join(engine.dir, 'data.db')
  const sqlite = new DatabaseSync(file)
  sqlite.exec(
    'CREATE TABLE n (i INTEGER); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1500) INSERT INTO n SELECT i FROM c',
  )
  sqlite.close()
  await engine.addDatasource({ name: 'lite', type: 'sqlite', path: file })
})
afterAll(async () => {
  await closeSqlPools()
  await engine.close()
  await api.close()
})
beforeEach(() => api.hits.clear())

describe('sampleQuery', () => {
  it("answers a REST query's first page as the API sent it: parameters bound, one request, no converter", async () => {
    await engine.addQuery({
      name: 'paged',
      datasource: 'api',
      path: '/pages?size=:size',
      params: [{ name: 'size', type: 'integer' }],
      pagination: { type: 'page-number', pageParam: 'page', firstPage: 1, itemsPath: 'items' },
      converter: 'function convert(json) { return [{ converted: true }] }',
    })
    const { text } = await sampleQuery(engine, { query: 'paged', params: { size: '2' } })
    expect(JSON.parse(text)).toEqual({
      items: [
        { id: 1, name: 'item 1' },
        { id: 2, name: 'item 2' },
      ],
    })
    expect(api.hits.get('/pages')).toBe(1)
  })

  it("answers a SQL query's rows as one JSON array text, the first 1,000, before its converter", async () => {
    await engine.addQuery({
      name: 'numbers',
      datasource: 'lite',
      sql: 'SELECT i FROM n ORDER BY i',
      converter: 'function convert(json) { return [] }',
    })
    const rows = JSON.parse((await sampleQuery(engine, { query: 'numbers' })).text) as { i: number }[]
    expect(rows).toHaveLength(1000)
    expect(rows.at(-1)).toEqual({ i: 1000 })
  })

  it('refuses a query whose kind does not fit its datasource, as a run does', async () => {
    await engine.addQuery({ name: 'sql-on-rest', datasource: 'api', sql: 'SELECT 1' })
    const codeOf = (promise: Promise<unknown>) =>
      promise.then(
        () => 'ran',
        (error: unknown) => (isQuarryError(error) ? error.code : error),
      )
    expect(await codeOf(sampleQuery(engine, { query: 'sql-on-rest' }))).toBe('QUARRY_DATASOURCE_KIND')
    expect(await codeOf(runQuery(engine, { query: 'sql-on-rest' }))).toBe('QUARRY_DATASOURCE_KIND')
    expect(api.hits.size).toBe(0)
  })
})
