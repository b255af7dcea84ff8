import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adfToWiki } from '../../src/sim/data/rich-text.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { runQuery } from '../../src/engine/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { connect, startTestSim, stats } from '../helpers/sim.js'

/** The guide's converter, verbatim (docs/architecture.md): what PocketQuery users have today. */
const GUIDE_CONVERTER = `function convert(json) {
  const parsed = JSON.parse(json);
  return parsed['issues'].map(issue => ({
    'Issue Key': issue.key,
    'Description': issue.fields.description,
  }));
}`

/** One row per page: where the converter was told the page stands. */
const PAGE_NUMBERS = `function convert(json, metadata) {
  return [{ page: metadata.page, pages: metadata.pages, issues: JSON.parse(json).issues.length }]
}`

const SECOND_PAGE_FAILS = `function convert(json, metadata) {
  if (metadata.page === 1) throw new Error('no second page, please')
  return []
}`

/** Counts the pages it converted in a global: what one result may leave to the next. */
const PAGES_SEEN = 'var seen = 0\nfunction convert() { seen += 1; return [{ seen: seen }] }'

let sim: RunningSimulator
let engine: TestEngine

beforeAll(async () => {
  // 17,000 issues put a little over 10,000 on acme, the site alice consents to.
  sim = await startTestSim({ issues: 17_000, now: Date.parse('2026-11-28T12:00:00Z') })
  engine = await startTestEngine()
  const tokens = await connect(sim)
  for (const version of [2, 3] as const) {
    const name = `jira-v${version}`
    // Each datasource has its own connection; v2 gets a consent of its own.
    await addSimJira(engine, sim, { name, version, ...(version === 3 ? { tokens } : {}) })
    await engine.addQuery({
      name: `issues-v${version}`,
      datasource: name,
      path: '/search/jql?jql=:jql&fields=key,description&maxResults=100',
      params: [{ name: 'jql', type: 'string', default: 'project in (DEMO, WEB, OPS) ORDER BY key ASC' }],
      pagination: { type: 'next-page-token' },
      converter: GUIDE_CONVERTER,
    })
  }
  // Three pages of ten issues each, through a converter that tells what it was told.
  for (const [name, converter] of [
    ['page-numbers', PAGE_NUMBERS],
    ['second-page-fails', SECOND_PAGE_FAILS],
    ['pages-seen', PAGES_SEEN],
  ] as const) {
    await engine.addQuery({
      name,
      datasource: 'jira-v3',
      path: '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key&fields=key&maxResults=10',
      pagination: { type: 'next-page-token' },
      maxPages: 3,
      converter,
    })
  }
}, 60_000)

afterAll(async () => {
  await engine?.close()
  await sim?.close()
})

describe("the guide's converter over search/jql", () => {
  it.each([3, 2] as const)(
    'returns every acme issue once, with its description, through API v%i',
    async (version) => {
      const table = sim.context.world.issues[0]
      if (!table) throw new Error('no acme table')
      expect(table.count).toBeGreaterThan(10_000)
      const result = await runQuery(engine, { query: `issues-v${version}` })
      const rows = JSON.parse(result.rowsJson) as { 'Issue Key': string; Description: unknown }[]
      expect(result.pages).toBe(Math.ceil(table.count / 100))
      expect(result.notices).toEqual([])
      expect(rows.length).toBe(table.count)
      const byKey = new Map(rows.map((row) => [row['Issue Key'], row.Description]))
      expect(byKey.size).toBe(table.count)
      for (let row = 0; row < table.count; row++) {
        const key = table.key(row)
        expect(byKey.has(key), key).toBe(true)
        const description = table.description(row)
        const expected = description === null ? null : version === 3 ? description : adfToWiki(description)
        expect(byKey.get(key), key).toEqual(expected)
      }
      expect((await stats(sim)).invalidGrants).toBe(0)
    },
    60_000,
  )
})

describe('what a converter is told about the page it converts', () => {
  it('gives each page of a paginated query its index, and null pages while the total is not known', async () => {
    const result = await runQuery(engine, { query: 'page-numbers' })
    expect(JSON.parse(result.rowsJson)).toEqual([
      { page: 0, pages: null, issues: 10 },
      { page: 1, pages: null, issues: 10 },
      { page: 2, pages: null, issues: 10 },
    ])
  })

  it("converts one result's pages in one warm context, and each result's afresh", async () => {
    // Nothing else runs here, so every page after the first finds the context its page before left
    // (pool.ts, RunGroup); the next result starts over: no globals from the result before.
    for (let run = 0; run < 2; run++) {
      const rows = JSON.parse((await runQuery(engine, { query: 'pages-seen' })).rowsJson) as unknown[]
      expect(rows).toEqual([{ seen: 1 }, { seen: 2 }, { seen: 3 }])
    }
  })

  it('names the page a converter failed on', async () => {
    await expect(runQuery(engine, { query: 'second-page-fails' })).rejects.toThrow(
      /at line 2, column \d+ \(page 2\): Error: no second page, please/,
    )
  })
})
