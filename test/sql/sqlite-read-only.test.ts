import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import { closeSqlPools, runQuery } from '../../src/engine/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'

/** A read-only SQLite datasource reads its own file and nothing else: not another file, not a new one. */
let engine: TestEngine
let secret: string

beforeAll(async () => {
  engine = await startTestEngine()
  const path = join(engine.dir, 'data.db')
  secret = join(engine.dir, 'secret.db')
  for (const [file, table] of [
    [path, 'items'],
    [secret, 'passwords'],
  ] as const) {
    const db = new DatabaseSync(file)
    db.exec(`CREATE TABLE ${table} (id INTEGER); INSERT INTO ${table} VALUES (1)`)
    db.close()
  }
  await engine.addDatasource({ name: 'lite', type: 'sqlite', path })
})
afterAll(async () => {
  await closeSqlPools()
  await engine.close()
})

async function refusal(name: string, sql: string): Promise<string> {
  await engine.addQuery({ name, datasource: 'lite', sql })
  try {
    await runQuery(engine, { query: name })
  } catch (error) {
    if (isQuarryError(error)) return error.code
    throw error
  }
  return 'ran'
}

describe('a read-only SQLite datasource', () => {
  it('cannot ATTACH another database file (the store, say)', async () => {
    expect(await refusal('attach', `ATTACH '${secret}' AS s`)).not.toBe('ran')
  })

  it('cannot switch query_only off', async () => {
    expect(await refusal('pragma', 'PRAGMA query_only = OFF')).toBe('QUARRY_SQL_READ_ONLY')
  })

  it('cannot VACUUM INTO a new file', async () => {
    const target = join(engine.dir, 'copy.db')
    expect(await refusal('vacuum', `VACUUM INTO '${target}'`)).toBe('QUARRY_SQL_READ_ONLY')
    expect(existsSync(target)).toBe(false)
  })

  it('still reads, with CTEs and functions', async () => {
    await engine.addQuery({
      name: 'read',
      datasource: 'lite',
      sql: "WITH x AS (SELECT id FROM items) SELECT count(*) AS n, upper('a') AS a FROM x",
    })
    expect(JSON.parse((await runQuery(engine, { query: 'read' })).rowsJson)).toEqual([{ n: 1, a: 'A' }])
  })
})
