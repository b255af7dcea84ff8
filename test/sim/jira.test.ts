import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { expectJiraSchema } from '../helpers/jira-schemas.js'
import { connect, jira, startTestSim } from '../helpers/sim.js'

interface SearchPage {
  issues: {
    id: string
    key?: string
    fields?: Record<string, unknown>
    renderedFields?: Record<string, unknown>
  }[]
  isLast: boolean
  nextPageToken?: string
  names?: Record<string, string>
  schema?: Record<string, unknown>
}

let sim: RunningSimulator
let token: string
let acmeTotal: number

beforeAll(async () => {
  sim = await startTestSim({ issues: 1000, now: Date.parse('2026-11-28T12:00:00Z') })
  token = (await connect(sim)).access_token
  acmeTotal = sim.context.world.issues[0]?.count ?? 0
})
afterAll(async () => {
  await sim.close()
})

async function search(params: Record<string, string>, version: 2 | 3 = 3): Promise<Response> {
  return jira(sim, token, `search/jql?${new URLSearchParams(params)}`, { version })
}

async function page(params: Record<string, string>, version: 2 | 3 = 3): Promise<SearchPage> {
  const response = await search(params, version)
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as SearchPage
}

describe('search/jql', () => {
  it('returns only issue ids when no fields are asked for', async () => {
    const result = await page({ jql: 'project = DEMO' })
    expect(result.issues.length).toBeGreaterThan(0)
    for (const issue of result.issues) expect(Object.keys(issue)).toEqual(['id'])
  })

  it('pages to the last page without duplicates or gaps', async () => {
    const seen: string[] = []
    let nextPageToken: string | undefined
    let pages = 0
    do {
      const result: SearchPage = await page({
        jql: 'project in (DEMO, WEB, OPS) ORDER BY key ASC',
        fields: 'key',
        maxResults: '37',
        ...(nextPageToken ? { nextPageToken } : {}),
      })
      seen.push(...result.issues.map((issue) => issue.id))
      expect(result.isLast).toBe(result.nextPageToken === undefined)
      nextPageToken = result.nextPageToken
      pages++
    } while (nextPageToken)
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.length).toBe(acmeTotal)
    expect(pages).toBe(Math.ceil(acmeTotal / 37))
  })

  it('gives the same results through POST', async () => {
    const body = { jql: 'project = DEMO ORDER BY created DESC', fields: ['summary'], maxResults: 10 }
    const post = await jira(sim, token, 'search/jql', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    })
    expect(post.status).toBe(200)
    const viaGet = await page({ jql: body.jql, fields: 'summary', maxResults: '10' })
    expect(((await post.json()) as SearchPage).issues).toEqual(viaGet.issues)
  })

  it('caps maxResults at 100 when fields are requested (fewer than asked may come back)', async () => {
    const result = await page({ jql: 'project = DEMO', fields: 'summary', maxResults: '500' })
    expect(result.issues.length).toBe(100)
    expect(result.isLast).toBe(false)
  })

  it('defaults maxResults to 50', async () => {
    expect((await page({ jql: 'project = DEMO', fields: 'key' })).issues.length).toBe(50)
  })

  it('honours *all, *navigable, named fields and -field exclusions', async () => {
    const all = (await page({ jql: 'project = DEMO', fields: '*all', maxResults: '1' })).issues[0]
    expect(Object.keys(all?.fields ?? {})).toEqual(
      expect.arrayContaining(['summary', 'description', 'comment', 'status']),
    )
    const navigable = (await page({ jql: 'project = DEMO', fields: '*navigable', maxResults: '1' })).issues[0]
    expect(Object.keys(navigable?.fields ?? {})).not.toContain('comment')
    const some = (await page({ jql: 'project = DEMO', fields: 'summary,status', maxResults: '1' })).issues[0]
    expect(Object.keys(some?.fields ?? {}).sort()).toEqual(['status', 'summary'])
    const minus = (await page({ jql: 'project = DEMO', fields: '*all,-comment', maxResults: '1' })).issues[0]
    expect(Object.keys(minus?.fields ?? {})).not.toContain('comment')
  })

  it('expands names, schema and renderedFields', async () => {
    const result = await page({
      jql: 'project = DEMO AND description is not EMPTY',
      fields: 'summary,description',
      expand: 'names,schema,renderedFields',
      maxResults: '1',
    })
    expect(result.names).toEqual({ summary: 'Summary', description: 'Description' })
    expect(result.schema?.summary).toEqual({ type: 'string', system: 'summary' })
    expect(String(result.issues[0]?.renderedFields?.description)).toMatch(/^<(p|h\d|ul|ol|pre)>/)
  })

  it('refuses unbounded JQL with 400', async () => {
    const response = await search({ jql: 'order by key desc' })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      errorMessages: [
        'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
      ],
      errors: {},
    })
  })

  it('answers JQL it does not understand with a Jira-shaped 400, never a guess', async () => {
    const response = await search({ jql: 'sprint in openSprints()' })
    expect(response.status).toBe(400)
    const body = (await response.json()) as { errorMessages: string[]; errors: object }
    expect(body.errorMessages.length).toBeGreaterThan(0)
    expect(body.errors).toEqual({})
  })

  it('refuses a nextPageToken from another query', async () => {
    const first = await page({ jql: 'project = DEMO', maxResults: '5' })
    const response = await search({ jql: 'project = WEB', nextPageToken: first.nextPageToken ?? '' })
    expect(response.status).toBe(400)
  })

  it('lets a nextPageToken expire after 7 days', async () => {
    // Its own simulator: moving the clock must not touch the other tests.
    const own = await startTestSim()
    try {
      const ownToken = (await connect(own)).access_token
      const params = { jql: 'project = DEMO', maxResults: '5' }
      const first = (await (
        await jira(own, ownToken, `search/jql?${new URLSearchParams(params)}`)
      ).json()) as SearchPage
      await fetch(`${own.url}/_sim/advance?seconds=${7 * 24 * 3600 + 60}`, { method: 'POST' })
      const fresh = (await connect(own)).access_token
      const response = await jira(
        own,
        fresh,
        `search/jql?${new URLSearchParams({ ...params, nextPageToken: first.nextPageToken ?? '' })}`,
      )
      expect(response.status).toBe(400)
      expect(JSON.stringify(await response.json())).toContain('expired')
    } finally {
      await own.close()
    }
  })

  it('returns keys for fields=key', async () => {
    const issue = (await page({ jql: 'project = DEMO ORDER BY key', fields: 'key', maxResults: '1' }))
      .issues[0]
    expect(issue).toMatchObject({ key: 'DEMO-1', fields: {} })
  })

  it('starts from the navigable fields when only exclusions are given', async () => {
    const issue = (await page({ jql: 'project = DEMO', fields: '-description', maxResults: '1' })).issues[0]
    expect(Object.keys(issue?.fields ?? {})).toEqual(
      expect.arrayContaining(['summary', 'status', 'assignee']),
    )
    expect(Object.keys(issue?.fields ?? {})).not.toContain('description')
    expect(Object.keys(issue?.fields ?? {})).not.toContain('comment')
  })

  it('treats maxResults=0 as the default page size', async () => {
    expect((await page({ jql: 'project = DEMO', fields: 'key', maxResults: '0' })).issues.length).toBe(50)
  })

  it('refuses unknown properties in the POST body', async () => {
    const response = await jira(sim, token, 'search/jql', {
      method: 'POST',
      body: JSON.stringify({ jql: 'project = DEMO', startAt: 50 }),
      headers: { 'content-type': 'application/json' },
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ errorMessages: ['Unrecognized field "startAt".'], errors: {} })
  })

  it('matches Jira’s SearchAndReconcileResults schema', async () => {
    expectJiraSchema(
      'SearchAndReconcileResults',
      await page({
        jql: 'project = DEMO',
        fields: '*all',
        expand: 'names,schema,renderedFields',
        maxResults: '5',
      }),
    )
    expectJiraSchema('SearchAndReconcileResults', await page({ jql: 'project = DEMO' }))
  })
})

