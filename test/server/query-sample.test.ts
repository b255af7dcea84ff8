import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeSqlPools, sampleQuery } from '../../src/engine/index.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

/** POST /api/queries/:name/sample (the admin UI's "Fetch sample") answers the engine's sampleQuery. */
let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
  const file = join(server.engine.dir, 'data.db')
  const sqlite = new DatabaseSync(file)
  sqlite.exec("CREATE TABLE t (id INTEGER, name TEXT); INSERT INTO t VALUES (1, 'one'), (2, 'two')")
  sqlite.close()
  await server.engine.addDatasource({ name: 'lite', type: 'sqlite', path: file })
  await server.engine.addQuery({
    name: 'names',
    datasource: 'lite',
    sql: 'SELECT name FROM t WHERE id >= :from ORDER BY id',
    params: [{ name: 'from', type: 'integer' }],
  })
})
afterAll(async () => {
  await closeSqlPools()
  await server.close()
})

describe('POST /api/queries/:name/sample', () => {
  it("answers the query's sample for the parameters given, as the CLI's `query sample` prints it", async () => {
    const editor = await server.signIn('eve', 'editor')
    const response = await server.as(editor, {
      method: 'POST',
      url: '/api/queries/names/sample',
      payload: { params: { from: '2' } },
    })
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toEqual({ text: '[{"name":"two"}]' })
    expect(response.json()).toEqual(
      await sampleQuery(server.engine, { query: 'names', params: { from: '2' } }),
    )
  })
})
