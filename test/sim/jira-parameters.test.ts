import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STATUSES } from '../../src/sim/data/model.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { expectJiraSchema } from '../helpers/jira-schemas.js'
import { connect, jira, startTestSim } from '../helpers/sim.js'

/**
 * The platform endpoints honour each parameter the platform OpenAPI document lists for them
 * (/work/shared/specs/jira-platform-openapi-v3.json): project/search's filters and ordering,
 * the `expand` values of GET issue and search/jql, and the changelog's pagination.
 */
interface ProjectPage {
  values: { key: string; name: string; id: string; projectTypeKey: string; [k: string]: unknown }[]
  total: number
  isLast: boolean
  nextPage?: string
}
interface History {
  id: string
  created: string
  items: { field: string; fromString: string; toString: string }[]
}

let sim: RunningSimulator
let token: string
beforeAll(async () => {
  sim = await startTestSim({ issues: 1000, now: Date.parse('2026-11-28T12:00:00Z') })
  token = (await connect(sim)).access_token
})
afterAll(async () => {
  await sim.close()
})

async function ok<T>(path: string): Promise<T> {
  const response = await jira(sim, token, path)
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as T
}
const projects = (query: string) => ok<ProjectPage>(`project/search?${query}`)
const keysOf = (page: ProjectPage) => page.values.map((p) => p.key)
const acme = () => sim.context.world.projects.filter((p) => p.siteIndex === 0)

describe('project/search parameters', () => {
  it('filters by keys, repeated', async () => {
    expect(keysOf(await projects('keys=WEB&keys=OPS'))).toEqual(['OPS', 'WEB'])
  })

  it('filters by id, repeated', async () => {
    const [demo, web] = acme()
    expect(keysOf(await projects(`id=${demo?.id}&id=${web?.id}`))).toEqual(['DEMO', 'WEB'])
  })

  it('filters by query on key or name, case-insensitive', async () => {
    const web = acme().find((p) => p.key === 'WEB')
    expect(keysOf(await projects('query=we'))).toContain('WEB')
    expect(keysOf(await projects(`query=${encodeURIComponent(web?.name.toUpperCase() ?? '')}`))).toEqual([
      'WEB',
    ])
  })

  it('filters by typeKey, comma-separated', async () => {
    const software = acme().filter((p) => p.projectTypeKey === 'software')
    const page = await projects('typeKey=software')
    expect(keysOf(page).sort()).toEqual(software.map((p) => p.key).sort())
    const both = await projects('typeKey=software,business')
    expect(both.total).toBe(acme().filter((p) => ['software', 'business'].includes(p.projectTypeKey)).length)
  })

  it('filters by status: every simulated project is live', async () => {
    expect((await projects('status=live')).total).toBe(3)
    expect((await projects('status=archived')).total).toBe(0)
    expect((await projects('status=archived&status=live')).total).toBe(3)
    expect((await jira(sim, token, 'project/search?status=gone')).status).toBe(400)
  })

  it('orders by key, name, owner and issueCount, either way', async () => {
    expect(keysOf(await projects('orderBy=-key'))).toEqual(['WEB', 'OPS', 'DEMO'])
    const byName = [...acme()].sort((a, b) => a.name.localeCompare(b.name)).map((p) => p.key)
    expect(keysOf(await projects('orderBy=name'))).toEqual(byName)
    expect(keysOf(await projects('orderBy=-name'))).toEqual([...byName].reverse())
    const table = sim.context.world.issues[0]
    const count = (key: string) => {
      let n = 0
      const index = sim.context.world.projects.findIndex((p) => p.key === key)
      for (let row = 0; row < (table?.count ?? 0); row++) if (table?.project[row] === index) n++
      return n
    }
    const byCount = keysOf(await projects('orderBy=-issueCount'))
    expect(byCount.map(count)).toEqual([...byCount.map(count)].sort((a, b) => b - a))
    expect((await projects('orderBy=owner')).total).toBe(3)
    expect((await jira(sim, token, 'project/search?orderBy=size')).status).toBe(400)
  })

  it('sends the description, lead, issue types and url only when expanded', async () => {
    const plain = await projects('keys=DEMO')
    expect(plain.values[0]).not.toHaveProperty('description')
    const expanded = await projects('keys=DEMO&expand=description,lead,issueTypes,url,projectKeys,insight')
    expectJiraSchema('PageBeanProject', expanded)
    expect(expanded.values[0]).toMatchObject({
      description: expect.any(String),
      lead: expect.objectContaining({ accountId: expect.any(String) }),
      url: expect.stringContaining('/browse/DEMO'),
      insight: { totalIssueCount: expect.any(Number), lastIssueUpdateTime: expect.any(String) },
    })
  })

  it('keeps its filters in nextPage, so following it pages the same result', async () => {
    const first = await projects('typeKey=software,business,service_desk&orderBy=-key&maxResults=2')
    expect(first.nextPage).toContain('orderBy=-key')
    const second = (await (
      await fetch(
        first.nextPage?.replace(
          sim.context.world.sites[0]?.url ?? '',
          `${sim.url}/ex/jira/${sim.context.world.sites[0]?.cloudId}`,
        ) ?? '',
        {
          headers: { authorization: `Bearer ${token}` },
        },
      )
    ).json()) as ProjectPage
    expect([...keysOf(first), ...keysOf(second)]).toEqual(['WEB', 'OPS', 'DEMO'])
  })
})

