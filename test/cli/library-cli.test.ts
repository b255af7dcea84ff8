import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runQuarry } from '../helpers/cli.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'

/**
 * `quarry converter …`, `quarry template …` and `query add/edit --converter-name/--template-name`
 * (issue 13): the built CLI over a SQLite datasource, as a user runs it.
 */

let dir: string
let db: string
const quarry = (...args: string[]) => runQuarry({ db, dir }, ...args)

const NAMES = 'function convert(json) { return JSON.parse(json).map((r) => ({ Name: r.name })) }'
const UPPER =
  'function convert(json) { return JSON.parse(json).map((r) => ({ NAME: r.name.toUpperCase() })) }'

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-library-cli-'))
  db = join(dir, 'quarry.db')
  const file = join(dir, 'data.db')
  const sqlite = new DatabaseSync(file)
  sqlite.exec("create table t (id integer, name text); insert into t values (1, 'one'), (2, 'two')")
  sqlite.close()
  expect((await quarry('datasource', 'add', 'lite', '--type', 'sqlite', '--path', file)).code).toBe(0)
  writeFileSync(join(dir, 'names.js'), NAMES)
  writeFileSync(join(dir, 'upper.js'), UPPER)
}, 60_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const rowsOf = async (query: string) => {
  const run = await quarry('run', query, '--format', 'json')
  expect(run.code, run.stderr).toBe(0)
  return JSON.parse(run.stdout) as unknown
}

describe('named converters and templates in the CLI', () => {
  it('two queries share a converter; editing it changes both', async () => {
    const added = await quarry(
      'converter',
      'add',
      'names',
      '--file',
      join(dir, 'names.js'),
      '--description',
      'Names',
    )
    expect(added.code, added.stderr).toBe(0)
    for (const query of ['first', 'second']) {
      const q = await quarry(
        'query',
        'add',
        query,
        '--datasource',
        'lite',
        '--sql',
        'SELECT name FROM t ORDER BY id',
        '--converter-name',
        'names',
      )
      expect(q.code, q.stderr).toBe(0)
    }
    expect(await rowsOf('first')).toEqual([{ Name: 'one' }, { Name: 'two' }])
    expect((await quarry('converter', 'list')).stdout).toContain('names  ·  used by 2 queries  ·  Names')
    const shown = JSON.parse((await quarry('converter', 'show', 'names')).stdout) as object
    expect(shown).toMatchObject({ name: 'names', source: NAMES, usedBy: ['first', 'second'] })
    expect(JSON.parse((await quarry('query', 'show', 'first')).stdout)).toMatchObject({
      converterName: 'names',
    })

    const edit = await quarry('converter', 'edit', 'names', '--file', join(dir, 'upper.js'))
    expect(edit.code, edit.stderr).toBe(0)
    expect(edit.stdout).toContain('it changes for the 2 queries that use it: first, second')
    expect(await rowsOf('first')).toEqual([{ NAME: 'ONE' }, { NAME: 'TWO' }])
    expect(await rowsOf('second')).toEqual([{ NAME: 'ONE' }, { NAME: 'TWO' }])
  })

  it('removing one in use is refused naming the queries (exit 2); unused, it goes', async () => {
    const refused = await quarry('converter', 'remove', 'names')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('The converter "names" is used by 2 queries: "first", "second"')
    // A query given its own converter stops using the named one.
    expect((await quarry('query', 'edit', 'first', '--converter', join(dir, 'names.js'))).code).toBe(0)
    expect((await quarry('query', 'edit', 'second', '--no-converter')).code).toBe(0)
    expect(JSON.parse((await quarry('query', 'show', 'first')).stdout)).toMatchObject({ converter: NAMES })
    expect((await quarry('converter', 'remove', 'names')).code).toBe(0)
    expect((await quarry('converter', 'list')).stdout).toContain('No converters yet.')
  })

  it('a template from stdin, used by name, renamed: the query follows', async () => {
    const added = spawnSync(
      process.execPath,
      [
        new URL('../../bin/quarry.js', import.meta.url).pathname,
        '--db',
        db,
        'template',
        'add',
        'names-list',
        '--kind',
        'liquid',
        '--file',
        '-',
      ],
      {
        input: '<ul>{% for r in rows %}<li>{{ r.Name }}</li>{% endfor %}</ul>',
        env: {
          ...process.env,
          QUARRY_SECRET_KEY: TEST_SECRET_KEY,
          QUARRY_DATABASE_URL: '',
          XDG_DATA_HOME: dir,
        },
        encoding: 'utf8',
      },
    )
    expect(added.status, added.stderr).toBe(0)
    expect((await quarry('query', 'edit', 'first', '--template-name', 'names-list')).code).toBe(0)
    expect((await quarry('template', 'list')).stdout).toContain('names-list  ·  liquid  ·  used by 1 query')
    expect((await quarry('template', 'edit', 'names-list', '--rename', 'name-list')).code).toBe(0)
    expect(JSON.parse((await quarry('query', 'show', 'first')).stdout)).toMatchObject({
      templateName: 'name-list',
    })
    const shown = JSON.parse((await quarry('template', 'show', 'name-list')).stdout) as object
    expect(shown).toMatchObject({
      template: { type: 'liquid', source: expect.stringContaining('{{ r.Name }}') },
    })
    const bad = await quarry('query', 'edit', 'first', '--template-name', 'nope')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('No template named "nope"')
    const both = await quarry(
      'query',
      'edit',
      'second',
      '--converter',
      join(dir, 'names.js'),
      '--converter-name',
      'x',
    )
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('--converter-name')
  })
})
