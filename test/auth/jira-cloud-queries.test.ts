import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  JIRA_CLOUD,
  jiraBaseUrl,
  jiraCloudDatasource,
  jiraCloudQueries,
} from '../../src/auth/presets/jira-cloud.js'
import { runQuery } from '../../src/engine/index.js'
import { STATUSES } from '../../src/sim/data/model.js'
import { agileSite, statusChanges, versionsOf } from '../../src/sim/jira/agile-world.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { connect, startTestSim } from '../helpers/sim.js'

/**
 * The Jira Cloud preset's ready-made queries, each run end to end through the engine (binding,
 * 3LO credentials, pagination, the sandboxed converter) against the simulator, and compared with
 * the simulator's own world.
 */
let sim: RunningSimulator
let engine: TestEngine
const rowsOf = async (query: string, params: Record<string, string> = {}) => {
  const result = await runQuery(engine, { query: `jira-${query}`, params })
  expect(result.notices).toEqual([])
  return JSON.parse(result.rowsJson) as Record<string, unknown>[]
}
const world = () => sim.context.world
const table = () => world().issues[0] as NonNullable<ReturnType<typeof world>['issues'][0]>
const agile = () => agileSite(world(), table())
const projectIndex = (key: string) => world().projects.findIndex((p) => p.key === key)

beforeAll(async () => {
  sim = await startTestSim({ issues: 2000, now: Date.parse('2026-11-28T12:00:00Z') })
  engine = await startTestEngine()
  const cloudId = world().sites[0]?.cloudId as string
  const datasource = jiraCloudDatasource({
    name: 'jira',
    clientId: 'test-app',
    clientSecret: 'test-secret',
    authUrl: sim.url,
    apiUrl: sim.url,
    redirectUri: 'http://localhost:8765/callback',
  })
  await engine.addDatasource({ ...datasource, baseUrl: jiraBaseUrl(sim.url, cloudId, 3) })
  for (const query of jiraCloudQueries('jira')) await engine.addQuery(query)
  // The preset's own scopes: consent grants exactly what a real app would ask for.
  const tokens = await connect(sim, { scope: JIRA_CLOUD.scopes })
  await engine.store.connections.put('jira', {
    tokens: { access_token: tokens.access_token, refresh_token: tokens.refresh_token as string },
    accessExpiresAt: new Date(Date.now() + tokens.expires_in * 1000),
    status: 'connected',
    statusMessage: null,
    scope: tokens.scope,
    site: null,
    lastRefreshAt: new Date(),
    lastUsedAt: null,
  })
}, 60_000)

afterAll(async () => {
  await engine?.close()
  await sim?.close()
})

describe('the Jira Cloud preset’s ready-made queries, against the simulator', () => {
  it('boards: one row per board of the site', async () => {
    expect(await rowsOf('boards')).toEqual(
      agile().boards.map((b) => ({ Board: b.id, Name: b.name, Type: b.type, Project: b.project.key })),
    )
  })

  it('sprints: a board’s sprints, filtered by state', async () => {
    const board = agile().boards.find((b) => b.type === 'scrum')
    if (!board) throw new Error('no scrum board')
    const all = await rowsOf('sprints', { board: String(board.id) })
    expect(all.map((r) => r.Sprint)).toEqual(board.sprints.map((s) => s.id))
    expect(all.at(-1)).toMatchObject({ State: 'future', Start: '', End: '' })
    const active = await rowsOf('sprints', { board: String(board.id), state: 'active' })
    expect(active).toEqual([expect.objectContaining({ State: 'active', Completed: '' })])
  })

  it('sprint issues: every issue of the active sprint, across pages', async () => {
    const board = agile().boards.find((b) => b.type === 'scrum')
    const sprint = board?.sprints.find((s) => s.state === 'active')
    const rows = await rowsOf('sprint-issues', { sprint: String(sprint?.id) })
    const expected = (agile().sprintRows.get(sprint?.id ?? 0) ?? []).map((row) => table().key(row))
    expect(expected.length).toBeGreaterThan(0)
    expect(rows.map((r) => r.Key)).toEqual(expected)
    for (const row of rows) expect(row.Sprint).toBe(sprint?.name)
  })

  it('epics and their issues', async () => {
    const demo = agile().boards.find((b) => b.project.key === 'DEMO')
    const epics = await rowsOf('epics', { board: String(demo?.id) })
    const epicRows = agile().epicRows.get(projectIndex('DEMO')) ?? []
    expect(epics.map((e) => e.Epic)).toEqual(epicRows.map((row) => table().key(row)))
    const [epicRow, children] = [...agile().epicChildren].find(
      ([row, c]) => c.length > 0 && epicRows.includes(row),
    ) ?? [0, []]
    const issues = await rowsOf('epic-issues', { epic: table().key(epicRow) })
    expect(issues.map((i) => i.Key)).toEqual(children.map((row) => table().key(row)))
    for (const issue of issues) expect(issue.Epic).toBe(table().key(epicRow))
  })

  it('versions: a project’s versions, newest release first', async () => {
    const rows = await rowsOf('versions', { project: 'WEB' })
    const versions = versionsOf(world(), projectIndex('WEB')).sort((a, b) => b.release - a.release)
    expect(rows.map((r) => r.Version)).toEqual(versions.map((v) => v.name))
    expect(rows.map((r) => r.Released)).toEqual(versions.map((v) => v.released))
  })

  it('time in status: hours per issue and status from the changelog, the current status up to now', async () => {
    const before = Date.now()
    const rows = await rowsOf('time-in-status', { jql: 'project = OPS ORDER BY key ASC' })
    const after = Date.now()
    const hours = (ms: number) => Math.round(ms / 360_000) / 10
    let checked = 0
    for (let row = 0; row < table().count; row++) {
      if (world().projects[table().project[row] as number]?.key !== 'OPS') continue
      const key = table().key(row)
      const changes = statusChanges(table(), row)
      const spent = new Map<string, { ms: number; times: number }>()
      let status = changes[0]?.from ?? (table().status[row] as number)
      let since = table().created[row] as number
      for (const change of changes) {
        const name = STATUSES[status]?.name ?? ''
        const entry = spent.get(name) ?? { ms: 0, times: 0 }
        spent.set(name, { ms: entry.ms + change.at - since, times: entry.times + 1 })
        status = change.to
        since = change.at
      }
      const current = STATUSES[table().status[row] as number]?.name ?? ''
      const mine = rows.filter((r) => r.Key === key)
      expect(mine.map((r) => r.Status).sort()).toEqual([...new Set([...spent.keys(), current])].sort())
      for (const r of mine) {
        const past = spent.get(r.Status as string) ?? { ms: 0, times: 0 }
        expect(r.Current).toBe(r.Status === current)
        if (r.Status !== current) {
          expect(r).toEqual({
            Key: key,
            Status: r.Status,
            Hours: hours(past.ms),
            Times: past.times,
            Current: false,
          })
        } else {
          expect(r.Times).toBe(past.times + 1)
          expect(r.Hours).toBeGreaterThanOrEqual(hours(past.ms + before - since) - 0.1)
          expect(r.Hours).toBeLessThanOrEqual(hours(past.ms + after - since) + 0.1)
        }
      }
      checked++
    }
    expect(checked).toBeGreaterThan(100)
    expect(rows.some((r) => r.Status === 'Blocked' && r.Current === false)).toBe(true)
  })
})
