import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'

/** `quarry datasource add --type postgres|mysql|sqlite`, `query add --sql`, `run --format csv`: the built CLI, as a user runs it. */

const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
let dir: string
let db: string
let pg: TestSchema

function quarry(
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, '--db', db, ...args], {
      env: {
        ...process.env,
        QUARRY_SECRET_KEY: TEST_SECRET_KEY,
        QUARRY_DATABASE_URL: '',
        XDG_DATA_HOME: dir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('exit', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }))
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-sql-cli-'))
  db = join(dir, 'quarry.db')
  pg = await createTestSchema()
  await pg.pool.query(`
    create table orders (id int primary key, customer text, total numeric(10,2), placed timestamptz);
    insert into orders values (1, 'Ada', 12.50, '2026-01-15 10:30:00Z'), (2, 'Grace, Hopper', 99.99, '2026-02-01 08:00:00Z');`)
})
afterAll(async () => {
  await pg?.drop()
  rmSync(dir, { recursive: true, force: true })
})

describe('quarry with a PostgreSQL datasource', () => {
  it('adds the datasource, with the password encrypted and masked', async () => {
    const added = await quarry(
      'datasource',
      'add',
      'shop',
      '--type',
      'postgres',
      '--url',
      pg.url,
      '--password',
      'pg-SECRET-pass',
    )
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toMatch(
      /^Added datasource "shop" \(postgres, postgres:\/\/postgres@127\.0\.0\.1:5432\/test/,
    )
    const shown = await quarry('datasource', 'show', 'shop')
    expect(JSON.parse(shown.stdout)).toMatchObject({ type: 'postgres', password: '••••••', readOnly: true })
    expect(readFileSync(db).includes('pg-SECRET-pass')).toBe(false)
  })

  it('tests the datasource by connecting and printing the server version', async () => {
    const { stdout, code } = await quarry('datasource', 'test', 'shop')
    expect(code).toBe(0)
    expect(stdout).toMatch(/^ok: shop works \(PostgreSQL \d+\.\d+.*, connected in \d+ ms\)\n$/)
  })

  it('adds a SQL query with a typed parameter and runs it to CSV, exiting at once', async () => {
    const added = await quarry(
      'query',
      'add',
      'orders',
      '--datasource',
      'shop',
      '--sql',
      'SELECT id, customer, total, placed FROM orders WHERE id >= :from ORDER BY id',
      '--param',
      'from:integer=1',
    )
    expect(added.code, added.stderr).toBe(0)
    const run = await quarry('run', 'orders', '--format', 'csv', '--param', 'from=1')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.split('\r\n')).toEqual([
      'id,customer,total,placed',
      '1,Ada,12.5,2026-01-15T10:30:00Z',
      '2,"Grace, Hopper",99.99,2026-02-01T08:00:00Z',
      '',
    ])
    // The pool is closed when the run ends: no idle connection holds the process for its idle timeout.
    expect(run.ms).toBeLessThan(5000)
  })

  it('lists the query with its SQL', async () => {
    const { stdout } = await quarry('query', 'list')
    expect(stdout).toContain(
      'orders  ·  shop  ·  SELECT id, customer, total, placed FROM orders WHERE id >= …  ·  :from',
    )
  })

  it('refuses a REST query on a SQL datasource at add time', async () => {
    const { stderr, code } = await quarry('query', 'add', 'bad', '--datasource', 'shop', '--path', '/x')
    expect(code).toBe(2)
    expect(stderr).toContain(
      'Datasource "shop" is a postgres database: a query on it needs --sql "SELECT …".',
    )
  })

  it('says a write was refused, exit code 1', async () => {
    await quarry('query', 'add', 'wipe', '--datasource', 'shop', '--sql', 'DELETE FROM orders')
    const { stderr, code } = await quarry('run', 'wipe')
    expect(code).toBe(1)
    expect(stderr).toContain('Datasource "shop" (postgres) is read-only and the query tried to write')
    expect(Number((await pg.pool.query('select count(*) as n from orders')).rows[0].n)).toBe(2)
  })
})

describe('quarry with MariaDB and SQLite datasources', () => {
  it('tests a MariaDB datasource given by host, port, user and database', async () => {
    const added = await quarry(
      'datasource',
      'add',
      'maria',
      '--type',
      'mysql',
      '--host',
      '127.0.0.1',
      '--port',
      '3306',
      '--user',
      'root',
      '--database',
      'test',
    )
    expect(added.code, added.stderr).toBe(0)
    const { stdout, code, ms } = await quarry('datasource', 'test', 'maria')
    expect(stdout).toMatch(/^ok: maria works \(MariaDB \d+\.\d+/)
    expect(code).toBe(0)
    expect(ms).toBeLessThan(5000)
  })

  it('runs a query on a SQLite file given by --path', async () => {
    const file = join(dir, 'data.db')
    const sqlite = new DatabaseSync(file)
    sqlite.exec("create table t (id integer, name text); insert into t values (1, 'one'), (2, 'two')")
    sqlite.close()
    expect((await quarry('datasource', 'add', 'lite', '--type', 'sqlite', '--path', file)).code).toBe(0)
    await quarry(
      'query',
      'add',
      'names',
      '--datasource',
      'lite',
      '--sql',
      'SELECT name FROM t WHERE id IN (:ids)',
      '--param',
      'ids:list',
    )
    const run = await quarry('run', 'names', '--format', 'json', '--param', 'ids=1,2')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual([{ name: 'one' }, { name: 'two' }])
  })

  it("prints a query's sample: the rows its converter is given, for the parameters given", async () => {
    const sample = await quarry('query', 'sample', 'names', '--param', 'ids=2')
    expect(sample.code, sample.stderr).toBe(0)
    expect(sample.stdout).toBe('[{"name":"two"}]\n')
  })

  it('says what a SQL datasource needs when --url and --host are both missing', async () => {
    const { stderr, code } = await quarry('datasource', 'add', 'nowhere', '--type', 'postgres')
    expect(code).toBe(2)
    expect(stderr).toContain(
      'A postgres datasource needs --url postgres://USER@HOST:PORT/DATABASE or --host HOST',
    )
  })
})