describe('issue expand values', () => {
  const doneRow = () => {
    const table = sim.context.world.issues[0]
    for (let row = 0; row < (table?.count ?? 0); row++)
      if (STATUSES[table?.status[row] as number]?.name === 'Done') return row
    throw new Error('no done issue')
  }
  const doneKey = () => sim.context.world.issues[0]?.key(doneRow()) ?? ''

  it('changelog: the status changes from To Do to the current status, most recent first', async () => {
    const issue = await ok<{
      changelog: { histories: History[]; total: number }
      fields: { status: { name: string }; updated: string }
    }>(`issue/${doneKey()}?expand=changelog&fields=status,updated`)
    expectJiraSchema('PageOfChangelogs', issue.changelog)
    const { histories } = issue.changelog
    expect(histories.length).toBe(issue.changelog.total)
    expect(histories[0]?.items[0]?.toString).toBe('Done')
    expect(histories.at(-1)?.items[0]?.fromString).toBe('To Do')
    expect(Date.parse(histories[0]?.created ?? '')).toBe(
      Date.parse(issue.fields.updated.replace('+0000', 'Z')),
    )
    const times = histories.map((h) => Date.parse(h.created))
    expect(times).toEqual([...times].sort((a, b) => b - a))
  })

  it('transitions: one to each other status, each an IssueTransition', async () => {
    const issue = await ok<{ transitions: { to: { name: string } }[] }>(
      `issue/${doneKey()}?expand=transitions`,
    )
    for (const t of issue.transitions) expectJiraSchema('IssueTransition', t)
    expect(issue.transitions.map((t) => t.to.name)).toEqual(
      STATUSES.filter((s) => s.name !== 'Done').map((s) => s.name),
    )
  })

  it('operations and editmeta: in the Operations and IssueUpdateMetadata shapes', async () => {
    const issue = await ok<{ operations: unknown; editmeta: { fields: Record<string, unknown> } }>(
      `issue/${doneKey()}?expand=operations,editmeta&fields=summary,labels,created`,
    )
    expectJiraSchema('Operations', issue.operations)
    expectJiraSchema('IssueUpdateMetadata', issue.editmeta)
    // created cannot be edited; summary and labels can.
    expect(Object.keys(issue.editmeta.fields)).toEqual(['summary', 'labels'])
  })

  it('versionedRepresentations: each field under version 1, instead of fields', async () => {
    const plain = await ok<{ fields: Record<string, unknown> }>(`issue/${doneKey()}?fields=summary,status`)
    const versioned = await ok<{
      fields?: unknown
      versionedRepresentations: Record<string, Record<string, unknown>>
    }>(`issue/${doneKey()}?fields=summary,status&expand=versionedRepresentations`)
    expect(versioned.fields).toBeUndefined()
    expect(versioned.versionedRepresentations).toEqual({
      summary: { '1': plain.fields.summary },
      status: { '1': plain.fields.status },
    })
  })

  it('ignores expand values Jira does not know', async () => {
    const plain = await ok<object>(`issue/${doneKey()}?fields=summary`)
    expect(await ok<object>(`issue/${doneKey()}?fields=summary&expand=nonsense,parent`)).toEqual(plain)
  })

  it('search/jql takes the same expand values, names and schema at the top', async () => {
    const page = await ok<{
      issues: { key: string; changelog?: unknown; transitions?: unknown; operations?: unknown }[]
      names: object
    }>(
      `search/jql?jql=${encodeURIComponent(`key = ${doneKey()}`)}&fields=summary&expand=changelog,transitions,operations,names,bogus`,
    )
    expectJiraSchema('SearchAndReconcileResults', page)
    const [issue] = page.issues
    expect(issue?.changelog).toBeDefined()
    expect(issue?.transitions).toBeDefined()
    expect(issue?.operations).toBeDefined()
    expect(page.names).toEqual({ summary: 'Summary' })
  })
})

