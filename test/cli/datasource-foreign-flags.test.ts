/**
 * A flag that does not apply to a datasource is refused, never ignored: `datasource edit` (and `add`)
 * with another auth kind's flag, a REST flag on a SQL datasource, a server flag on sqlite or a file
 * flag on a server says which flag and why, exits with the usage code, and changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runQuarry, type CliRun } from '../helpers/cli.js'

let dir: string
let db: string

function quarry(...args: string[]): Promise<CliRun> {
  return runQuarry({ db, dir }, ...args)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-foreign-flags-'))
  db = join(dir, 'quarry.db')
  for (const add of [
    ['bearer', '--url', 'https://api.example.com', '--auth', 'bearer', '--token', 'secret-1'],
    ['files', '--type', 'sqlite', '--path', join(dir, 'data.db')],
    ['shop', '--type', 'postgres', '--url', 'postgres://app@db.example.com/shop'],
  ]) {
    const added = await quarry('datasource', 'add', ...add)
    expect(added.code, added.stderr).toBe(0)
  }
}, 30_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('datasource edit refuses a flag that does not apply', () => {
  it.each([
    ['bearer', ['--client-secret', 'x'], '--client-secret is for --auth oauth2-'],
    ['bearer', ['--username', 'u'], '--username is for --auth basic; datasource "bearer" uses bearer'],
    ['bearer', ['--host', 'db.example.com'], '--host is for SQL datasources'],
    ['bearer', ['--max-rows', '5'], '--max-rows is for SQL datasources'],
    ['files', ['--header', 'X-A: 1'], '--header is for REST datasources; "files" is a sqlite datasource'],
    ['files', ['--auth', 'bearer'], '--auth is for REST datasources'],
    [
      'files',
      ['--test-path', '/x', '--max-bytes', '1000'],
      '--test-path, --max-bytes are for REST datasources',
    ],
    ['files', ['--password', 'p'], '--password is for database servers (postgres, mysql)'],
    ['files', ['--tls', 'require'], '--tls is for database servers'],
    ['shop', ['--path', '/tmp/x.db'], '--path is for sqlite datasources'],
    ['shop', ['--token', 't'], '--token is for REST datasources'],
  ])('%s %j', async (name, flags, message) => {
    const before = await quarry('datasource', 'show', name)
    const edit = await quarry('datasource', 'edit', name, ...flags)
    expect(edit.code).toBe(2)
    expect(edit.stderr).toContain(message)
    expect(edit.stderr).toContain('(QUARRY_CONFIG_INVALID)')
    expect(edit.stdout).not.toContain('Updated')
    expect((await quarry('datasource', 'show', name)).stdout).toBe(before.stdout)
  })

  it('takes the flags of the kind the same edit switches to', async () => {
    const edit = await quarry(
      'datasource',
      'edit',
      'bearer',
      '--auth',
      'basic',
      '--username',
      'u',
      '--password',
      'p',
    )
    expect(edit.code, edit.stderr).toBe(0)
    expect((await quarry('datasource', 'show', 'bearer')).stdout).toContain('basic')
  })

  it('takes a database server’s user and password', async () => {
    const edit = await quarry('datasource', 'edit', 'shop', '--username', 'reporter', '--password', 'p')
    expect(edit.code, edit.stderr).toBe(0)
  })

  it('refuses another kind’s flag when adding, too', async () => {
    const add = await quarry('datasource', 'add', 'other', '--url', 'https://x.example', '--token', 't')
    expect(add.code).toBe(2)
    expect(add.stderr).toContain('--token is for --auth bearer; datasource "other" uses none')
    expect((await quarry('datasource', 'show', 'other')).code).not.toBe(0)
  })
})
