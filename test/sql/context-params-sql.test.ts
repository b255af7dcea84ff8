import { execFile } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

/**
 * Issue 15, done-when 5: context parameters in SQL on real PostgreSQL and MariaDB, through the
 * server. Each is a bound value, never text in the statement: a user whose email and groups carry
 * quotes and SQL gets them back as data, matches only their own rows, and the table is still there.
 */

const TABLE = `quarry_ctx_${randomBytes(4).toString('hex')}`
const EMAIL = `o'hara'); DROP TABLE ${TABLE}; --@example.com`
const GROUPS = ["o'reilly", 'ops" OR "1"="1']
const NOW = new Date('2026-12-03T23:30:00Z')

let pg: TestSchema
let server: TestServer
/** hara's API token: it never expires, so the server's clock may stand at NOW. */
let hara: string

const mariadb = (sql: string) =>
  promisify(execFile)('mariadb', ['-h', '127.0.0.1', '-P', '3306', '-u', 'root', 'test', '-e', sql])

/** Rows owned by the user's email or one of the user's groups, and one that is nobody's. */
const SEED = `
  create table ${TABLE} (id int primary key, owner varchar(200), grp varchar(200));
  insert into ${TABLE} values
    (1, 'o''hara''); DROP TABLE ${TABLE}; --@example.com', null),
    (2, null, 'o''reilly'),
    (3, 'someone@example.com', 'ops')
`

beforeAll(async () => {
  pg = await createTestSchema()
  await pg.pool.query(SEED)
  await mariadb(SEED.replaceAll("o''", "o\\'"))
  server = await startTestServer()
  ;(server.ctx as { now: () => Date }).now = () => NOW
  await server.engine.addDatasource({ name: 'pg', type: 'postgres', url: pg.url })
  await server.engine.addDatasource({ name: 'maria', type: 'mysql', url: 'mysql://root@127.0.0.1:3306/test' })
  await server.signIn('hara', 'viewer', GROUPS)
  await server.engine.store.accounts.updateUser('hara', { email: EMAIL })
  hara = `qk_${randomUUID()}`
  await server.engine.store.accounts.createApiToken({
    id: randomUUID(),
    user: 'hara',
    name: 'sql',
    token: hara,
    scope: 'run',
    expiresAt: null,
  })
}, 30_000)
afterAll(async () => {
  await server?.close()
  await mariadb(`drop table if exists ${TABLE}`)
  await pg?.drop()
})

const DIALECTS = [
  {
    datasource: 'pg',
    echo: 'SELECT :@user.name AS name, :@user.email AS email, CAST(:@today AS date)::text AS today, :@now AS now',
    remaining: () =>
      pg.pool.query(`select count(*)::int as n from ${TABLE}`).then((r) => r.rows[0].n as number),
  },
  {
    datasource: 'maria',
    echo: 'SELECT :@user.name AS name, :@user.email AS email, CAST(CAST(:@today AS date) AS char) AS today, :@now AS now',
    remaining: async () => Number((await mariadb(`select count(*) from ${TABLE}`)).stdout.split('\n')[1]),
  },
] as const

describe.each(DIALECTS)('$datasource', ({ datasource, echo, remaining }) => {
  const run = async (sql: string, timeZone?: string) => {
    const name = `ctx-${datasource}-${randomBytes(3).toString('hex')}`
    await server.engine.addQuery({ name, datasource, sql, ...(timeZone ? { timeZone } : {}) })
    const answer = await server.app.inject({
      method: 'POST',
      url: `/api/queries/${name}/run`,
      headers: { authorization: `Bearer ${hara}` },
      payload: {},
    })
    expect(answer.statusCode, answer.body).toBe(200)
    return answer.json().rows as Record<string, unknown>[]
  }

  it('returns the user’s values as data, quotes and all, with the clock in the query’s time zone', async () => {
    expect(await run(echo, 'Europe/Berlin')).toEqual([
      { name: 'hara', email: EMAIL, today: '2026-12-04', now: '2026-12-04T00:30:00+01:00' },
    ])
    expect((await run(echo))[0]).toMatchObject({ today: '2026-12-03', now: '2026-12-03T23:30:00+00:00' })
  })

  it('matches only the user’s own rows by :@user.email and IN (:@user.groups); the table survives', async () => {
    const rows = await run(
      `SELECT id FROM ${TABLE} WHERE owner = :@user.email OR grp IN (:@user.groups) ORDER BY id`,
    )
    expect(rows).toEqual([{ id: 1 }, { id: 2 }])
    expect(await remaining()).toBe(3)
  })
})
