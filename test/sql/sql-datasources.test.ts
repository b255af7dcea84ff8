import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import mysql from 'mysql2/promise'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { DatasourceInput } from '../../src/domain/datasource.js'
import { isQuarryError } from '../../src/domain/errors.js'
import type { ParamSpec } from '../../src/domain/query.js'
import { closeSqlPools, runQuery } from '../../src/engine/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'

/**
 * SQL datasources, one suite across PostgreSQL, MariaDB (the machine's servers) and a SQLite file:
 * typed parameters, injection attempts, the read-only rule, the statement timeout, the row limit,
 * types as JSON, converters and the cache — all through runQuery, as the CLI and the server run them.
 */

const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' }

interface Target {
  readonly datasource: Exclude<DatasourceInput, { type: 'rest' }>
  /** SQL that sleeps for seconds, for the timeout. */
  readonly sleep: string
  /** SQL that returns the integers 1…10,000 as column x. */
  readonly series: string
  /** Each column's JSON after the round trip. */
  readonly typed: Record<string, unknown>
  readonly typedSql: string
  /** The rows left in the people table (an injection must not have changed them). */
  count(): Promise<number>
  drop(): Promise<void>
}

const table = `quarry_sql_${randomBytes(4).toString('hex')}`
const PEOPLE = [
  [1, 'Ada', 36],
  [2, 'Grace', 45],
  [3, "O'Hara", 29],
] as const

