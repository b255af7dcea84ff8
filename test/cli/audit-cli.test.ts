import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEntry, ObjectVersion } from '../../src/domain/audit.js'
import { runQuarry } from '../helpers/cli.js'

/**
 * `quarry audit list|export` and `quarry query|converter|template versions|diff|revert` (issue 19):
 * the built CLI on a SQLite store, as an operator runs it.
 */

let dir: string
let db: string
const quarry = (...args: string[]) => runQuarry({ db, dir }, ...args)
const ok = async (...args: string[]) => {
  const run = await quarry(...args)
  expect(run.code, run.stderr).toBe(0)
  return run.stdout
}

const PASSWORD = 'basic-password-for-the-cli-audit'
const HEADER = 'secret-header-for-the-cli-audit'
const ME = `cli:${userInfo().username}`

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-audit-cli-'))
  db = join(dir, 'quarry.db')
  await ok(
    'datasource',
    'add',
    'api',
    '--url',
    'https://api.example.com',
    '--auth',
    'basic',
    '--username',
    'u',
    '--password',
    PASSWORD,
    '--secret-header',
    `X-Key: ${HEADER}`,
  )
  await ok('query', 'add', 'q', '--datasource', 'api', '--path', '/one')
  await ok('query', 'edit', 'q', '--path', '/two')
}, 60_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('quarry query versions|diff|revert', () => {
  it('lists every save, newest first, as the CLI’s OS user', async () => {
    const lines = (await ok('query', 'versions', 'q')).trimEnd().split('\n')
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(['v2', 'v1'])
    expect(lines[0]).toContain(ME)
    const json = JSON.parse(await ok('query', 'versions', 'q', '--json')) as ObjectVersion[]
    expect(json[1]?.definition).toMatchObject({ datasource: 'api', definition: { path: '/one' } })
  }, 30_000)

  it('diffs two versions and reverts to one, which is a new version and an audit entry', async () => {
    const diff = await ok('query', 'diff', 'q', '1', '2')
    expect(diff).toMatch(/^--- q v1/)
    expect(diff).toContain('-    "path": "/one"')
    expect(diff).toContain('+    "path": "/two"')
    expect(await ok('query', 'revert', 'q', '1')).toBe(
      'Reverted query "q" to version 1, saved as version 3.\n',
    )
    expect(JSON.parse(await ok('query', 'show', 'q'))).toMatchObject({ path: '/one' })
    const [entry] = JSON.parse(
      await ok('audit', 'list', '--kind', 'query', '--limit', '1', '--json'),
    ) as AuditEntry[]
    expect(entry).toMatchObject({ action: 'revert', version: 3, object: 'q', actorName: ME })
    const missing = await quarry('query', 'revert', 'q', '7')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(
      'The query "q" has no version 7. List its versions with: quarry query versions q',
    )
  }, 30_000)

  it('converters and templates have the same commands', async () => {
    writeFileSync(join(dir, 'a.js'), 'function convert(json) { return [] }\n')
    writeFileSync(join(dir, 'b.js'), 'function convert(json) { return [{ b: 1 }] }\n')
    await ok('converter', 'add', 'rows', '--file', join(dir, 'a.js'))
    await ok('converter', 'edit', 'rows', '--file', join(dir, 'b.js'))
    expect(await ok('converter', 'diff', 'rows', 'v1', 'v2')).toContain(
      '+function convert(json) { return [{ b: 1 }] }',
    )
    await ok('converter', 'revert', 'rows', '1')
    expect(JSON.parse(await ok('converter', 'show', 'rows'))).toMatchObject({
      source: 'function convert(json) { return [] }\n',
    })
    await ok('template', 'add', 'list', '--kind', 'liquid', '--file', join(dir, 'a.js'))
    await ok('template', 'edit', 'list', '--kind', 'table')
    expect((await ok('template', 'versions', 'list')).trimEnd().split('\n').length).toBe(2)
    expect(await ok('template', 'revert', 'list', '1')).toContain('saved as version 3')
  }, 60_000)
})

describe('quarry audit list|export', () => {
  it('lists changes newest first with their fields; a secret only as changed', async () => {
    await ok(
      'datasource',
      'edit',
      'api',
      '--password',
      'another-basic-password',
      '--url',
      'https://b.example.com',
    )
    const text = await ok('audit', 'list', '--kind', 'datasource', '--object', 'api', '--limit', '1')
    expect(text).toMatch(new RegExp(`^\\S+Z  ${ME}  update datasource "api"\\n`))
    expect(text).toContain('    config.baseUrl: "https://api.example.com" → "https://b.example.com"\n')
    expect(text).toContain('    secrets.auth.password: changed\n')
  }, 30_000)

  it('exports NDJSON oldest first, filtered, with no secret in it', async () => {
    const all = await ok('audit', 'export')
    const entries = all
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntry)
    expect(entries[0]).toMatchObject({ kind: 'datasource', action: 'create', object: 'api' })
    expect(entries.every((entry) => entry.actorName === ME)).toBe(true)
    for (const secret of [PASSWORD, HEADER, 'another-basic-password']) expect(all).not.toContain(secret)
    const queries = (await ok('audit', 'export', '--kind', 'query', '--object', 'q')).trimEnd().split('\n')
    expect(queries.map((line) => (JSON.parse(line) as AuditEntry).action)).toEqual([
      'create',
      'update',
      'revert',
    ])
    expect(await ok('audit', 'export', '--since', '2999-01-01')).toBe('')
    expect(await ok('audit', 'list', '--actor', 'someone-else')).toBe('No changes recorded match.\n')
  }, 30_000)

  it('names a filter it cannot read', async () => {
    const run = await quarry('audit', 'list', '--kind', 'planet', '--since', 'last week')
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--kind: choose one of datasource, query')
    expect(run.stderr).toContain('--since: must be an ISO 8601 time')
  }, 30_000)
})
