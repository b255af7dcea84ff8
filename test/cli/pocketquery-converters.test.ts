import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PQ_CASES, pqPath, startPqApi } from '../helpers/pq-converters.js'
import { runQuarry, type CliRun } from '../helpers/cli.js'

/**
 * PocketQuery's documented converters (test/fixtures/pocketquery-converters) run unchanged through
 * the CLI (issue 13): each is a query's `--converter` file, run against a local API serving its JSON.
 */

let dir: string
let db: string
let api: Awaited<ReturnType<typeof startPqApi>>

function quarry(...args: string[]): Promise<CliRun> {
  return runQuarry({ db, dir }, ...args)
}

beforeAll(async () => {
  api = await startPqApi()
  dir = mkdtempSync(join(tmpdir(), 'quarry-pq-converters-'))
  db = join(dir, 'quarry.db')
  const added = await quarry('datasource', 'add', 'pq-api', '--url', api.url, '--auth', 'none')
  expect(added.code, added.stderr).toBe(0)
}, 30_000)
afterAll(async () => {
  await api.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("quarry run with PocketQuery's documented converters", () => {
  for (const c of PQ_CASES) {
    it(`${c.name}.js gives its documented rows`, async () => {
      const added = await quarry(
        'query',
        'add',
        c.query,
        '--datasource',
        'pq-api',
        '--path',
        pqPath(c),
        '--converter',
        c.file,
      )
      expect(added.code, added.stderr).toBe(0)
      const params = Object.entries(c.params).flatMap(([name, value]) => ['--param', `${name}=${value}`])
      const run = await quarry('run', c.query, '--format', 'json', ...params)
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toEqual(c.rows)
    }, 30_000)
  }
})
