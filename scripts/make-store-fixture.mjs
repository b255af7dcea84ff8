// Writes the fixture store of today's schema (migrations 0001–0004), which test/store/fixture-store.test.ts
// opens with the current code to prove that a store of this release migrates forward (issue 19):
//   test/fixtures/store-0004/quarry.db     the SQLite store
//   test/fixtures/store-0004/postgres.sql  the same store on PostgreSQL (pg_dump of schema quarry_fixture)
//   test/fixtures/store-0004/secret.key    the key both are sealed with
// Run it only on the release whose schema the fixture is meant to keep, after `npm run build`:
//   node scripts/make-store-fixture.mjs [postgres://postgres@127.0.0.1:5432/test]
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'test', 'fixtures', 'store-0004')
const serverUrl = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = 'quarry_fixture'
// A fixed key, so the fixture is the same whoever makes it; it protects nothing but test data.
const KEY = Buffer.alloc(32, 19).toString('base64')

const { openStore } = await import(join(root, 'dist', 'store', 'index.js'))
const { hashPassword } = await import(join(root, 'dist', 'server', 'auth', 'password.js'))

mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'secret.key'), `${KEY}\n`, { mode: 0o600 })
const work = mkdtempSync(join(tmpdir(), 'quarry-fixture-'))
writeFileSync(
  join(work, 'names.js'),
  'function convert(json) {\n  return JSON.parse(json).items.map((item) => ({ Name: item.name, Size: item.size }))\n}\n',
)
writeFileSync(
  join(work, 'list.liquid'),
  '<ul>{% for row in rows %}<li>{{ row.Name }}: {{ row.Size }}</li>{% endfor %}</ul>\n',
)

function quarry(env, ...args) {
  const db = env.QUARRY_DATABASE_URL === '' ? ['--db', join(out, 'quarry.db')] : []
  const run = spawnSync(process.execPath, [join(root, 'bin', 'quarry.js'), ...db, ...args], {
    env: { ...process.env, QUARRY_SECRET_KEY: KEY, ...env },
    encoding: 'utf8',
  })
  if (run.status !== 0) throw new Error(`quarry ${args.join(' ')}: ${run.stderr}`)
}

/** Datasources of three auth kinds, a named converter and template, queries, a user, a token, a connection. */
async function populate(env, location) {
  const q = (...args) => quarry(env, ...args)
  q(
    'datasource',
    'add',
    'items',
    '--url',
    'http://127.0.0.1:9/api',
    '--auth',
    'bearer',
    '--token',
    'fixture-bearer-token',
    '--secret-header',
    'X-Api-Key: fixture-api-key',
  )
  q(
    'datasource',
    'add',
    'jira',
    '--preset',
    'jira-cloud',
    '--client-id',
    'fixture-app',
    '--client-secret',
    'fixture-client-secret',
    '--redirect-uri',
    'https://example.com',
  )
  q('datasource', 'add', 'plain', '--url', 'https://example.com')
  q(
    'converter',
    'add',
    'item-names',
    '--file',
    join(work, 'names.js'),
    '--description',
    'name and size of each item',
  )
  q('template', 'add', 'item-list', '--kind', 'liquid', '--file', join(work, 'list.liquid'))
  q(
    'query',
    'add',
    'item-sizes',
    '--datasource',
    'items',
    '--path',
    '/items?kind=:kind',
    '--param',
    'kind:string=box',
    '--converter-name',
    'item-names',
    '--template-name',
    'item-list',
  )
  const store = await openStore({ ...location, secretKey: KEY })
  try {
    await store.connections.put('jira', {
      tokens: { access_token: 'fixture-access-token', refresh_token: 'fixture-refresh-token' },
      accessExpiresAt: new Date('2026-12-03T12:00:00.000Z'),
      status: 'connected',
      statusMessage: null,
      scope: 'read:jira-work offline_access',
      site: { id: 'fixture-cloud-id', name: 'acme', url: 'https://acme.atlassian.net' },
      lastRefreshAt: new Date('2026-12-03T11:00:00.000Z'),
      lastUsedAt: null,
    })
    await store.accounts.createUser({
      name: 'ada',
      passwordHash: await hashPassword('fixture password'),
      role: 'admin',
      groups: ['ops'],
    })
    await store.accounts.createUser({
      name: 'bob',
      passwordHash: await hashPassword('fixture password'),
      role: 'viewer',
      groups: [],
    })
    await store.accounts.createApiToken({
      id: 'fixture-token',
      user: 'ada',
      name: 'cron',
      token: 'qry_fixture_token',
      scope: 'run',
      expiresAt: null,
    })
  } finally {
    await store.close()
  }
}

const sqlitePath = join(out, 'quarry.db')
for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqlitePath}${suffix}`, { force: true })
await populate({ QUARRY_DATABASE_URL: '', XDG_DATA_HOME: join(work, 'unused') }, { sqlitePath, dataDir: out })
// One file: fold the WAL into the database.
const { DatabaseSync } = await import('node:sqlite')
const db = new DatabaseSync(sqlitePath)
db.exec('pragma wal_checkpoint(truncate); pragma journal_mode = delete')
db.close()

const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
await admin.query(`drop schema if exists ${SCHEMA} cascade`)
await admin.query(`create schema ${SCHEMA}`)
try {
  const url = new URL(serverUrl)
  url.searchParams.set('options', `-c search_path=${SCHEMA}`)
  await populate(
    { QUARRY_DATABASE_URL: url.toString(), XDG_DATA_HOME: join(work, 'unused') },
    { databaseUrl: url.toString(), dataDir: out },
  )
  const dump = spawnSync(
    'pg_dump',
    ['--schema', SCHEMA, '--no-owner', '--no-privileges', '--dbname', serverUrl],
    {
      encoding: 'utf8',
    },
  )
  if (dump.status !== 0) throw new Error(`pg_dump: ${dump.stderr}`)
  writeFileSync(join(out, 'postgres.sql'), dump.stdout)
} finally {
  await admin.query(`drop schema if exists ${SCHEMA} cascade`)
  await admin.end()
}
rmSync(work, { recursive: true, force: true })
console.log(`wrote ${out}`)
