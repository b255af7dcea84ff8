import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import pg from 'pg'
import {
  defaultDataDir,
  defaultSqlitePath,
  openStore,
  redactDatabaseUrl,
  StoreError,
  type Store,
} from '../../src/store/index.js'
import { createTestSchema, testDatabaseUrl, withSearchPath } from '../helpers/postgres.js'
import { DIALECTS, TEST_KEY, useStoreTarget } from './harness.js'

const scratch = mkdtempSync(join(tmpdir(), 'quarry-store-open-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
let counter = 0
const freshDir = () => join(scratch, `case-${++counter}`)

async function failure(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(StoreError)
  return error as StoreError
}

describe('opening a store', () => {
  test('an unreachable PostgreSQL is QUARRY_STORE_UNREACHABLE with host:port and reason, password redacted', async () => {
    const error = await failure(
      openStore({ databaseUrl: 'postgres://quarry:hunter2-pw@127.0.0.1:1/quarry', secretKey: TEST_KEY }),
    )
    expect(error.code).toBe('QUARRY_STORE_UNREACHABLE')
    expect(error.message).toContain(
      'Cannot connect to PostgreSQL at 127.0.0.1:1 (postgres://quarry:***@127.0.0.1:1/quarry)',
    )
    expect(error.message).toContain('ECONNREFUSED')
    expect(error.message).not.toContain('hunter2')
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('hunter2')
  })

  test('a host that does not resolve names the host and the reason', async () => {
    const error = await failure(
      openStore({ databaseUrl: 'postgresql://u:pw-secret@no-such-host.invalid/db' }),
    )
    expect(error.code).toBe('QUARRY_STORE_UNREACHABLE')
    expect(error.message).toContain('no-such-host.invalid:5432')
    expect(error.message).toMatch(/ENOTFOUND|EAI_AGAIN/) // EAI_AGAIN where there is no resolver at all
    expect(error.message).not.toContain('pw-secret')
  })

  test('a URL that is not PostgreSQL, or does not parse, is QUARRY_STORE_URL_INVALID without the password', async () => {
    const notPostgres = await failure(openStore({ databaseUrl: 'mysql://root:pw-secret@localhost/db' }))
    expect(notPostgres.code).toBe('QUARRY_STORE_URL_INVALID')
    expect(notPostgres.message).toContain('must start with postgres:// or postgresql://')
    expect(notPostgres.message).not.toContain('pw-secret')
    const broken = await failure(openStore({ databaseUrl: 'postgres://u:pw-secret@[::1/db' }))
    expect(broken.code).toBe('QUARRY_STORE_URL_INVALID')
    expect(broken.message).not.toContain('pw-secret')
  })

  test('redactDatabaseUrl hides passwords in the userinfo and the query', () => {
    expect(redactDatabaseUrl('postgres://app:s3cret@db:5432/quarry')).toBe(
      'postgres://app:***@db:5432/quarry',
    )
    expect(redactDatabaseUrl('postgres://db/quarry?user=app&password=s3cret')).toBe(
      'postgres://db/quarry?user=app&password=***',
    )
    expect(redactDatabaseUrl('postgres://app@db/quarry')).toBe('postgres://app@db/quarry')
    expect(redactDatabaseUrl('postgres://a:s3cret@[bad')).not.toContain('s3cret')
  })

  test('a file that is not a database is QUARRY_STORE_OPEN_FAILED naming the path', async () => {
    const dir = freshDir()
    const path = join(dir, 'notes.txt')
    await openStore({ sqlitePath: join(dir, 'seed.db'), dataDir: dir, secretKey: TEST_KEY }).then((s) =>
      s.close(),
    )
    writeFileSync(path, 'These are my notes, not a database. '.repeat(200))
    const error = await failure(openStore({ sqlitePath: path, dataDir: dir, secretKey: TEST_KEY }))
    expect(error.code).toBe('QUARRY_STORE_OPEN_FAILED')
    expect(error.message).toContain(`${path} is not a SQLite database`)
  })

  test('a directory that cannot be created is QUARRY_STORE_OPEN_FAILED naming the path', async () => {
    const dir = freshDir()
    await openStore({ sqlitePath: join(dir, 'seed.db'), dataDir: dir, secretKey: TEST_KEY }).then((s) =>
      s.close(),
    )
    const blocker = join(dir, 'a-file')
    writeFileSync(blocker, '')
    const path = join(blocker, 'sub', 'quarry.db')
    const error = await failure(openStore({ sqlitePath: path, dataDir: dir, secretKey: TEST_KEY }))
    expect(error.code).toBe('QUARRY_STORE_OPEN_FAILED')
    expect(error.message).toContain(`Cannot open the SQLite store ${path}: its directory`)
  })

  test('an in-memory SQLite database is refused: withLock needs a second connection to the same file', async () => {
    const error = await failure(
      openStore({ sqlitePath: ':memory:', dataDir: freshDir(), secretKey: TEST_KEY }),
    )
    expect(error.code).toBe('QUARRY_STORE_OPEN_FAILED')
  })

  test('by default the SQLite file and the key file go into the data directory, created with mode 0700', async () => {
    const dir = join(freshDir(), 'nested', 'quarry')
    const store = await openStore({ dataDir: dir })
    await store.close()
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(join(dir, 'quarry.db')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600)
  })

  test('defaultDataDir follows XDG_DATA_HOME when it is absolute, else ~/.local/share', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/data' })).toBe('/data/quarry')
    expect(defaultDataDir({ XDG_DATA_HOME: 'relative/dir' })).toBe(
      join(homedir(), '.local', 'share', 'quarry'),
    )
    expect(defaultDataDir({})).toBe(join(homedir(), '.local', 'share', 'quarry'))
    expect(defaultSqlitePath({ XDG_DATA_HOME: '/data' })).toBe('/data/quarry/quarry.db')
  })

  test('a search_path with no existing schema is a clear error', async () => {
    const url = withSearchPath(testDatabaseUrl(), 'quarry_no_such_schema')
    const error = await failure(openStore({ databaseUrl: url, secretKey: TEST_KEY }))
    expect(error.code).toBe('QUARRY_STORE_OPEN_FAILED')
    expect(error.message).toContain('has no schema on the search_path that exists')
  })
})

describe('SQLite concurrency at first open', () => {
  test('several stores opening a new file at once agree on one schema and one key file', async () => {
    const dir = freshDir()
    const options = { sqlitePath: join(dir, 'quarry.db'), dataDir: dir }
    const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(options)))
    try {
      await stores[0]?.datasources.create({
        name: 'jira',
        type: 'rest',
        config: {},
        secrets: { s: 'shared' },
      })
      for (const store of stores)
        expect((await store.datasources.get('jira'))?.secrets).toEqual({ s: 'shared' })
    } finally {
      await Promise.all(stores.map((store) => store.close()))
    }
  })
})

