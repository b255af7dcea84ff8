import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { agileSite } from '../../src/sim/jira/agile-world.js'
import { connect, startTestSim } from '../helpers/sim.js'

/**
 * The Agile API is not in the platform OpenAPI document, so its shapes are checked against
 * the examples of Atlassian's Jira Software Cloud REST reference (see src/sim/jira/agile.ts).
 */
const AGILE_SCOPES =
  'read:jira-work read:board-scope:jira-software read:sprint:jira-software read:epic:jira-software offline_access'

interface Page<T> {
  startAt: number
  maxResults: number
  total: number
  isLast: boolean
  values: T[]
}
interface Board {
  id: number
  self: string
  name: string
  type: string
  location: { projectKey: string; projectId: number; projectTypeKey: string }
}
interface Sprint {
  id: number
  self: string
  state: string
  name: string
  startDate?: string
  endDate?: string
  completeDate?: string
  originBoardId: number
  goal: string
}
interface Epic {
  id: number
  key: string
  self: string
  name: string
  summary: string
  color: { key: string }
  done: boolean
}
interface IssuePage {
  startAt: number
  maxResults: number
  total: number
  issues: { key: string; fields: Record<string, unknown> }[]
}

let sim: RunningSimulator
let token: string
let base: string
beforeAll(async () => {
  sim = await startTestSim({ issues: 1000, now: Date.parse('2026-11-28T12:00:00Z') })
  token = (await connect(sim, { scope: AGILE_SCOPES })).access_token
  base = `${sim.url}/ex/jira/${sim.context.world.sites[0]?.cloudId}/rest/agile/1.0`
})
afterAll(async () => {
  await sim.close()
})

const get = (path: string, bearer = token) =>
  fetch(`${base}/${path}`, { headers: { authorization: `Bearer ${bearer}` } })
async function ok<T>(path: string): Promise<T> {
  const response = await get(path)
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as T
}
const boardId = (key: string) => sim.context.world.projects.findIndex((p) => p.key === key) + 1
const agile = () => agileSite(sim.context.world, sim.context.world.issues[0] as never)