async function postgresTarget(): Promise<Target> {
  const schema: TestSchema = await createTestSchema()
  await schema.pool.query(`
    create table ${table} (id int primary key, name text not null, age int);
    insert into ${table} values ${PEOPLE.map(([id, name, age]) => `(${id}, '${name.replace("'", "''")}', ${age})`).join(', ')};
    create table ${table}_types (
      big bigint, huge bigint, price numeric(12,2), exact numeric, ratio double precision, flag boolean,
      born date, at timestamptz, local timestamp, doc jsonb, raw bytea, tags text[], empty text);
    insert into ${table}_types values (42, 9223372036854775807, 12.50, 12345678901234567890.123, 0.5, true,
      '2026-01-15', '2026-01-15 12:30:00.123456+02', '2026-01-15 10:30:00', '{"k": [1, 2]}', '\\x00ff', '{a,b}', null);`)
  return {
    datasource: { name: 'db', type: 'postgres', url: schema.url, statementTimeoutMs: 300 },
    sleep: 'SELECT pg_sleep(5)',
    series: 'SELECT x FROM generate_series(1, 10000) AS x',
    typedSql: `SELECT * FROM ${table}_types`,
    typed: {
      big: 42,
      huge: '9223372036854775807',
      price: 12.5,
      exact: '12345678901234567890.123',
      ratio: 0.5,
      flag: true,
      born: '2026-01-15',
      at: '2026-01-15T10:30:00.123456Z',
      local: '2026-01-15T10:30:00',
      doc: { k: [1, 2] },
      raw: 'AP8=',
      tags: ['a', 'b'],
      empty: null,
    },
    count: async () => Number((await schema.pool.query(`select count(*) as n from ${table}`)).rows[0].n),
    drop: () => schema.drop(),
  }
}

async function mariadbTarget(): Promise<Target> {
  let admin: mysql.Connection
  try {
    admin = await mysql.createConnection({ ...MARIADB, multipleStatements: true, connectTimeout: 5000 })
  } catch (error) {
    throw new Error(
      `MariaDB is not reachable at ${MARIADB.host}:${MARIADB.port} as ${MARIADB.user} (${(error as Error).message}). ` +
        'The SQL datasource tests run against it and are never skipped: start MariaDB (database "test").',
      { cause: error },
    )
  }
  await admin.query(`
    SET time_zone = '+00:00';
    create table ${table} (id int primary key, name varchar(50) not null, age int);
    insert into ${table} values ${PEOPLE.map(([id, name, age]) => `(${id}, '${name.replace("'", "''")}', ${age})`).join(', ')};
    create table ${table}_types (
      big bigint, huge bigint, price decimal(12,2), exact decimal(30,3), ratio double, flag boolean,
      born date, at timestamp(6) null, local datetime, doc json, raw varbinary(8), empty text);
    insert into ${table}_types values (42, 9223372036854775807, 12.50, 12345678901234567890.123, 0.5, true,
      '2026-01-15', '2026-01-15 10:30:00.123456', '2026-01-15 10:30:00', '{"k": [1, 2]}', x'00ff', null);`)
  return {
    datasource: { name: 'db', type: 'mysql', ...MARIADB, statementTimeoutMs: 300 },
    sleep: 'SELECT SLEEP(5)',
    series: 'SELECT seq AS x FROM seq_1_to_10000', // MariaDB's Sequence engine
    typedSql: `SELECT * FROM ${table}_types`,
    typed: {
      big: 42,
      huge: '9223372036854775807',
      price: 12.5,
      exact: '12345678901234567890.123',
      ratio: 0.5,
      flag: 1, // MySQL's BOOLEAN is TINYINT(1)
      born: '2026-01-15',
      at: '2026-01-15T10:30:00.123456Z',
      local: '2026-01-15T10:30:00',
      doc: { k: [1, 2] },
      raw: 'AP8=',
      empty: null,
    },
    count: async () => {
      const [rows] = await admin.query(`select count(*) as n from ${table}`)
      return Number((rows as { n: number }[])[0]?.n)
    },
    drop: async () => {
      await admin.query(`drop table if exists ${table}; drop table if exists ${table}_types`)
      await admin.end()
    },
  }
}

async function sqliteTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-sql-'))
  const path = join(dir, 'data.db')
  const db = new DatabaseSync(path)
  db.exec(`
    create table ${table} (id integer primary key, name text not null, age integer);
    insert into ${table} values ${PEOPLE.map(([id, name, age]) => `(${id}, '${name.replace("'", "''")}', ${age})`).join(', ')};
    create table ${table}_types (big integer, huge integer, ratio real, raw blob, born text, empty text);
    insert into ${table}_types values (42, 9223372036854775807, 0.5, x'00ff', '2026-01-15', null);`)
  db.close()
  return {
    datasource: { name: 'db', type: 'sqlite', path, statementTimeoutMs: 300, maxRows: 100_000_000 },
    // node:sqlite cannot interrupt one long step; the timeout is checked between rows of an endless result.
    sleep: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c',
    series: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000) SELECT x FROM c',
    typedSql: `SELECT * FROM ${table}_types`,
    typed: { big: 42, huge: '9223372036854775807', ratio: 0.5, raw: 'AP8=', born: '2026-01-15', empty: null },
    count: async () => {
      const check = new DatabaseSync(path, { readOnly: true })
      const row = check.prepare(`select count(*) as n from ${table}`).get() as { n: number }
      check.close()
      return row.n
    },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

const TARGETS = [
  ['PostgreSQL', postgresTarget],
  ['MariaDB', mariadbTarget],
  ['SQLite', sqliteTarget],
] as const

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise
  } catch (error) {
    if (isQuarryError(error)) return { code: error.code, message: error.message }
    throw error
  }
  throw new Error('expected the run to fail')
}

for (const [label, start] of TARGETS) {
  describe(`SQL datasource: ${label}`, () => {
    let target: Target
    let engine: TestEngine
    let queries = 0

    beforeAll(async () => {
      target = await start()
    })
    afterAll(async () => {
      await target?.drop()
    })
    beforeEach(async () => {
      engine = await startTestEngine()
      await engine.addDatasource(target.datasource)
    })
    afterEach(async () => {
      await closeSqlPools()
      await engine.close()
    })

    /** Adds a query on the datasource and runs it. */
    async function run(
      sql: string,
      params: ParamSpec[] = [],
      given: Record<string, string> = {},
      extra: { maxRows?: number; converter?: string; cacheTtlSeconds?: number } = {},
    ) {
      const name = `q${++queries}`
      await engine.addQuery({ name, datasource: 'db', sql, params, ...extra })
      const result = await runQuery(engine, { query: name, params: given })
      return { ...result, rows: JSON.parse(result.rowsJson) as Record<string, unknown>[] }
    }

    it('binds typed parameters (integer, number, string, boolean, date, list)', async () => {
      const { rows } = await run(
        `SELECT id, name FROM ${table}
         WHERE id >= :min AND age < :maxAge AND name <> :not AND name IN (:names) AND :yes AND :day <> ''
         ORDER BY id`,
        [
          { name: 'min', type: 'integer' },
          { name: 'maxAge', type: 'number' },
          { name: 'not', type: 'string' },
          { name: 'names', type: 'list' },
          { name: 'yes', type: 'boolean' },
          { name: 'day', type: 'date' },
        ],
        { min: '1', maxAge: '40.5', not: 'Grace', names: "Ada,Grace,O'Hara", yes: 'true', day: '2026-01-15' },
      )
      expect(rows).toEqual([
        { id: 1, name: 'Ada' },
        { id: 3, name: "O'Hara" },
      ])
    })

    it('keeps an injection attempt in every parameter type as data (or refuses it by type)', async () => {
      const evil = `x' OR '1'='1'; DELETE FROM ${table}; --`
      const byName = await run(
        `SELECT id FROM ${table} WHERE name = :name`,
        [{ name: 'name', type: 'string' }],
        { name: evil },
      )
      expect(byName.rows).toEqual([])
      const backslash = await run(
        `SELECT id FROM ${table} WHERE name = :name`,
        [{ name: 'name', type: 'string' }],
        { name: "\\' OR 1=1 -- " },
      )
      expect(backslash.rows).toEqual([])
      const inList = await run(
        `SELECT id FROM ${table} WHERE name IN (:names)`,
        [{ name: 'names', type: 'list' }],
        {
          names: `Ada,${evil}`,
        },
      )
      expect(inList.rows).toEqual([{ id: 1 }])
      for (const type of ['integer', 'number', 'boolean', 'date'] as const) {
        const refused = await failure(
          run(`SELECT id FROM ${table} WHERE :v IS NOT NULL`, [{ name: 'v', type }], {
            v: `1 OR 1=1; DELETE FROM ${table}`,
          }),
        )
        expect(refused.code).toBe('QUARRY_PARAM_TYPE')
      }
      // A constant goes in as a quoted identifier — even a hostile value on the admin's list is only a name.
      const hostile = `${table}; DELETE FROM ${table}; --`
      const constant = await failure(
        run('SELECT * FROM :t', [{ name: 't', type: 'constant', values: [table, hostile] }], { t: hostile }),
      )
      expect(constant.code).toBe('QUARRY_SQL_ERROR')
      const allowed = await run(
        'SELECT count(*) AS n FROM :t',
        [{ name: 't', type: 'constant', values: [table] }],
        {
          t: table,
        },
      )
      expect(allowed.rows).toEqual([{ n: 3 }])
      expect(await target.count()).toBe(3)
    })

    it('does not take :name inside string literals or comments for a parameter', async () => {
      const { rows } = await run(
        `SELECT ':id' AS lit, id FROM ${table} /* :nope */ WHERE id = :id -- :nope`,
        [{ name: 'id', type: 'integer' }],
        { id: '2' },
      )
      expect(rows).toEqual([{ lit: ':id', id: 2 }])
    })

    it('refuses a write with a clear message: queries run read-only', async () => {
      const refused = await failure(run(`INSERT INTO ${table} (id, name) VALUES (99, 'Eve')`))
      expect(refused.code).toBe('QUARRY_SQL_READ_ONLY')
      expect(refused.message).toMatch(/^Datasource "db" \(\w+\) is read-only and the query tried to write: /)
      expect(refused.message).toContain('"readOnly": false')
      expect(await target.count()).toBe(3)
    })

    it('refuses schema changes too (MySQL would commit a read-only transaction before DDL)', async () => {
      for (const statement of [`DROP TABLE ${table}`, `ALTER TABLE ${table} ADD COLUMN extra INTEGER`]) {
        const refused = await failure(run(statement))
        expect(refused.code, statement).toBe('QUARRY_SQL_READ_ONLY')
      }
      expect(await target.count()).toBe(3)
      expect((await run(`SELECT * FROM ${table} WHERE id = 1`)).rows).toEqual([
        expect.not.objectContaining({ extra: null }),
      ])
    })

    it('cancels a statement that runs past the datasource’s statement timeout', async () => {
      const started = performance.now()
      await engine.addQuery({ name: 'slow', datasource: 'db', sql: target.sleep })
      const refused = await failure(runQuery(engine, { query: 'slow', onRows: async () => undefined }))
      expect(refused.code).toBe('QUARRY_SQL_TIMEOUT')
      expect(refused.message).toContain('statement timeout (300 ms)')
      expect(performance.now() - started).toBeLessThan(4000)
    })

    it('stops a running statement when the caller aborts', async () => {
      // A long statement timeout, so only the abort can end the statement early.
      await engine.addDatasource({ ...target.datasource, name: 'patient', statementTimeoutMs: 20_000 })
      await engine.addQuery({ name: 'slow', datasource: 'patient', sql: target.sleep })
      const controller = new AbortController()
      const reason = new Error('the caller went away')
      // The caller's own timing, not a wait: aborted before or during the statement, the run rejects with the reason.
      setTimeout(() => controller.abort(reason), 100)
      const started = performance.now()
      await expect(
        runQuery(engine, { query: 'slow', signal: controller.signal, onRows: async () => undefined }),
      ).rejects.toBe(reason)
      expect(performance.now() - started).toBeLessThan(3000) // SLEEP(5) and the endless SQLite scan would take longer
    })

    it('reports the row limit when the query has more rows — never a silent truncation', async () => {
      const capped = await run(`SELECT id FROM ${table} ORDER BY id`, [], {}, { maxRows: 2 })
      expect(capped.rows).toEqual([{ id: 1 }, { id: 2 }])
      expect(capped.notices).toEqual(["Stopped at 2 rows (the query's maxRows); the query returns more."])
      const exact = await run(`SELECT id FROM ${table} ORDER BY id`, [], {}, { maxRows: 3 })
      expect(exact.rowCount).toBe(3)
      expect(exact.notices).toEqual([])
    })

    it('stops reading at the limit mid-stream (batches in flight), and the pool stays usable', async () => {
      const capped = await run(target.series, [], {}, { maxRows: 2500 })
      expect(capped.rowCount).toBe(2500)
      expect(capped.rows.at(-1)).toEqual({ x: 2500 })
      expect(capped.notices).toEqual(["Stopped at 2500 rows (the query's maxRows); the query returns more."])
      // More runs than the pool has connections: none was left mid-statement.
      for (let i = 0; i < 6; i++) expect((await run(target.series)).rowCount).toBe(10_000)
    })

    it('maps column types to JSON faithfully', async () => {
      const { rows } = await run(target.typedSql)
      expect(rows).toEqual([target.typed])
    })

    it('hands the rows to a converter as JSON text, and caches the converted result', async () => {
      const converter = `function convert(json, metadata) {
        return JSON.parse(json).map((row) => ({ Name: row.name.toUpperCase(), Query: metadata.query }))
      }`
      const first = await run(
        `SELECT name FROM ${table} WHERE id <= :id ORDER BY id`,
        [{ name: 'id', type: 'integer' }],
        { id: '2' },
        { converter, cacheTtlSeconds: 60 },
      )
      expect(first.rows).toEqual([
        { Name: 'ADA', Query: `q${queries}` },
        { Name: 'GRACE', Query: `q${queries}` },
      ])
      const again = await runQuery(engine, { query: `q${queries}`, params: { id: '2' } })
      expect(again.fromCache).toBe(true)
      expect(JSON.parse(again.rowsJson)).toEqual(first.rows)
      const other = await runQuery(engine, { query: `q${queries}`, params: { id: '1' } })
      expect(other.fromCache).toBe(false)
      expect(other.rowCount).toBe(1)
    })

    it('streams rows to onRows in batches', async () => {
      await engine.addQuery({ name: 'all', datasource: 'db', sql: `SELECT id FROM ${table} ORDER BY id` })
      const batches: unknown[] = []
      const result = await runQuery(engine, {
        query: 'all',
        onRows: async (json) => {
          batches.push(...(JSON.parse(json) as unknown[]))
        },
      })
      expect(result.rowsJson).toBe('')
      expect(result.rowCount).toBe(3)
      expect(batches).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }])
    })
  })
}