describe('issue changelog', () => {
  const blockedDone = () => {
    const table = sim.context.world.issues[0]
    for (let row = 0; row < (table?.count ?? 0); row++) {
      if (STATUSES[table?.status[row] as number]?.name !== 'Done') continue
      const key = table?.key(row) ?? ''
      return key
    }
    throw new Error('no done issue')
  }

  it('pages with startAt and maxResults, oldest first, in PageBeanChangelog', async () => {
    const key = blockedDone()
    const all = await ok<{ values: History[]; total: number; isLast: boolean }>(`issue/${key}/changelog`)
    expectJiraSchema('PageBeanChangelog', all)
    expect(all.isLast).toBe(true)
    expect(all.values.length).toBe(all.total)
    expect(all.values[0]?.items[0]?.fromString).toBe('To Do')
    const pages: History[] = []
    for (let startAt = 0; startAt < all.total; startAt += 1) {
      const page = await ok<{ values: History[]; isLast: boolean; nextPage?: string }>(
        `issue/${key}/changelog?startAt=${startAt}&maxResults=1`,
      )
      expect(page.isLast).toBe(startAt === all.total - 1)
      expect(page.nextPage === undefined).toBe(page.isLast)
      pages.push(...page.values)
    }
    expect(pages).toEqual(all.values)
  })

  it('agrees with expand=changelog, in the opposite order', async () => {
    const key = blockedDone()
    const paged = await ok<{ values: History[] }>(`issue/${key}/changelog`)
    const expanded = await ok<{ changelog: { histories: History[] } }>(`issue/${key}?expand=changelog`)
    expect(expanded.changelog.histories).toEqual([...paged.values].reverse())
  })

  it('answers an issue without changes with an empty page, and a missing issue with 404', async () => {
    const table = sim.context.world.issues[0]
    let todo = 0
    while (STATUSES[table?.status[todo] as number]?.name !== 'To Do') todo++
    expect((await ok<{ total: number }>(`issue/${table?.key(todo)}/changelog`)).total).toBe(0)
    expect((await jira(sim, token, 'issue/DEMO-999999/changelog')).status).toBe(404)
    expect((await jira(sim, token, `issue/${table?.key(todo)}/changelog?maxResults=x`)).status).toBe(400)
  })
})

describe('project versions', () => {
  interface VersionPage {
    values: { name: string; released: boolean; releaseDate: string; description: string }[]
    total: number
  }
  it('pages a project’s versions in PageBeanVersion', async () => {
    const page = await ok<VersionPage>('project/DEMO/version?maxResults=3')
    expectJiraSchema('PageBeanVersion', page)
    expect(page.total).toBe(8)
    expect(page.values.length).toBe(3)
  })

  it('filters by status and query, and orders by releaseDate either way', async () => {
    const released = await ok<VersionPage>('project/DEMO/version?status=released')
    expect(released.values.every((v) => v.released)).toBe(true)
    const unreleased = await ok<VersionPage>('project/DEMO/version?status=unreleased')
    expect(released.total + unreleased.total).toBe(8)
    expect(
      (await ok<VersionPage>('project/DEMO/version?query=release%203')).values.map((v) => v.description),
    ).toEqual([expect.stringMatching(/release 3$/)])
    const newest = await ok<VersionPage>('project/DEMO/version?orderBy=-releaseDate')
    const dates = newest.values.map((v) => v.releaseDate)
    expect(dates).toEqual([...dates].sort().reverse())
    expect((await jira(sim, token, 'project/DEMO/version?orderBy=size')).status).toBe(400)
    expect((await jira(sim, token, 'project/NOPE/version')).status).toBe(404)
  })
})
