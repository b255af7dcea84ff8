import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_SECRET_KEY } from '../helpers/engine.js'

/**
 * What a cached `quarry run` loads (issue 18, line 1): a start pays for every module it loads, so
 * code only a miss, a server or an audit listing needs stays in chunks of its own. The built CLI, as
 * a user runs it, with a module hook that names each bundle file Node resolves.
 */

const root = new URL('../../', import.meta.url).pathname
const bin = `${root}bin/quarry.js`
let dir: string
let db: string
let hook: string

function quarry(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', hook, bin, '--db', db, ...args], {
    env: { ...process.env, QUARRY_SECRET_KEY: TEST_SECRET_KEY, QUARRY_DATABASE_URL: '', XDG_DATA_HOME: dir },
    encoding: 'utf8',
  })
  const loaded = [...run.stderr.matchAll(/^loaded (\S+)$/gm)].map((match) => match[1] ?? '')
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, loaded }
}

/** A bundle file's chunk name: `audit-schemas-BvjzteXK.js` → `audit-schemas`. */
const chunkOf = (file: string) => file.replace(/-[\w-]{8}\.js$/, '')

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-cached-loads-'))
  db = join(dir, 'quarry.db')
  hook = join(dir, 'name-loads.mjs')
  writeFileSync(
    hook,
    `import module from 'node:module'
module.registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context)
    const at = resolved.url.indexOf('/dist/')
    if (at >= 0) process.stderr.write('loaded ' + resolved.url.slice(at + 1) + '\\n')
    return resolved
  },
})
`,
  )
  const file = join(dir, 'shop.sqlite')
  const shop = new DatabaseSync(file)
  shop.exec(
    "create table orders (id integer, customer text); insert into orders values (1, 'Ada'), (2, 'Grace')",
  )
  shop.close()
  expect(quarry('datasource', 'add', 'shop', '--type', 'sqlite', '--path', file).code).toBe(0)
  expect(
    quarry('query', 'add', 'orders', '--datasource', 'shop', '--sql', 'select * from orders', '--cache', '1h')
      .code,
  ).toBe(0)
  expect(quarry('run', 'orders', '--format', 'json').code).toBe(0)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a cached quarry run', () => {
  it('answers from the cache out of the bundle, loading neither stage, the server nor the audit schemas', () => {
    const run = quarry('run', 'orders', '--format', 'json')
    expect(run.code).toBe(0)
    expect(run.stderr).toContain('note: from the cache')
    expect(JSON.parse(run.stdout)).toEqual([
      { id: 1, customer: 'Ada' },
      { id: 2, customer: 'Grace' },
    ])
    expect(run.loaded.every((file) => file.startsWith('dist/bundle/'))).toBe(true)
    const chunks = run.loaded.map((file) => chunkOf(file.slice('dist/bundle/'.length)))
    expect(chunks).toContain('run')
    for (const unneeded of ['audit-schemas', 'sql-stage', 'rest-stage', 'server', 'start'])
      expect(chunks).not.toContain(unneeded)
    // Nor any chunk that builds them: a static import would pull them back into `run`.
    for (const file of run.loaded)
      expect(readFileSync(`${root}${file}`, 'utf8')).not.toContain('AuditEntrySchema')
  })

  it('still reads the audit log, whose schemas load with its first read', () => {
    const audit = quarry('audit', 'list', '--kind', 'query', '--json')
    expect(audit.code).toBe(0)
    expect(audit.loaded.map((file) => chunkOf(file.slice('dist/bundle/'.length)))).toContain('audit-schemas')
    expect(JSON.parse(audit.stdout)).toEqual([
      expect.objectContaining({ kind: 'query', object: 'orders', action: 'create' }),
    ])
  })
})
