import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runQuarry, type CliRun } from '../helpers/cli.js'

/** `quarry query add/edit` declares the `:name` parameters a query uses, as PocketQuery does (issue 13). */

let dir: string
let db: string

function quarry(...args: string[]): Promise<CliRun> {
  return runQuarry({ db, dir }, ...args)
}

const paramsOf = async (name: string) =>
  (JSON.parse((await quarry('query', 'show', name)).stdout) as { params: unknown[] }).params

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-query-params-'))
  db = join(dir, 'quarry.db')
  const file = join(dir, 'data.db')
  const sqlite = new DatabaseSync(file)
  sqlite.exec(
    "create table t (id integer, name text); insert into t values (1, 'one'), (2, 'two'), (3, 'three')",
  )
  sqlite.close()
  expect((await quarry('datasource', 'add', 'lite', '--type', 'sqlite', '--path', file)).code).toBe(0)
}, 30_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('quarry query add and edit', () => {
  it('declare the parameters a statement uses as strings, say so, and the query runs', async () => {
    const added = await quarry(
      'query',
      'add',
      'names',
      '--datasource',
      'lite',
      '--sql',
      "SELECT name FROM t WHERE id IN (:ids) AND name <> 'x:y' -- :not\n ORDER BY id",
    )
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toContain('Declared :ids as string parameters (used, not declared).')
    expect(await paramsOf('names')).toEqual([{ name: 'ids', type: 'string' }])
    const run = await quarry('run', 'names', '--format', 'json', '--param', 'ids=2')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual([{ name: 'two' }])
  })

  it("take PocketQuery's type names, and declare what --param leaves out", async () => {
    const edited = await quarry(
      'query',
      'edit',
      'names',
      '--sql',
      'SELECT name FROM t WHERE id IN (:ids) AND name <> :skip ORDER BY id',
      '--param',
      'ids:ListOfIntegers',
    )
    expect(edited.code, edited.stderr).toBe(0)
    expect(await paramsOf('names')).toEqual([
      { name: 'ids', type: 'list' },
      { name: 'skip', type: 'string' },
    ])
    const run = await quarry(
      'run',
      'names',
      '--format',
      'json',
      '--param',
      'ids=1,2,3',
      '--param',
      'skip=two',
    )
    expect(JSON.parse(run.stdout)).toEqual([{ name: 'one' }, { name: 'three' }])
  })

  it('refuse an unknown type, naming Quarry’s and PocketQuery’s', async () => {
    const refused = await quarry(
      'query',
      'add',
      'bad',
      '--datasource',
      'lite',
      '--sql',
      'SELECT :a',
      '--param',
      'a:Float',
    )
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(
      '(or PocketQuery\'s String, Integer, ListOfStrings, ListOfIntegers, Date, Constant); got "Float"',
    )
  })
})
