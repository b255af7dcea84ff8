import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConverterError } from '../../src/convert/index.js'
import { closeSqlPools, runQuery } from '../../src/engine/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'

/** A converter that returns `n` rows per call, whatever the data. */
const rows = (n: number): string =>
  `function convert() { return Array.from({ length: ${n} }, (_, i) => ({ i })) }`

let engine: TestEngine

beforeAll(async () => {
  engine = await startTestEngine()
  const path = join(engine.dir, 'data.db')
  const db = new DatabaseSync(path)
  db.exec('CREATE TABLE items (id INTEGER); INSERT INTO items VALUES (1)')
  db.close()
  await engine.addDatasource({ name: 'plain', type: 'sqlite', path })
  await engine.addDatasource({ name: 'capped', type: 'sqlite', path, converterMaxRows: 10 })
})
afterAll(async () => {
  await closeSqlPools()
  await engine.close()
})

async function failure(query: string): Promise<ConverterError> {
  try {
    await runQuery(engine, { query: query })
  } catch (error) {
    if (error instanceof ConverterError) return error
    throw error
  }
  throw new Error(`${query} was expected to fail`)
}

describe("a converter's row and byte limits are set per query and per datasource", () => {
  it('uses the default limit when neither sets one', async () => {
    await engine.addQuery({
      name: 'many',
      datasource: 'plain',
      sql: 'SELECT id FROM items',
      converter: rows(1000),
    })
    expect((await runQuery(engine, { query: 'many' })).rowCount).toBe(1000)
  })

  it("applies the datasource's converterMaxRows to its queries", async () => {
    await engine.addQuery({
      name: 'over-ds',
      datasource: 'capped',
      sql: 'SELECT id FROM items',
      converter: rows(11),
    })
    const error = await failure('over-ds')
    expect(error.kind).toBe('limit')
    expect(error.message).toMatch(
      /^Converter returned more than 10 rows, the row limit for one run; .*raise converterMaxRows on the query or its datasource/,
    )
  })

  it("lets a query's own converterMaxRows win over its datasource's", async () => {
    await engine.addQuery({
      name: 'raised',
      datasource: 'capped',
      sql: 'SELECT id FROM items',
      converter: rows(11),
      converterMaxRows: 20,
    })
    expect((await runQuery(engine, { query: 'raised' })).rowCount).toBe(11)
  })

  it("applies a query's converterMaxBytes", async () => {
    await engine.addQuery({
      name: 'wide',
      datasource: 'plain',
      sql: 'SELECT id FROM items',
      converter: "function convert() { return [{ t: 'x'.repeat(5000) }] }",
      converterMaxBytes: 4096,
    })
    expect((await failure('wide')).message).toMatch(
      /^Converter returned more than 4096 bytes of rows as JSON/,
    )
  })
})
