import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STATUSES } from '../../src/sim/data/model.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { JIRA_OPENAPI, startPrismProxy, violationsOf, type RunningPrism } from '../helpers/prism.js'
import { connect, startTestSim } from '../helpers/sim.js'

/**
 * The simulator's platform endpoints, with every parameter they honour, through Stoplight Prism
 * in proxy mode over Atlassian's Jira platform OpenAPI document: Prism checks each request
 * against the documented parameters and each answer against the documented response schema.
 * The Agile API (/rest/agile/1.0) is not in that document: test/sim/agile.test.ts checks its
 * shapes against the examples of the Jira Software Cloud REST reference instead.
 */
let sim: RunningSimulator
let prism: RunningPrism
let token: string
/** A done issue: its changelog has several entries. */
let doneKey: string

beforeAll(async () => {
  sim = await startTestSim({ issues: 600, now: Date.parse('2026-11-28T12:00:00Z') })
  token = (await connect(sim)).access_token
  const table = sim.context.world.issues[0]
  for (let row = 0; row < (table?.count ?? 0) && !doneKey; row++)
    if (STATUSES[table?.status[row] as number]?.name === 'Done') doneKey = table?.key(row) ?? ''
  prism = await startPrismProxy(JIRA_OPENAPI, `${sim.url}/ex/jira/${sim.context.world.sites[0]?.cloudId}`)
}, 120_000)
afterAll(async () => {
  await prism?.close()
  await sim?.close()
})

async function through(
  path: string,
): Promise<{ status: number; violations: ReturnType<typeof violationsOf> }> {
  const response = await fetch(`${prism.url}/rest/api/3/${path}`, {
    headers: { authorization: `Bearer ${token}` },
  })
  await response.arrayBuffer()
  return { status: response.status, violations: violationsOf(response) }
}

const PROJECT_ORDERS = [
  'category',
  'key',
  'name',
  'owner',
  'issueCount',
  'lastIssueUpdatedDate',
  'archivedDate',
  'deletedDate',
]

const VALID: readonly string[] = [
  // project/search: filters, ordering (every orderBy value, both ways), expansions, paging
  'project/search',
  'project/search?keys=DEMO&keys=WEB',
  'project/search?id=10000&id=10001',
  'project/search?query=de',
  'project/search?typeKey=software,business',
  'project/search?status=live&status=archived',
  ...PROJECT_ORDERS.flatMap((o) => [
    `project/search?orderBy=${o}`,
    `project/search?orderBy=-${o}`,
    `project/search?orderBy=%2B${o}`,
  ]),
  'project/search?expand=description,lead,issueTypes,url,projectKeys,insight',
  'project/search?startAt=1&maxResults=1',
  'project/search?categoryId=10000&action=browse',
  // GET issue: each expand value alone, all together, and an unknown one
  ...[
    'renderedFields',
    'names',
    'schema',
    'transitions',
    'operations',
    'editmeta',
    'changelog',
    'versionedRepresentations',
  ].map((e) => `issue/DEMO-2?expand=${e}`),
  'issue/DEMO-2?expand=renderedFields,names,schema,transitions,operations,editmeta,changelog,versionedRepresentations',
  'issue/DEMO-2?fields=summary,status&expand=changelog,bogus',
  // search/jql: the same expand values
  `search/jql?jql=${encodeURIComponent('project = DEMO ORDER BY key ASC')}&fields=summary,status&maxResults=5&expand=renderedFields,names,schema,transitions,operations,editmeta,changelog`,
  `search/jql?jql=${encodeURIComponent('project = DEMO')}&fields=summary&maxResults=5&expand=versionedRepresentations`,
  // the changelog and its paging
  'issue/DEMO-2/changelog',
  'issue/DEMO-2/changelog?startAt=1&maxResults=1',
  // a project's versions
  'project/DEMO/version',
  'project/DEMO/version?startAt=2&maxResults=3&orderBy=-releaseDate&status=released,unreleased&query=demo&expand=issuesstatus',
  ...['description', 'name', 'releaseDate', 'sequence', 'startDate'].map(
    (o) => `project/DEMO/version?orderBy=${o}`,
  ),
]

describe('the simulator through Prism over the Jira platform OpenAPI document', () => {
  it.each(VALID)('GET %s: a documented request, answered in the documented shape', async (path) => {
    const { status, violations } = await through(path.replaceAll('DEMO-2', doneKey))
    expect(violations).toEqual([])
    expect(status).toBe(200)
  })

  it('reports a request outside the document (so a clean result above means something)', async () => {
    const { status, violations } = await through('project/search?orderBy=bogus')
    expect(status).toBe(400)
    expect(violations.map((v) => v.location.join('.'))).toContain('request.query.orderby')
  })
})

describe('Prism itself', () => {
  let liar: Server
  let liarPrism: RunningPrism
  beforeAll(async () => {
    // An upstream whose project/search answers values as a string: Prism must object.
    liar = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' })
      res.end(JSON.stringify({ values: 'not a list', total: 'many' }))
    })
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve))
    const address = liar.address()
    liarPrism = await startPrismProxy(
      JIRA_OPENAPI,
      `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    )
  }, 120_000)
  afterAll(async () => {
    await liarPrism?.close()
    liar?.close()
  })

  it('reports a response that does not match the document', async () => {
    const response = await fetch(`${liarPrism.url}/rest/api/3/project/search`)
    const violations = violationsOf(response)
    expect(violations.map((v) => v.location.join('.'))).toEqual(
      expect.arrayContaining(['response.body.values', 'response.body.total']),
    )
  })
})