describe('rich text', () => {
  const describedIssue = 'project = DEMO AND description is not EMPTY ORDER BY key ASC'

  it('is ADF in API v3', async () => {
    const issue = (await page({ jql: describedIssue, fields: 'description,comment', maxResults: '1' }, 3))
      .issues[0]
    expect(issue?.fields?.description).toMatchObject({ version: 1, type: 'doc' })
  })

  it('is a wiki-markup string in API v2', async () => {
    const issue = (await page({ jql: describedIssue, fields: 'description', maxResults: '1' }, 2)).issues[0]
    expect(typeof issue?.fields?.description).toBe('string')
  })

  /** The first DEMO issue that has comments, found in the simulator's own data. */
  const commented = () => {
    const table = sim.context.world.issues[0]
    for (let row = 0; table && row < table.count; row++) {
      if (table.key(row).startsWith('DEMO-') && table.comments(row).length > 0)
        return `key = ${table.key(row)}`
    }
    throw new Error('no commented DEMO issue in the test data')
  }
  const firstComment = (issue: SearchPage['issues'][number] | undefined) =>
    (issue?.fields?.comment as { comments: { body: unknown }[] } | undefined)?.comments[0]?.body

  it('gives comment bodies as ADF in v3 and as strings in v2', async () => {
    const v3 = (await page({ jql: commented(), fields: 'comment', maxResults: '1' }, 3)).issues[0]
    expect(firstComment(v3)).toMatchObject({ version: 1, type: 'doc' })
    const v2 = (await page({ jql: commented(), fields: 'comment', maxResults: '1' }, 2)).issues[0]
    expect(typeof firstComment(v2)).toBe('string')
  })
})

describe('search/approximate-count', () => {
  it('counts what search/jql finds', async () => {
    const response = await jira(sim, token, 'search/approximate-count', {
      method: 'POST',
      body: JSON.stringify({ jql: 'project = DEMO' }),
      headers: { 'content-type': 'application/json' },
    })
    const body = (await response.json()) as { count: number }
    expectJiraSchema('JQLCountResultsBean', body)
    const keys = (await page({ jql: 'project = DEMO', fields: 'key', maxResults: '5000' })).issues
    expect(body.count).toBe(keys.length)
  })
})

