import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runQuarry } from '../helpers/cli.js'

/**
 * `quarry snapshot take|list|show|diff|remove|retention` (issue 16), the built CLI on a SQLite
 * datasource whose table the test changes between snapshots.
 */

let dir: string
let where: { db: string; dir: string }
let data: string

const quarry = (...args: string[]) => runQuarry(where, ...args)

function setRows(sql: string): void {
  const db = new DatabaseSync(data)
  db.exec(`delete from issues; ${sql}`)
  db.close()
}

/** The ids `snapshot list --format json` shows, newest first. */
async function ids(): Promise<string[]> {
  const listed = await quarry('snapshot', 'list', 'issues', '--format', 'json')
  expect(listed.code, listed.stderr).toBe(0)
  return (JSON.parse(listed.stdout) as { id: string }[]).map((s) => s.id)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-snapshot-cli-'))
  where = { db: join(dir, 'quarry.db'), dir }
  data = join(dir, 'data.db')
  const db = new DatabaseSync(data)
  db.exec('create table issues (key text, status text, points integer, project text)')
  db.close()
  expect((await quarry('datasource', 'add', 'lite', '--type', 'sqlite', '--path', data)).code).toBe(0)
  const added = await quarry(
    'query',
    'add',
    'issues',
    '--datasource',
    'lite',
    '--sql',
    'SELECT key, status, points FROM issues WHERE project = :project ORDER BY key',
    '--param',
    'project:string',
  )
  expect(added.code, added.stderr).toBe(0)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('quarry snapshot', () => {
  it('takes a snapshot: runs the query and says its id, rows and parameters', async () => {
    setRows(
      "insert into issues values ('QA-1', 'Open', 3, 'QA'), ('QA-2', 'Open', 5, 'QA'), ('XX-1', 'Open', 1, 'XX')",
    )
    const taken = await quarry('snapshot', 'take', 'issues', '--param', 'project=QA')
    expect(taken.code, taken.stderr).toBe(0)
    expect(taken.stdout).toMatch(
      /^Snapshot [0-9a-f]{12} of "issues": 2 rows, project=QA, taken \d{4}-\d\d-\d\dT/,
    )
  })

  it('shows a snapshot like quarry run, after the source changed', async () => {
    setRows("insert into issues values ('QA-1', 'Done', 2, 'QA'), ('QA-3', 'Open', 8, 'QA')")
    const [first] = await ids()
    const json = await quarry('snapshot', 'show', 'issues', first!, '--format', 'json')
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual([
      { key: 'QA-1', status: 'Open', points: 3 },
      { key: 'QA-2', status: 'Open', points: 5 },
    ])
    expect(json.stderr).toContain(`note: snapshot ${first}, taken `)
    const csv = await quarry(
      'snapshot',
      'show',
      'issues',
      'latest',
      '--format',
      'csv',
      '--columns',
      'key,points',
    )
    expect(
      csv.stdout
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/),
    ).toEqual(['key,points', 'QA-1,3', 'QA-2,5'])
    const table = await quarry('snapshot', 'show', 'issues', first!)
    expect(table.stdout).toContain('QA-2')
  })

  it('lists the snapshots newest first, and diffs two by a key column', async () => {
    const taken = await quarry('snapshot', 'take', 'issues', '--param', 'project=QA', '--refresh')
    expect(taken.code, taken.stderr).toBe(0)
    const [second, first] = await ids()
    const text = await quarry('snapshot', 'list', 'issues')
    expect(text.stdout.split('\n')[0]).toMatch(
      new RegExp(`^${second}  ·  .*  ·  2 rows  ·  by cli  ·  project=QA  ·  version [0-9a-f]{8}$`),
    )

    const diff = await quarry('snapshot', 'diff', 'issues', first!, second!, '--key', 'key')
    expect(diff.code, diff.stderr).toBe(0)
    expect(diff.stdout.split('\n').slice(1)).toEqual([
      '+ "QA-3"',
      '- "QA-2"',
      '~ "QA-1"  status: "Open" → "Done"; points: 3 → 2',
      '1 added, 1 removed, 1 changed, 0 unchanged',
      '',
    ])
    const json = await quarry('snapshot', 'diff', 'issues', first!, 'latest', '--format', 'json')
    // Without --key: the first column.
    expect(JSON.parse(json.stdout)).toMatchObject({
      key: 'key',
      added: [{ key: 'QA-3' }],
      removed: [{ key: 'QA-2' }],
    })
  })

  it('finds a snapshot by day, and says so when none was taken by then', async () => {
    const today = new Date().toISOString().slice(0, 10)
    const [latest] = await ids()
    const shown = await quarry('snapshot', 'show', 'issues', today, '--format', 'json')
    expect(JSON.parse(shown.stdout)).toHaveLength(2)
    expect(shown.stderr).toContain(`snapshot ${latest}`)
    const none = await quarry('snapshot', 'show', 'issues', '2001-01-01')
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('has no snapshot taken on or before 2001-01-01')
    expect(none.stderr).toContain('QUARRY_SNAPSHOT_NOT_FOUND')
  })

  it('refuses a diff key that is in neither snapshot, naming the columns', async () => {
    const diff = await quarry('snapshot', 'diff', 'issues', 'latest', 'latest', '--key', 'Key')
    expect(diff.code).toBe(2)
    expect(diff.stderr).toContain('Choose one of: key, status, points')
  })

  it('keeps the newest N by the retention rule, and removes one by hand', async () => {
    const set = await quarry('snapshot', 'retention', 'issues', '--keep', '1')
    expect(set.code, set.stderr).toBe(0)
    expect(set.stdout).toBe(
      '"issues" keeps the newest 1 of its snapshots.\nRemoved 1 snapshot the rule does not keep.\n',
    )
    const [kept] = await ids()
    expect(await ids()).toHaveLength(1)
    const removed = await quarry('snapshot', 'remove', 'issues', kept!)
    expect(removed.stdout).toContain(`Removed snapshot ${kept} of "issues"`)
    expect(await ids()).toEqual([])
    const back = await quarry('snapshot', 'retention', 'issues', '--default')
    expect(back.stdout).toBe('"issues" keeps the newest 100 of its snapshots (the default).\n')
  })
})