describe('SQL queries and datasources of the other kind', () => {
  it('says so when a SQL datasource gets a query with a path', async () => {
    const engine = await startTestEngine()
    try {
      await engine.addDatasource({ name: 'lite', type: 'sqlite', path: join(engine.dir, 'none.db') })
      await engine.addQuery({ name: 'q', datasource: 'lite', path: '/x' })
      const refused = await failure(runQuery(engine, { query: 'q' }))
      expect(refused).toEqual({
        code: 'QUARRY_DATASOURCE_KIND',
        message:
          'Query "q" has a path, but datasource "lite" is a sqlite database: give it --sql "SELECT …" instead.',
      })
    } finally {
      await engine.close()
    }
  })

  it('PostgreSQL: a run whose consumer gives up gives its connection back outside any transaction', async () => {
    const engine = await startTestEngine()
    try {
      await engine.addDatasource({
        name: 'pg1',
        type: 'postgres',
        url: 'postgres://postgres@127.0.0.1:5432/test',
        poolSize: 1,
      })
      await engine.addQuery({ name: 'two', datasource: 'pg1', sql: 'SELECT 1 AS x UNION ALL SELECT 2' })
      await engine.addQuery({
        name: 'fresh',
        datasource: 'pg1',
        // now() is the start of the transaction: a left-over one would be older than this statement.
        sql: "SELECT clock_timestamp() - now() < interval '100 milliseconds' AS fresh",
      })
      const gone = new Error('the reader went away')
      const failed = runQuery(engine, {
        query: 'two',
        onRows: async () => {
          throw gone
        },
      })
      await expect(failed).rejects.toBe(gone)
      // No wait needed: with a pool of one, the next run gets the connection only once it is given back.
      expect(JSON.parse((await runQuery(engine, { query: 'fresh' })).rowsJson)).toEqual([{ fresh: true }])
    } finally {
      await closeSqlPools()
      await engine.close()
    }
  })

  it("connects as the fields given beside a url, not as the url's own parts", async () => {
    const engine = await startTestEngine()
    try {
      // The url names no user: the drivers used to fall back to the operating-system user.
      await engine.addDatasource({
        name: 'pgu',
        type: 'postgres',
        url: 'postgres://127.0.0.1:5432/test',
        user: 'postgres',
      })
      await engine.addQuery({ name: 'who', datasource: 'pgu', sql: 'SELECT current_user AS who' })
      expect(JSON.parse((await runQuery(engine, { query: 'who' })).rowsJson)).toEqual([{ who: 'postgres' }])
      await engine.addDatasource({
        name: 'mdb',
        type: 'mysql',
        url: 'mysql://root@127.0.0.1:3306/test',
        database: 'information_schema',
      })
      await engine.addQuery({ name: 'where', datasource: 'mdb', sql: 'SELECT database() AS db' })
      expect(JSON.parse((await runQuery(engine, { query: 'where' })).rowsJson)).toEqual([
        { db: 'information_schema' },
      ])
    } finally {
      await closeSqlPools()
      await engine.close()
    }
  })

  it('asks for TLS when told to, and says so when the server has none', async () => {
    const engine = await startTestEngine()
    try {
      await engine.addDatasource({
        name: 'tls',
        type: 'postgres',
        url: 'postgres://postgres@127.0.0.1:5432/test',
        tls: { mode: 'require' },
      })
      await engine.addQuery({ name: 'q', datasource: 'tls', sql: 'SELECT 1' })
      const refused = await failure(runQuery(engine, { query: 'q' }))
      expect(refused.code).toBe('QUARRY_SQL_CONNECT')
      expect(refused.message).toMatch(/SSL/)
    } finally {
      await closeSqlPools()
      await engine.close()
    }
  })

  it('says which server could not be reached, without the password', async () => {
    const engine = await startTestEngine()
    try {
      await engine.addDatasource({
        name: 'gone',
        type: 'postgres',
        url: 'postgres://postgres@127.0.0.1:1/test',
        password: 'hunter2-secret',
      })
      await engine.addQuery({ name: 'q', datasource: 'gone', sql: 'SELECT 1' })
      const refused = await failure(runQuery(engine, { query: 'q' }))
      expect(refused.code).toBe('QUARRY_SQL_CONNECT')
      expect(refused.message).toMatch(/^Datasource "gone" \(postgres\) cannot be reached/)
      expect(refused.message).not.toContain('hunter2')
    } finally {
      await closeSqlPools()
      await engine.close()
    }
  })
})
