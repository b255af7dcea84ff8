import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runQuarry } from '../helpers/cli.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'

/** `quarry dashboard …` (issue 17) through the built CLI on a real store, over a real SQLite datasource. */

let engine: TestEngine
let where: { db: string; dir: string }

beforeAll(async () => {
  engine = await startTestEngine()
  await engine.addDatasource({ name: 'db', type: 'sqlite', path: join(engine.dir, 'quarry.db') })
  await engine.addQuery({
    name: 'greeting',
    datasource: 'db',
    sql: "SELECT :who AS name, 'hello' AS word",
    params: [{ name: 'who', type: 'string', default: 'nobody' }],
  })
  await engine.addQuery({ name: 'broken', datasource: 'db', sql: 'SELECT * FROM no_such_table' })
  where = { db: join(engine.dir, 'quarry.db'), dir: engine.dir }
  // The CLI opens the store itself: this process lets go of it.
  await engine.store.close()
})
afterAll(() => engine.converters.close())

describe('quarry dashboard', () => {
  it('adds a dashboard from flags, lists it and shows it as JSON', async () => {
    const added = await runQuarry(
      where,
      'dashboard',
      'add',
      'team',
      '--title',
      'Team',
      '--param',
      'who=world',
      '--panel',
      'greeting:0,0,6,2',
      '--panel',
      'greeting:6,0,6,2',
    )
    expect(added.stderr).toBe('')
    expect(added.stdout).toContain('Added dashboard "team" with 2 panels.')
    expect((await runQuarry(where, 'dashboard', 'list')).stdout).toBe(
      'team  ·  "Team"  ·  2 panels  ·  /d/team\n',
    )
    const shown = JSON.parse((await runQuarry(where, 'dashboard', 'show', 'team')).stdout)
    expect(shown).toMatchObject({
      params: [{ name: 'who', default: 'world' }],
      panels: [
        { id: 'greeting', query: 'greeting', x: 0, width: 6 },
        { id: 'greeting-2', query: 'greeting', x: 6, width: 6 },
      ],
    })
  })

  it('refuses a panel on a query that does not exist, with its code', async () => {
    const refused = await runQuarry(where, 'dashboard', 'add', 'typo', '--panel', 'greetings')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('Panel "greetings" shows query "greetings", which does not exist.')
  })

  it('renders every panel with the shared parameter into one self-contained HTML file', async () => {
    const out = join(engine.dir, 'team.html')
    const rendered = await runQuarry(where, 'dashboard', 'render', 'team', '--param', 'who=Ada', '--out', out)
    expect(rendered.code).toBe(0)
    const html = readFileSync(out, 'utf8')
    expect(html).toMatch(/^<!doctype html>/)
    expect(html.match(/<td>Ada<\/td>/g)).toHaveLength(2)
    expect(html).toContain('class="quarry-dash-panel qd-x6 qd-w6 qd-y0 qd-h2"')
    expect(html).toContain('.qd-x6{grid-column-start:7}')
    // Nothing to load from anywhere, nothing to run.
    expect(html).not.toMatch(/<script|<link|src="http/)
  })

  it('renders a failing panel’s coded error in its place, the others still, and exits 1', async () => {
    await runQuarry(
      where,
      'dashboard',
      'edit',
      'team',
      '--panel',
      'greeting:0,0,6,2',
      '--panel',
      'broken:6,0,6,2',
    )
    const rendered = await runQuarry(where, 'dashboard', 'render', 'team')
    expect(rendered.code).toBe(1)
    expect(rendered.stdout).toContain('<td>world</td>')
    expect(rendered.stdout).toMatch(/class="quarry-error" role="alert">[^<]*\(QUARRY_[A-Z_]+\)/)
    expect(rendered.stderr).toMatch(/^note: panel "broken": .*\(QUARRY_[A-Z_]+\)$/m)
  })

  it('renames and removes a dashboard', async () => {
    expect((await runQuarry(where, 'dashboard', 'edit', 'team', '--rename', 'crew')).stdout).toBe(
      'Saved dashboard "crew".\n',
    )
    expect((await runQuarry(where, 'dashboard', 'remove', 'crew')).stdout).toBe('Removed dashboard "crew".\n')
    const gone = await runQuarry(where, 'dashboard', 'show', 'crew')
    expect(gone.stderr).toContain(
      'No dashboard named "crew". List the dashboards with: quarry dashboard list',
    )
  })
})