describe('legacy search', () => {
  it.each(['GET', 'POST'])('answers %s /search with 410 Gone and the migration message', async (method) => {
    const response = await jira(sim, token, 'search?jql=project%3DDEMO', { method, version: 2 })
    expect(response.status).toBe(410)
    const body = (await response.json()) as { errorMessages: string[] }
    expect(body.errorMessages[0]).toContain('/rest/api/3/search/jql')
    expect(body.errorMessages[0]).toContain('CHANGE-2046')
  })
})

describe('issue, project/search, myself, field', () => {
  it('gets an issue by key and by id, matching IssueBean', async () => {
    const byKey = (await (await jira(sim, token, 'issue/DEMO-1')).json()) as {
      id: string
      key: string
      fields: Record<string, unknown>
    }
    expect(byKey.key).toBe('DEMO-1')
    expectJiraSchema('IssueBean', byKey)
    // IssueBean leaves its fields untyped; check each against the schema Jira uses for it.
    const { fields } = byKey
    expectJiraSchema('StatusDetails', fields.status)
    expectJiraSchema('Priority', fields.priority)
    expectJiraSchema('IssueTypeDetails', fields.issuetype)
    expectJiraSchema('UserDetails', fields.reporter)
    expectJiraSchema('ProjectDetails', fields.project)
    expectJiraSchema('PageOfComments', fields.comment)
    if (fields.assignee !== null) expectJiraSchema('UserDetails', fields.assignee)
    if (fields.resolution !== null) expectJiraSchema('Resolution', fields.resolution)
    const byId = (await (await jira(sim, token, `issue/${byKey.id}`)).json()) as { key: string }
    expect(byId.key).toBe('DEMO-1')
  })

  it('gives all fields but the excluded one for GET issue with only an exclusion', async () => {
    const issue = (await (await jira(sim, token, 'issue/DEMO-1?fields=-description')).json()) as {
      fields: object
    }
    expect(Object.keys(issue.fields)).toContain('comment')
    expect(Object.keys(issue.fields)).not.toContain('description')
  })

  it('answers a missing issue with Jira’s 404', async () => {
    const response = await jira(sim, token, 'issue/DEMO-999999')
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      errorMessages: ['Issue does not exist or you do not have permission to see it.'],
      errors: {},
    })
  })

  it('pages projects with startAt, maxResults, total and isLast, matching PageBeanProject', async () => {
    const first = (await (await jira(sim, token, 'project/search?maxResults=2')).json()) as {
      values: { key: string }[]
      total: number
      isLast: boolean
      startAt: number
    }
    expectJiraSchema('PageBeanProject', first)
    expect(first).toMatchObject({ startAt: 0, total: 3, isLast: false })
    const second = (await (
      await jira(sim, token, 'project/search?startAt=2&maxResults=2')
    ).json()) as typeof first
    expect(second).toMatchObject({ startAt: 2, isLast: true })
    expect([...first.values, ...second.values].map((p) => p.key)).toEqual(['DEMO', 'OPS', 'WEB'])
  })

  it('answers myself for the token’s user, matching User', async () => {
    const me = await (await jira(sim, token, 'myself')).json()
    expectJiraSchema('User', me)
    expect(me).toMatchObject({ emailAddress: 'alice@example.com', displayName: expect.any(String) })
  })

  it('lists fields, each matching FieldDetails', async () => {
    const fields = (await (await jira(sim, token, 'field')).json()) as unknown[]
    for (const field of fields) expectJiraSchema('FieldDetails', field)
    expect(fields.length).toBeGreaterThan(10)
  })
})

describe('scopes', () => {
  it('refuse a token without read:jira-work on search with 401 "scope does not match"', async () => {
    const narrow = (await connect(sim, { scope: 'read:jira-user offline_access' })).access_token
    const response = await jira(sim, narrow, `search/jql?jql=project%3DDEMO`)
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ code: 401, message: 'Unauthorized; scope does not match' })
    expect((await jira(sim, narrow, 'myself')).status).toBe(200)
  })

  it('refuse a token without read:jira-user on myself', async () => {
    const narrow = (await connect(sim, { scope: 'read:jira-work' })).access_token
    expect((await jira(sim, narrow, 'myself')).status).toBe(401)
  })
})

describe('bad requests', () => {
  it('answer an unknown Jira path with a Jira-shaped 404', async () => {
    const response = await jira(sim, token, 'nope/nothing')
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ errorMessages: [expect.any(String)] })
  })

  it('answer a malformed JSON body with 400', async () => {
    const response = await jira(sim, token, 'search/jql', {
      method: 'POST',
      body: '{"jql": "project = DEMO"',
      headers: { 'content-type': 'application/json' },
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ errorMessages: [expect.any(String)], errors: {} })
  })

  it('answer a request without a token with 401', async () => {
    const response = await fetch(
      `${sim.url}/ex/jira/${sim.context.world.sites[0]?.cloudId}/rest/api/3/myself`,
    )
    expect(response.status).toBe(401)
  })
})
