import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The PostgreSQL the tests use when QUARRY_TEST_DATABASE_URL is unset: the machine's (and CI's) server. */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test'

/**
 * The server the store tests run against.
 *
 * @example
 * const url = testDatabaseUrl() // QUARRY_TEST_DATABASE_URL, or DEFAULT_TEST_DATABASE_URL
 */
export function testDatabaseUrl(): string {
  const url = process.env.QUARRY_TEST_DATABASE_URL
  return url !== undefined && url !== '' ? url : DEFAULT_TEST_DATABASE_URL
}

/** A schema of its own for one test file, on the test server. */
export interface TestSchema {
  readonly schema: string
  /** The server URL with `options=-c search_path=<schema>`: everything opened with it lives in the schema. */
  readonly url: string
  /** A pool on the schema, for raw SQL (tampering, dumps). */
  readonly pool: pg.Pool
  /** Every row of every table in the schema, as text (`SELECT t::text FROM … t`). */
  dump(): Promise<string>
  /** Drops the schema and everything in it, and closes the pool. */
  drop(): Promise<void>
}

/** `url` with its search_path set to `schema` (in the startup packet, so every pooled connection has it). */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url)
  parsed.searchParams.set('options', `-c search_path=${schema}`)
  return parsed.toString()
}

/**
 * Creates a schema `quarry_test_<random>` on the test server. When the server cannot be reached this
 * throws an error saying so — the store's PostgreSQL tests fail then, they are never skipped.
 *
 * @example
 * const target = await createTestSchema()
 * try { … openStore({ databaseUrl: target.url }) … } finally { await target.drop() }
 */
export async function createTestSchema(): Promise<TestSchema> {
  const base = testDatabaseUrl()
  const schema = `quarry_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: base, connectionTimeoutMillis: 5_000 })
  try {
    await admin.connect()
    await admin.query(`create schema ${schema}`)
  } catch (error) {
    await admin.end().catch(() => {})
    const shown = new URL(base)
    if (shown.password !== '') shown.password = '***'
    throw new Error(
      `PostgreSQL is not reachable at ${shown.toString()} (${(error as Error).message || String(error)}). ` +
        `The store tests run against both SQLite and PostgreSQL and are never skipped: start PostgreSQL ` +
        `(127.0.0.1:5432, trust auth, database "test") or set QUARRY_TEST_DATABASE_URL.`,
      { cause: error },
    )
  }
  await admin.end()

  const url = withSearchPath(base, schema)
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  pool.on('error', () => {})
  return {
    schema,
    url,
    pool,
    async dump() {
      const tables = await pool.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = $1 order by table_name`,
        [schema],
      )
      const lines: string[] = []
      for (const { table_name: table } of tables.rows) {
        const rows = await pool.query<{ row: string }>(`select t::text as row from ${schema}."${table}" t`)
        for (const { row } of rows.rows) lines.push(`${table}: ${row}`)
      }
      return lines.join('\n')
    },
    async drop() {
      await pool.end().catch(() => {})
      const dropper = new pg.Client({ connectionString: base })
      await dropper.connect()
      try {
        await dropper.query(`drop schema if exists ${schema} cascade`)
      } finally {
        await dropper.end()
      }
    },
  }
}
