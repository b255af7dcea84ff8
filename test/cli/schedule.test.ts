import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runQuarry } from '../helpers/cli.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

/** `quarry schedule …` (issue 16) through the built CLI on a real store, against a real upstream. */

let upstream: Upstream
let engine: TestEngine
let where: { db: string; dir: string }

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify([
        { key: 'OPS-1', asked: req.url },
        { key: 'OPS-2', asked: req.url },
      ]),
    )
  })
  engine = await startTestEngine()
  await engine.addDatasource({ name: 'api', type: 'rest', baseUrl: upstream.url })
  await engine.addQuery({
    name: 'bugs',
    datasource: 'api',
    path: '/bugs?project=:project',
    params: [{ name: 'project' }],
  })
  where = { db: join(engine.dir, 'quarry.db'), dir: engine.dir }
  // The CLI opens the store itself: this process lets go of it.
  await engine.store.close()
})
afterAll(async () => {
  await engine.converters.close()
  await upstream.close()
})

describe('quarry schedule', () => {
  it('adds a schedule with its parameters and zone, lists it with its next run, and refuses a bad pattern', async () => {
    const added = await runQuarry(
      where,
      ...['schedule', 'add', 'mornings', '--query', 'bugs', '--cron', '0 7 * * 1-5', '--tz', 'Europe/Berlin'],
      ...['--param', 'project=OPS'],
    )
    expect(added.stderr).toBe('')
    expect(added.stdout).toMatch(
      /^Added schedule "mornings": bugs at "0 7 \* \* 1-5" \(Europe\/Berlin\); next run \d{4}-\d\d-\d\d \d\d:00:00Z/,
    )
    const listed = await runQuarry(where, 'schedule', 'list')
    expect(listed.stdout).toContain('mornings  ·  bugs  ·  "0 7 * * 1-5" Europe/Berlin  ·  next run ')
    expect(listed.stdout).toContain('never run')

    const bad = await runQuarry(where, 'schedule', 'add', 'x', '--query', 'bugs', '--cron', '0 7 * *')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^quarry: Invalid schedule "x": --cron: not a cron pattern/)
  })

  it('runs a schedule now and shows its last run; edit switches it off; remove removes it', async () => {
    const ran = await runQuarry(where, 'schedule', 'run', 'mornings')
    expect(ran.stdout).toMatch(/^Ran schedule "mornings": 2 rows/)
    const shown = JSON.parse((await runQuarry(where, 'schedule', 'show', 'mornings')).stdout)
    expect(shown).toMatchObject({ lastStatus: 'ok', lastRowCount: 2, params: { project: 'OPS' } })
    expect(shown.runs).toHaveLength(1)

    const off = await runQuarry(where, 'schedule', 'edit', 'mornings', '--disable')
    expect(off.stdout).toBe('Updated schedule "mornings"; switched off.\n')
    expect((await runQuarry(where, 'schedule', 'list')).stdout).toContain('  ·  off  ·  ')
    expect((await runQuarry(where, 'schedule', 'remove', 'mornings')).stdout).toBe(
      'Removed schedule "mornings".\n',
    )
    expect((await runQuarry(where, 'schedule', 'list')).stdout).toMatch(/^No schedules yet/)
  })

  it('takes a snapshot at each run of a schedule added with --snapshot, and none after --no-snapshot', async () => {
    const added = await runQuarry(
      where,
      ...['schedule', 'add', 'frozen', '--query', 'bugs', '--cron', '0 2 * * *', '--param', 'project=OPS'],
      '--snapshot',
    )
    expect(added.code, added.stderr).toBe(0)
    expect(JSON.parse((await runQuarry(where, 'schedule', 'show', 'frozen')).stdout)).toMatchObject({
      snapshot: true,
    })
    expect((await runQuarry(where, 'schedule', 'run', 'frozen')).code).toBe(0)
    const listed = await runQuarry(where, 'snapshot', 'list', 'bugs')
    expect(listed.stdout).toContain('by schedule:frozen')
    const count = listed.stdout.match(/by schedule:frozen/g)?.length ?? 0

    expect((await runQuarry(where, 'schedule', 'edit', 'frozen', '--no-snapshot')).code).toBe(0)
    expect((await runQuarry(where, 'schedule', 'run', 'frozen')).code).toBe(0)
    const again = await runQuarry(where, 'snapshot', 'list', 'bugs')
    expect(again.stdout.match(/by schedule:frozen/g)?.length ?? 0).toBe(count)
  })
})
