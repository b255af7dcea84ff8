/**
 * `quarry run NAME --format html --template` (issue 13): a query's Velocity template rendered in
 * the converter sandbox into a standalone document that runs no script — PocketQuery's default
 * template as the same table as Quarry's, a chart script reported, a template error as the CLI's error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PQ_CASES, pqPath, startPqApi } from '../helpers/pq-converters.js'
import { runQuarry, type CliRun } from '../helpers/cli.js'
import { hasElement, htmlTables } from '../helpers/html-text.js'

let dir: string
let db: string
let api: Awaited<ReturnType<typeof startPqApi>>
const countries = PQ_CASES.find((c) => c.name === 'rest-countries')
const fixture = (file: string): string =>
  readFileSync(new URL(`../fixtures/pocketquery-templates/${file}`, import.meta.url), 'utf8')

function quarry(...args: string[]): Promise<CliRun> {
  return runQuarry({ db, dir }, ...args)
}

/** Gives queries templates the way an export file carries them (`quarry import`). */
async function withTemplates(templates: Record<string, unknown>): Promise<void> {
  const file = join(dir, 'config.json')
  const exported = await quarry('export', '--output', file)
  expect(exported.code, exported.stderr).toBe(0)
  const config = JSON.parse(readFileSync(file, 'utf8')) as { queries: { name: string; template?: unknown }[] }
  for (const query of config.queries) if (query.name in templates) query.template = templates[query.name]
  writeFileSync(file, JSON.stringify(config))
  const imported = await quarry('import', file, '--replace')
  expect(imported.code, imported.stderr).toBe(0)
}

beforeAll(async () => {
  if (countries === undefined) throw new Error('the rest-countries converter fixture is missing')
  api = await startPqApi()
  dir = mkdtempSync(join(tmpdir(), 'quarry-velocity-cli-'))
  db = join(dir, 'quarry.db')
  expect((await quarry('datasource', 'add', 'pq-api', '--url', api.url, '--auth', 'none')).code).toBe(0)
  for (const name of ['pq-velocity', 'pq-table', 'pq-chart', 'pq-broken', 'pq-defaults']) {
    const added = await quarry(
      'query',
      'add',
      name,
      '--datasource',
      'pq-api',
      '--path',
      pqPath(countries),
      '--converter',
      countries.file,
      // pq-defaults declares its parameters with the case's values as defaults: run without --param.
      ...(name === 'pq-defaults'
        ? Object.entries(countries.params).flatMap(([n, v]) => ['--param', `${n}=${v}`])
        : []),
    )
    expect(added.code, added.stderr).toBe(0)
  }
  await withTemplates({
    'pq-velocity': { type: 'velocity', source: fixture('default-template.vm') },
    'pq-chart': { type: 'velocity', source: fixture('chart.vm') },
    'pq-broken': { type: 'velocity', source: '<p>\n#foreach($r in $result)$r.Name\n#if(' },
    'pq-defaults': {
      type: 'velocity',
      source: Object.keys(countries.params)
        .map((n) => `<p data-param="${n}">$queryParameters.get("${n}")</p>`)
        .join('\n'),
    },
  })
}, 60_000)
afterAll(async () => {
  await api.close()
  rmSync(dir, { recursive: true, force: true })
})

const params = (): string[] =>
  Object.entries(countries?.params ?? {}).flatMap(([n, v]) => ['--param', `${n}=${v}`])

describe('quarry run --format html --template', () => {
  it("renders PocketQuery's default template as Quarry's default table, in a document that runs no script", async () => {
    const velocity = await quarry('run', 'pq-velocity', '--format', 'html', '--template', ...params())
    expect(velocity.code, velocity.stderr).toBe(0)
    const table = await quarry('run', 'pq-table', '--format', 'html', '--template', ...params())
    expect(table.code, table.stderr).toBe(0)
    expect(velocity.stdout).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;`,
    )
    expect(velocity.stdout).toContain('<table class="aui aui-table-sortable">')
    expect(hasElement(velocity.stdout, 'script')).toBe(false)
    const [pocketQuery] = htmlTables(velocity.stdout)
    const [quarryTable] = htmlTables(table.stdout)
    expect(pocketQuery?.length).toBe((countries?.rows.length ?? 0) + 1)
    expect(pocketQuery).toEqual(quarryTable)
  }, 30_000)

  it('reports a PocketQuery.chart script on stderr and in the document, and leaves it out', async () => {
    const run = await quarry('run', 'pq-chart', '--format', 'html', '--template', ...params())
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('note: This template draws a chart with PocketQuery.chart(…)')
    expect(run.stdout).toContain('Use a Quarry chart template instead')
    expect(hasElement(run.stdout, 'script')).toBe(false)
  }, 30_000)

  it('fails with the template’s error, its code and line', async () => {
    const run = await quarry('run', 'pq-broken', '--format', 'html', '--template', ...params())
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('The Velocity template does not parse at line 3')
    expect(run.stderr).toContain('QUARRY_VELOCITY_SYNTAX')
    expect(run.stdout).toBe('')
  }, 30_000)

  it("gives $queryParameters the run's values: a parameter left out has its default", async () => {
    const run = await quarry('run', 'pq-defaults', '--format', 'html', '--template')
    expect(run.code, run.stderr).toBe(0)
    for (const [name, value] of Object.entries(countries?.params ?? {}))
      expect(run.stdout).toContain(`<p data-param="${name}">${value}</p>`)
  }, 30_000)

  it('asks for --format html', async () => {
    const run = await quarry('run', 'pq-velocity', '--template')
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain('use it with --format html')
  })
})
