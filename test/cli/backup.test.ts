import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { runQuarry, type CliRun } from '../helpers/cli.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { advance, startTestSim, stats } from '../helpers/sim.js'

/**
 * Issue 19, done-when 4: `quarry backup` and `quarry restore`, driven through the built CLI on both
 * dialects. A store with a Jira Cloud datasource connected through the simulator, a named converter
 * and a query using it is backed up, restored into a fresh store in another data directory, and the
 * restored store runs the query with the restored tokens — and refreshes them when they expire.
 */

const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
const PROJECT_KEYS = `function convert(json) {
  return JSON.parse(json).values.map((project) => ({ Key: project.key }))
}
`

let sim: RunningSimulator
let root: string

beforeAll(async () => {
  sim = await startTestSim({ autoConsent: { login: 'alice', sites: '*' } })
})
afterAll(async () => {
  await sim.close()
})
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'quarry-backup-'))
})
afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

/** A store of one dialect with a data directory of its own. */
interface Place {
  readonly db: string
  readonly dir: string
  readonly env: Record<string, string>
}

function place(name: string, databaseUrl = '', key: string = TEST_SECRET_KEY): Place {
  const dir = join(root, name)
  return {
    db: join(dir, 'quarry.db'),
    dir,
    env: { QUARRY_DATABASE_URL: databaseUrl, QUARRY_SECRET_KEY: key },
  }
}

function quarry(where: Place, ...args: string[]): Promise<CliRun> {
  return runQuarry(where, ...args)
}

/** `quarry connect NAME --paste`, answering with the redirect the simulator's auto-consent gives. */
async function connect(where: Place): Promise<void> {
  const child = spawn(
    process.execPath,
    [bin, '--db', where.db, 'connect', 'jira', '--paste', '--site', 'acme'],
    {
      env: { ...process.env, XDG_DATA_HOME: where.dir, ...where.env },
    },
  )
  let stdout = ''
  let stderr = ''
  const done = new Promise<number | null>((resolve) => child.on('exit', resolve))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const authorize = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /(http:\/\/\S+\/authorize\?\S+)/.exec(stdout)
      if (match) resolve(match[1] as string)
    })
    child.on('exit', () => reject(new Error(`connect ended early: ${stdout}${stderr}`)))
  })
  const redirect = (await fetch(authorize, { redirect: 'manual' })).headers.get('location') ?? ''
  child.stdin.write(`${redirect}\n`)
  expect(await done, stderr).toBe(0)
}

/** A store worth restoring: a connected Jira Cloud datasource, a named converter, a query that uses it. */
async function populate(where: Place): Promise<void> {
  const steps: string[][] = [
    [
      'datasource',
      'add',
      'jira',
      '--preset',
      'jira-cloud',
      '--client-id',
      'test-app',
      '--client-secret',
      'test-secret',
      '--redirect-uri',
      'https://example.com',
      '--auth-url',
      sim.url,
      '--api-url',
      sim.url,
    ],
  ]
  for (const args of steps) {
    const run = await quarry(where, ...args)
    expect(run.code, run.stderr).toBe(0)
  }
  await connect(where)
  const converter = join(root, 'keys.js')
  writeFileSync(converter, PROJECT_KEYS)
  for (const args of [
    ['converter', 'add', 'project-keys', '--file', converter],
    [
      'query',
      'add',
      'keys',
      '--datasource',
      'jira',
      '--path',
      '/project/search',
      '--converter-name',
      'project-keys',
    ],
  ]) {
    const run = await quarry(where, ...args)
    expect(run.code, run.stderr).toBe(0)
  }
}

/** Rewrites a backup's header and gives it a checksum that matches again: a file a newer Quarry would write. */
function withHeader(file: string, change: (header: Record<string, unknown>) => void): void {
  const lines = readFileSync(file, 'utf8').split('\n').slice(0, -2)
  const header = JSON.parse(lines[0] as string) as Record<string, unknown>
  change(header)
  lines[0] = JSON.stringify(header)
  const hash = createHash('sha256')
  for (const line of lines) hash.update(`${line}\n`)
  const trailer = { end: true, rows: lines.length - 1, sha256: hash.digest('hex') }
  writeFileSync(file, `${lines.join('\n')}\n${JSON.stringify(trailer)}\n`)
}