describe('agile API: boards', () => {
  it('lists one board per project of the site, in the documented Board shape', async () => {
    const boards = await ok<Page<Board>>('board')
    expect(boards.values.map((b) => b.location.projectKey)).toEqual(['DEMO', 'WEB', 'OPS'])
    expect(boards).toMatchObject({ startAt: 0, maxResults: 50, total: 3, isLast: true })
    expect(boards.values[0]).toEqual({
      id: boardId('DEMO'),
      self: `${sim.context.world.sites[0]?.url}/rest/agile/1.0/board/${boardId('DEMO')}`,
      name: 'DEMO board',
      type: expect.stringMatching(/^(scrum|kanban)$/),
      location: expect.objectContaining({ projectKey: 'DEMO', projectId: expect.any(Number) }),
    })
  })

  it('filters by projectKeyOrId, by key or by id, and negates that with negateLocationFiltering', async () => {
    const demo = sim.context.world.projects.find((p) => p.key === 'DEMO')
    const byKey = await ok<Page<Board>>('board?projectKeyOrId=DEMO')
    const byId = await ok<Page<Board>>(`board?projectKeyOrId=${demo?.id}`)
    expect(byKey.values.map((b) => b.location.projectKey)).toEqual(['DEMO'])
    expect(byId.values).toEqual(byKey.values)
    const others = await ok<Page<Board>>('board?projectKeyOrId=DEMO&negateLocationFiltering=true')
    expect(others.values.map((b) => b.location.projectKey)).toEqual(['WEB', 'OPS'])
  })

  it('filters by type, by a part of the name and by project type', async () => {
    const all = await ok<Page<Board>>('board')
    const scrum = await ok<Page<Board>>('board?type=scrum')
    expect(scrum.values).toEqual(all.values.filter((b) => b.type === 'scrum'))
    expect((await ok<Page<Board>>('board?name=eb%20bo')).values.map((b) => b.name)).toEqual(['WEB board'])
    const software = await ok<Page<Board>>('board?projectTypeLocation=software')
    expect(software.values).toEqual(all.values.filter((b) => b.location.projectTypeKey === 'software'))
  })

  it('orders by name, either way, and refuses an orderBy it does not know', async () => {
    expect((await ok<Page<Board>>('board?orderBy=name')).values.map((b) => b.name)).toEqual([
      'DEMO board',
      'OPS board',
      'WEB board',
    ])
    expect((await ok<Page<Board>>('board?orderBy=-name')).values.map((b) => b.name)).toEqual([
      'WEB board',
      'OPS board',
      'DEMO board',
    ])
    expect((await get('board?orderBy=created')).status).toBe(400)
  })

  it('filters by projectLocation as by projectKeyOrId', async () => {
    expect((await ok<Page<Board>>('board?projectLocation=OPS')).values.map((b) => b.name)).toEqual([
      'OPS board',
    ])
  })

  it('filters by accountIdLocation: boards whose project the user leads or has issues in', async () => {
    const world = sim.context.world
    const table = world.issues[0]
    const relevant = (userIndex: number) =>
      world.projects
        .filter((p, index) => {
          if (p.siteIndex !== 0) return false
          if (p.leadIndex === userIndex) return true
          for (let row = 0; row < (table?.count ?? 0); row++)
            if (table?.project[row] === index && table.assignee[row] === userIndex) return true
          return false
        })
        .map((p) => p.key)
    const alice = world.users.findIndex((u) => u.login === 'alice')
    const found = await ok<Page<Board>>(`board?accountIdLocation=${world.users[alice]?.accountId}`)
    expect(found.values.map((b) => b.location.projectKey)).toEqual(relevant(alice))
    expect(found.total).toBeGreaterThan(0)
    const stranger = await ok<Page<Board>>('board?accountIdLocation=nobody')
    expect(stranger.total).toBe(0)
    const negated = await ok<Page<Board>>('board?accountIdLocation=nobody&negateLocationFiltering=true')
    expect(negated.total).toBe(3)
  })

  it('expands admins (the project lead) and permissions', async () => {
    const plain = await ok<Page<Board & { admins?: unknown }>>('board?projectKeyOrId=DEMO')
    expect(plain.values[0]?.admins).toBeUndefined()
    const expanded = await ok<Page<Board & { admins: { users: { accountId: string }[] }; canEdit: boolean }>>(
      'board?projectKeyOrId=DEMO&expand=admins,permissions',
    )
    const demo = sim.context.world.projects.find((p) => p.key === 'DEMO')
    expect(expanded.values[0]?.admins.users.map((u) => u.accountId)).toEqual([
      sim.context.world.users[demo?.leadIndex ?? -1]?.accountId,
    ])
    expect(expanded.values[0]?.canEdit).toBe(true)
  })

  it('finds no board for a saved filter: no simulated board is built on one', async () => {
    expect((await ok<Page<Board>>('board?filterId=10000')).total).toBe(0)
  })

  it('pages boards with startAt and maxResults', async () => {
    const first = await ok<Page<Board>>('board?maxResults=2')
    const second = await ok<Page<Board>>('board?startAt=2&maxResults=2')
    expect(first).toMatchObject({ isLast: false, total: 3 })
    expect(second).toMatchObject({ isLast: true, startAt: 2 })
    expect([...first.values, ...second.values].map((b) => b.name)).toEqual([
      'DEMO board',
      'WEB board',
      'OPS board',
    ])
  })

  it('gets one board, and answers 404 for a board that does not exist', async () => {
    expect((await ok<Board>(`board/${boardId('WEB')}`)).name).toBe('WEB board')
    expect((await get('board/999')).status).toBe(404)
  })

  it('pages a board’s issues with startAt, maxResults and total, without gaps or duplicates', async () => {
    const keys: string[] = []
    let total = Infinity
    for (let startAt = 0; startAt < total; startAt += 100) {
      const page = await ok<IssuePage>(
        `board/${boardId('DEMO')}/issue?startAt=${startAt}&maxResults=500&fields=summary`,
      )
      expect(page.maxResults).toBe(100)
      total = page.total
      keys.push(...page.issues.map((i) => i.key))
    }
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys.length).toBe(total)
    expect(keys.every((key) => key.startsWith('DEMO-'))).toBe(true)
  })

  it('needs the Jira Software board scope', async () => {
    const classic = (await connect(sim, { scope: 'read:jira-work' })).access_token
    expect((await get('board', classic)).status).toBe(401)
  })
})

