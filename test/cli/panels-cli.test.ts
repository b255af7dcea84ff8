/**
 * Issue 17's panels in the CLI: `quarry run --format html --template` renders a stat, a chart with
 * the new settings and a formatted table into the standalone document (escaped, no link to
 * `javascript:`), and `quarry template add` names a template's bad setting with a coded error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runQuarry, type CliRun } from '../helpers/cli.js'
import { HOSTILE, PANEL_TEMPLATES, writePanelData } from '../helpers/panel-data.js'

let dir: string
let db: string

function quarry(...args: string[]): Promise<CliRun> {
  return runQuarry({ db, dir }, ...args)
}

async function withTemplate(query: string, name: string, template: unknown): Promise<CliRun> {
  const file = join(dir, `${name}.json`)
  writeFileSync(file, JSON.stringify(template))
  const added = await quarry('template', 'add', name, '--file', file)
  if (added.code !== 0) return added
  const edited = await quarry('query', 'edit', query, '--template-name', name)
  expect(edited.code, edited.stderr).toBe(0)
  return quarry('run', query, '--format', 'html', '--template')
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-panels-cli-'))
  db = join(dir, 'quarry.db')
  const path = writePanelData(dir)
  expect((await quarry('datasource', 'add', 'panels', '--type', 'sqlite', '--path', path)).code).toBe(0)
  for (const name of ['stat-issues', 'chart-issues', 'table-issues']) {
    const added = await quarry(
      'query',
      'add',
      name,
      '--datasource',
      'panels',
      '--sql',
      'SELECT key, created, points, spent, status, category, link, summary, team FROM issues ORDER BY rowid',
    )
    expect(added.code, added.stderr).toBe(0)
  }
}, 60_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('quarry run --format html --template', () => {
  it('renders a stat', async () => {
    const run = await withTemplate('stat-issues', 'points-stat', PANEL_TEMPLATES.stat)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('<figure class="quarry-stat quarry-stat--amber">')
    expect(run.stdout).toContain('<p class="quarry-stat-value">174</p>')
  }, 60_000)

  it('renders a chart with the new settings and its text alternative', async () => {
    const run = await withTemplate('chart-issues', 'points-bar', PANEL_TEMPLATES.bar)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain(
      'aria-label="Points by status. Bar chart of sum of points by status, one series per team."',
    )
    expect(run.stdout).toContain('<details class="quarry-chart-data">')
  }, 60_000)

  it('renders a formatted table, hostile values as text and no javascript: link', async () => {
    const run = await withTemplate('table-issues', 'issue-table', PANEL_TEMPLATES.table)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain(
      '<a href="https://acme.atlassian.net/browse/QA-1" rel="noopener noreferrer">QA-1</a>',
    )
    expect(run.stdout).toContain('<td>Open QA-5</td>')
    expect(run.stdout).not.toMatch(/href="javascript/i)
    expect(run.stdout).not.toContain(HOSTILE)
    expect(run.stdout).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  }, 60_000)
})

describe('a bad panel setting', () => {
  it('is named when the template is added', async () => {
    const run = await withTemplate('table-issues', 'bad-link', {
      type: 'table',
      columns: [{ column: 'link', format: { type: 'link', url: 'javascript:alert(1)' } }],
    })
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(
      'Template columns 1 format URL: a link URL must start with https:// or http://',
    )
    expect(run.stderr).toContain('(QUARRY_CONFIG_INVALID)')
  }, 60_000)

  it('names a column the result does not have when the view is drawn', async () => {
    const run = await withTemplate('stat-issues', 'typo-stat', { type: 'stat', column: 'Points' })
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(`The stat's column "Points" is not in the result`)
    expect(run.stderr).toContain('QUARRY_VIEW_TEMPLATE_INVALID')
  }, 60_000)
})