describe.each(['sqlite', 'postgres'] as const)('backup and restore on %s', (dialect) => {
  const schemas: TestSchema[] = []
  const databaseUrl = async () => {
    if (dialect === 'sqlite') return ''
    const schema = await createTestSchema()
    schemas.push(schema)
    return schema.url
  }
  afterEach(async () => {
    await Promise.all(schemas.splice(0).map((schema) => schema.drop()))
  })

  it(
    'restores into a fresh store whose query runs with the restored tokens and refreshes them',
    { timeout: 120_000 },
    async () => {
      const source = place('source', await databaseUrl())
      await populate(source)
      const before = await quarry(source, 'run', 'keys', '--format', 'csv')
      expect(before.code, before.stderr).toBe(0)
      expect(before.stdout).toMatch(/^Key\r\n[A-Z]+\r\n/)

      const file = join(root, 'store.backup')
      const backup = await quarry(source, 'backup', file)
      expect(backup.code, backup.stderr).toBe(0)
      // Tables are listed parents first; their order changes as migrations add tables.
      for (const count of ['1 datasources', '1 connections', '1 converters'])
        expect(backup.stdout).toContain(count)
      expect(backup.stdout).toMatch(
        /encrypted with key [0-9a-f]{8}, which is NOT in the file: it is in QUARRY_SECRET_KEY/,
      )
      expect(statSync(file).mode & 0o777).toBe(0o600)
      expect(readFileSync(file, 'utf8')).not.toContain('test-secret')

      const target = place('target', await databaseUrl())
      const restore = await quarry(target, 'restore', file)
      expect(restore.code, restore.stderr).toBe(0)
      const after = await quarry(target, 'run', 'keys', '--format', 'csv')
      expect(after.code, after.stderr).toBe(0)
      expect(after.stdout).toBe(before.stdout)

      // The access token expires: the restored refresh token gets a new one, and the grant lives on.
      const refreshes = (await stats(sim)).refreshes as number
      await advance(sim, 4000)
      const refreshed = await quarry(target, 'run', 'keys', '--format', 'csv')
      expect(refreshed.code, refreshed.stderr).toBe(0)
      expect(refreshed.stdout).toBe(before.stdout)
      expect((await stats(sim)).refreshes).toBe(refreshes + 1)
      expect((await stats(sim)).invalidGrants).toBe(0)
    },
  )
})

describe('restore refuses, changing nothing', () => {
  let file: string
  let source: Place
  beforeEach(async () => {
    source = place('source')
    const added = await quarry(
      source,
      'datasource',
      'add',
      'api',
      '--url',
      'https://example.com',
      '--secret-header',
      'X-Key: k1',
    )
    expect(added.code, added.stderr).toBe(0)
    file = join(root, 'store.backup')
    expect((await quarry(source, 'backup', file)).code).toBe(0)
  })

  it('a store that holds data, unless --force', async () => {
    const target = place('target')
    expect((await quarry(target, 'datasource', 'add', 'other', '--url', 'https://example.org')).code).toBe(0)
    const refused = await quarry(target, 'restore', file)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('(QUARRY_RESTORE_NOT_EMPTY)')
    expect((await quarry(target, 'datasource', 'list')).stdout).toContain('other')

    const forced = await quarry(target, 'restore', file, '--force')
    expect(forced.code, forced.stderr).toBe(0)
    const list = await quarry(target, 'datasource', 'list')
    expect(list.stdout).toContain('api')
    expect(list.stdout).not.toContain('other')
  })

  it('a key that cannot open the backup, naming both key ids', async () => {
    const target = place('target', '', Buffer.alloc(32, 1).toString('base64'))
    const refused = await quarry(target, 'restore', file)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(
      /encrypted with key [0-9a-f]{8}, but the key from QUARRY_SECRET_KEY is [0-9a-f]{8}/,
    )
    expect(refused.stderr).toContain('Nothing was changed. (QUARRY_BACKUP_KEY_MISMATCH)')
  })

  it('no key at all, unless the backup was made with --include-key', async () => {
    const target = place('target', '', '')
    const refused = await quarry(target, 'restore', file)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('(QUARRY_SECRET_KEY_MISSING)')

    const withKey = join(root, 'with-key.backup')
    const backup = await quarry(source, 'backup', withKey, '--include-key')
    expect(backup.code, backup.stderr).toBe(0)
    expect(backup.stderr).toContain('holds the secret key')
    const restored = await quarry(target, 'restore', withKey)
    expect(restored.code, restored.stderr).toBe(0)
    expect(restored.stdout).toContain(
      `Wrote the key from the backup to ${join(target.dir, 'quarry', 'secret.key')}`,
    )
    expect(readFileSync(join(target.dir, 'quarry', 'secret.key'), 'utf8').trim()).toBe(TEST_SECRET_KEY)
    expect((await quarry(target, 'datasource', 'test', 'api')).stderr).not.toContain('QUARRY_SECRET')
  })

  it('a backup cut off before its end', async () => {
    const text = readFileSync(file, 'utf8')
    writeFileSync(file, text.slice(0, text.length - 20))
    const refused = await quarry(place('target'), 'restore', file)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('is cut off')
    expect(refused.stderr).toContain('(QUARRY_BACKUP_TRUNCATED)')
  })

  it('a file that is not a backup, or was altered', async () => {
    const other = join(root, 'notes.txt')
    writeFileSync(other, 'hello\n')
    const notBackup = await quarry(place('target'), 'restore', other)
    expect(notBackup.stderr).toContain('is not a Quarry backup (its first line is not a backup header)')
    expect(notBackup.stderr).toContain('(QUARRY_BACKUP_INVALID)')

    writeFileSync(file, readFileSync(file, 'utf8').replace('https://example.com', 'https://evil.example'))
    const altered = await quarry(place('target'), 'restore', file)
    expect(altered.stderr).toContain('its checksum does not match its content')
  })

  it('a backup from a newer Quarry', async () => {
    withHeader(file, (header) => {
      header.migrations = [...(header.migrations as string[]), '9999_from_the_future']
    })
    const target = place('target')
    const refused = await quarry(target, 'restore', file)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(
      'made by a newer Quarry (its store had run migration 9999_from_the_future',
    )
    expect(refused.stderr).toContain('(QUARRY_BACKUP_NEWER_SCHEMA)')
  })

  it('a backup file that cannot be read', async () => {
    const refused = await quarry(place('target'), 'restore', join(root, 'missing.backup'))
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('Cannot read the backup file')
    expect(refused.stderr).toContain('(QUARRY_BACKUP_FILE)')
  })
})