describe('agile API: sprints', () => {
  const scrumBoard = () => agile().boards.find((b) => b.type === 'scrum')

  it('lists a board’s sprints: closed ones, the active one holding today, and a future one', async () => {
    const board = scrumBoard()
    const sprints = await ok<Page<Sprint>>(`board/${board?.id}/sprint`)
    expect(sprints.total).toBe(14)
    expect(sprints.values.map((s) => s.state)).toEqual([...Array(12).fill('closed'), 'active', 'future'])
    const active = sprints.values[12] as Sprint
    const now = Date.parse('2026-11-28T12:00:00Z')
    expect(Date.parse(active.startDate ?? '')).toBeLessThanOrEqual(now)
    expect(Date.parse(active.endDate ?? '')).toBeGreaterThan(now)
    expect(sprints.values[0]).toMatchObject({ originBoardId: board?.id, completeDate: expect.any(String) })
    expect(sprints.values[13]?.startDate).toBeUndefined()
  })

  it('filters sprints by state, comma-separated, and refuses an unknown state', async () => {
    const board = scrumBoard()
    const open = await ok<Page<Sprint>>(`board/${board?.id}/sprint?state=active,future`)
    expect(open.values.map((s) => s.state)).toEqual(['active', 'future'])
    expect((await get(`board/${board?.id}/sprint?state=open`)).status).toBe(400)
  })

  it('pages sprints with startAt and maxResults', async () => {
    const board = scrumBoard()
    const page = await ok<Page<Sprint>>(`board/${board?.id}/sprint?startAt=10&maxResults=3`)
    expect(page).toMatchObject({ startAt: 10, maxResults: 3, isLast: false, total: 14 })
    expect(page.values.map((s) => s.name)).toEqual(
      [11, 12, 13].map((n) => `${board?.project.key} Sprint ${n}`),
    )
  })

  it('answers 400 for the sprints of a kanban board (initech’s business project), as Jira does', async () => {
    const other = await startTestSim({ issues: 300, autoConsent: { login: 'carol', sites: ['initech'] } })
    try {
      const initech = other.context.world.sites.findIndex((site) => site.name === 'initech')
      const carol = (await connect(other, { scope: AGILE_SCOPES })).access_token
      const at = (path: string) =>
        fetch(`${other.url}/ex/jira/${other.context.world.sites[initech]?.cloudId}/rest/agile/1.0/${path}`, {
          headers: { authorization: `Bearer ${carol}` },
        })
      const listed = await at('board?type=kanban')
      expect(listed.status, await listed.clone().text()).toBe(200)
      const boards = (await listed.json()) as Page<Board>
      expect(boards.values.map((b) => b.location.projectKey)).toEqual(['TPS'])
      const sprints = await at(`board/${boards.values[0]?.id}/sprint`)
      expect(sprints.status).toBe(400)
      expect(await sprints.json()).toEqual({
        errorMessages: ['The board does not support sprints'],
        errors: {},
      })
    } finally {
      await other.close()
    }
  })

  it('lists a sprint’s issues, each with its sprint field, and narrows them with jql', async () => {
    const board = scrumBoard()
    const active = board?.sprints.find((s) => s.state === 'active')
    const rows = agile().sprintRows.get(active?.id ?? 0) ?? []
    expect(rows.length).toBeGreaterThan(0)
    const page = await ok<IssuePage>(`sprint/${active?.id}/issue?fields=summary,status,sprint&maxResults=100`)
    expect(page.total).toBe(rows.length)
    for (const issue of page.issues)
      expect(issue.fields.sprint).toMatchObject({ id: active?.id, state: 'active' })
    const narrowed = await ok<IssuePage>(
      `sprint/${active?.id}/issue?jql=${encodeURIComponent('status = Done')}&fields=status`,
    )
    for (const issue of narrowed.issues) expect((issue.fields.status as { name: string }).name).toBe('Done')
    expect(narrowed.total).toBeLessThan(page.total + 1)
  })

  it('refuses JQL it cannot run unless validateQuery=false', async () => {
    const active = scrumBoard()?.sprints.find((s) => s.state === 'active')
    expect((await get(`sprint/${active?.id}/issue?jql=nonsense%20%3D%3D`)).status).toBe(400)
    const lenient = await ok<IssuePage>(
      `sprint/${active?.id}/issue?jql=nonsense%20%3D%3D&validateQuery=false`,
    )
    expect(lenient.total).toBe(agile().sprintRows.get(active?.id ?? 0)?.length)
  })

  it('puts every done issue of a closed sprint there, resolved within the sprint', async () => {
    const table = sim.context.world.issues[0]
    const closed = scrumBoard()?.sprints.find(
      (s) => s.state === 'closed' && (agile().sprintRows.get(s.id)?.length ?? 0) > 0,
    )
    for (const row of agile().sprintRows.get(closed?.id ?? 0) ?? []) {
      const updated = table?.updated[row] as number
      expect(updated).toBeGreaterThanOrEqual(closed?.start ?? 0)
      expect(updated).toBeLessThan(closed?.end ?? 0)
    }
  })

  it('gets one sprint, needs the sprint scope, and answers 404 for one that does not exist', async () => {
    const active = scrumBoard()?.sprints.find((s) => s.state === 'active')
    expect((await ok<Sprint>(`sprint/${active?.id}`)).state).toBe('active')
    expect((await get('sprint/1')).status).toBe(404)
    const boardOnly = (await connect(sim, { scope: 'read:board-scope:jira-software' })).access_token
    expect((await get(`sprint/${active?.id}`, boardOnly)).status).toBe(401)
  })
})