describe('PostgreSQL concurrency at first open', () => {
  // Kysely's own introspector resolved every schema of the database by name, so a schema dropped by
  // someone else mid-query failed the migration ("schema … does not exist"); this failed 5 of 40 rounds.
  test('a new schema migrates while other schemas of the database are created and dropped', async () => {
    const failures: string[] = []
    const churn = new pg.Client({ connectionString: testDatabaseUrl() })
    await churn.connect()
    let churning = true
    const churned = (async () => {
      while (churning) {
        const other = `quarry_churn_${randomBytes(6).toString('hex')}`
        await churn.query(`create schema ${other}; create table ${other}.t (id serial primary key, a text)`)
        await churn.query(`drop schema ${other} cascade`)
      }
    })().catch((error: unknown) => failures.push(`the churn itself failed: ${String(error)}`))
    try {
      for (let round = 0; round < 40; round += 1) {
        const schema = await createTestSchema()
        try {
          await (await openStore({ databaseUrl: schema.url, dataDir: freshDir() })).close()
        } catch (error) {
          failures.push((error as Error).message)
        } finally {
          await schema.drop()
        }
      }
    } finally {
      churning = false
      await churned
      await churn.end()
    }
    expect(failures).toEqual([])
  }, 120_000)

  test('several stores migrating a new schema at once all succeed', async () => {
    const schema = await createTestSchema()
    const stores: Store[] = []
    try {
      const dataDir = freshDir()
      stores.push(
        ...(await Promise.all([1, 2, 3, 4].map(() => openStore({ databaseUrl: schema.url, dataDir })))),
      )
      await stores[0]?.datasources.create({
        name: 'jira',
        type: 'rest',
        config: {},
        secrets: { s: 'shared' },
      })
      for (const store of stores)
        expect((await store.datasources.get('jira'))?.secrets).toEqual({ s: 'shared' })
    } finally {
      await Promise.all(stores.map((store) => store.close()))
      await schema.drop()
    }
  })
})

for (const dialect of DIALECTS) {
  describe(`store lifecycle (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('reopening keeps the data and does not migrate again', async () => {
      const first = await target().open()
      await first.datasources.create({ name: 'jira', type: 'rest', config: { v: 1 }, secrets: { s: 'x' } })
      await first.close()
      const second = await target().open()
      expect(second.dialect).toBe(dialect)
      expect(await second.datasources.get('jira')).toMatchObject({ config: { v: 1 }, secrets: { s: 'x' } })
    })

    test('a store migrated by a newer Quarry is refused with advice to upgrade', async () => {
      await (await target().open()).close()
      await target().exec(`insert into quarry_migration (name, timestamp) values ('9999_future', 'x')`)
      try {
        await expect(target().open()).rejects.toMatchObject({
          code: 'QUARRY_STORE_MIGRATION_FAILED',
          message: expect.stringMatching(
            /migrated by a newer version of Quarry .*9999_future.*Upgrade Quarry\.$/,
          ),
        })
      } finally {
        await target().exec(`delete from quarry_migration where name = '9999_future'`)
      }
    })

    test('a closed store says so', async () => {
      const store = await target().open()
      await store.close()
      await store.close() // idempotent
      await expect(store.datasources.list()).rejects.toMatchObject({ code: 'QUARRY_STORE_CLOSED' })
      await expect(store.connections.withLock('x', async () => 1)).rejects.toMatchObject({
        code: 'QUARRY_STORE_CLOSED',
      })
    })
  })
}