describe('agile API: epics and versions', () => {
  const demo = () => boardId('DEMO')

  it('lists a board’s epics, the project’s Epic issues, in the documented Epic shape', async () => {
    const epics = await ok<Page<Epic>>(`board/${demo()}/epic?maxResults=100`)
    const rows = agile().epicRows.get(demo() - 1) ?? []
    expect(epics.total).toBe(rows.length)
    expect(epics.total).toBeGreaterThan(0)
    expect(epics.values[0]).toEqual({
      id: expect.any(Number),
      key: expect.stringMatching(/^DEMO-\d+$/),
      self: expect.stringContaining('/rest/agile/1.0/epic/'),
      name: expect.any(String),
      summary: expect.any(String),
      color: { key: expect.stringMatching(/^color_\d$/) },
      done: expect.any(Boolean),
    })
  })

  it('filters epics by done', async () => {
    const all = await ok<Page<Epic>>(`board/${demo()}/epic?maxResults=100`)
    const done = await ok<Page<Epic>>(`board/${demo()}/epic?done=true&maxResults=100`)
    const open = await ok<Page<Epic>>(`board/${demo()}/epic?done=false&maxResults=100`)
    expect(done.values.every((e) => e.done)).toBe(true)
    expect(open.values.every((e) => !e.done)).toBe(true)
    expect(done.total + open.total).toBe(all.total)
    expect((await get(`board/${demo()}/epic?done=maybe`)).status).toBe(400)
  })

  it('lists an epic’s issues by key or id, each naming its epic', async () => {
    const [row, children] = [...agile().epicChildren].find(([, c]) => c.length > 1) ?? [0, []]
    const table = sim.context.world.issues[0]
    const key = table?.key(row) ?? ''
    const page = await ok<IssuePage>(`epic/${key}/issue?fields=summary,epic`)
    expect(page.total).toBe(children.length)
    for (const issue of page.issues) expect(issue.fields.epic).toMatchObject({ key })
    const byId = await ok<IssuePage>(`epic/${table?.id[row]}/issue?fields=summary`)
    expect(byId.issues.map((i) => i.key)).toEqual(page.issues.map((i) => i.key))
    expect((await ok<Epic>(`epic/${key}`)).key).toBe(key)
  })

  it('answers 404 for an epic that is not an Epic issue', async () => {
    const table = sim.context.world.issues[0]
    const story = [...agile().epicOf.keys()][0] ?? 0
    expect((await get(`epic/${table?.key(story)}/issue`)).status).toBe(404)
  })

  it('lists a board’s versions and filters them by released', async () => {
    const all = await ok<Page<{ name: string; released: boolean }>>(`board/${demo()}/version`)
    const released = await ok<Page<{ released: boolean }>>(`board/${demo()}/version?released=true`)
    expect(all.total).toBe(8)
    expect(released.values.every((v) => v.released)).toBe(true)
    expect(released.total).toBe(all.values.filter((v) => v.released).length)
  })
})
