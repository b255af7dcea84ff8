import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import { QuerySchema } from '../../src/domain/query.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { checkOptionSources, queryParamOptions, runQuery, savedQueryParams } from '../../src/engine/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { startTestSim, stats } from '../helpers/sim.js'

/**
 * Issue 17: a parameter's allowed values from another query, run through the engine against the
 * simulator — a projects query, and an issues query that takes the chosen `:project`.
 */
let sim: RunningSimulator
let engine: TestEngine

const PROJECT_ROWS =
  'function convert(json) { return JSON.parse(json).values.map(p => ({ key: p.key, name: p.name })) }'
const ISSUE_ROWS =
  'function convert(json) { return JSON.parse(json).issues.map(i => ({ key: i.key, summary: i.fields.summary })) }'

beforeAll(async () => {
  sim = await startTestSim({ issues: 300, now: Date.parse('2026-11-28T12:00:00Z') })
  engine = await startTestEngine()
  await addSimJira(engine, sim)
  await engine.addQuery({
    name: 'projects',
    datasource: 'jira',
    path: '/project/search?maxResults=50&orderBy=key',
    cacheTtlSeconds: 300,
    converter: PROJECT_ROWS,
  })
  await engine.addQuery({
    name: 'project-issues',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20:project%20ORDER%20BY%20key%20ASC&fields=summary&maxResults=20',
    params: [{ name: 'project', type: 'string' }],
    converter: ISSUE_ROWS,
  })
  await engine.addQuery({
    name: 'issue',
    datasource: 'jira',
    path: '/issue/:issue?fields=summary',
    params: [
      {
        name: 'project',
        type: 'string',
        default: 'WEB',
        options: { query: 'projects', value: 'key', label: 'name' },
      },
      {
        name: 'issue',
        type: 'string',
        options: { query: 'project-issues', value: 'key', label: 'summary', params: { project: ':project' } },
      },
    ],
    converter: 'function convert(json) { const i = JSON.parse(json); return [{ key: i.key }] }',
  })
}, 60_000)

afterAll(async () => {
  await engine?.close()
  await sim?.close()
})

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ran',
    (error: unknown) => (isQuarryError(error) ? `${error.code}: ${error.message}` : String(error)),
  )

describe('parameter options from a query', () => {
  it("lists a parameter's values (value and label columns) and the dependent list for the chosen project", async () => {
    const loaded = await queryParamOptions(engine, await parsed('issue'), { project: 'DEMO' })
    const projects = loaded.lists.get('project')
    expect(projects).toEqual({
      options: expect.arrayContaining([
        { value: 'DEMO', label: 'Demo Project' },
        { value: 'WEB', label: 'Website' },
      ]) as unknown,
    })
    const issues = loaded.lists.get('issue')
    if (issues === undefined || 'error' in issues) throw new Error('no issue list')
    expect(issues.options.length).toBeGreaterThan(0)
    expect(issues.options.every((option) => option.value.startsWith('DEMO-'))).toBe(true)
    // No issue given: the dependent list's first value is chosen.
    expect(loaded.chosen).toEqual({ project: 'DEMO', issue: issues.options[0]?.value })
  })

  it('changing the project changes the dependent list and the run', async () => {
    const web = await runQuery(engine, { query: 'issue', params: { project: 'WEB' } })
    const ops = await runQuery(engine, { query: 'issue', params: { project: 'OPS' } })
    expect(JSON.parse(web.rowsJson)).toEqual([{ key: expect.stringMatching(/^WEB-/) as unknown }])
    expect(JSON.parse(ops.rowsJson)).toEqual([{ key: expect.stringMatching(/^OPS-/) as unknown }])
    expect(ops.values.get('issue')).toMatch(/^OPS-/)
  })

  it('refuses a value outside the list, naming the parameter and the value', async () => {
    expect(await codeOf(runQuery(engine, { query: 'issue', params: { project: 'NOPE' } }))).toBe(
      'QUARRY_PARAM_OPTION: Parameter "project" takes only the values query "projects" lists; "NOPE" is not one of them. Choose one from its list.',
    )
    // DEMO-1 exists, but is not among the WEB project's issues.
    expect(
      await codeOf(runQuery(engine, { query: 'issue', params: { project: 'WEB', issue: 'DEMO-1' } })),
    ).toMatch(/^QUARRY_PARAM_OPTION: Parameter "issue" .*"DEMO-1" is not one of them/)
  })

  it('runs the options query with its own cache TTL, and a refresh of the run refreshes the options', async () => {
    const before = (await stats(sim)).requests['GET project/search'] ?? 0
    await runQuery(engine, { query: 'issue', params: { project: 'WEB' } })
    expect((await stats(sim)).requests['GET project/search'] ?? 0).toBe(before)
    await runQuery(engine, { query: 'issue', params: { project: 'WEB' }, refresh: true })
    expect((await stats(sim)).requests['GET project/search']).toBe(before + 1)
  })

  it('refuses the run when its options query fails, with that failure as the cause', async () => {
    await engine.addQuery({
      name: 'broken-list',
      datasource: 'jira',
      path: '/project/search',
      converter: 'function convert() { return nope }',
    })
    await engine.addQuery({
      name: 'pick',
      datasource: 'jira',
      path: '/project/:key',
      params: [{ name: 'key', type: 'string', options: { query: 'broken-list' } }],
    })
    expect(await codeOf(runQuery(engine, { query: 'pick', params: { key: 'DEMO' } }))).toMatch(
      /^QUARRY_PARAM_OPTIONS_FAILED: The values of parameter "key" come from query "broken-list", which failed: .*nope/,
    )
  })
})

describe('saving a query with options', () => {
  it('refuses an options query that does not exist', async () => {
    const query = QuerySchema.parse({
      name: 'orphan',
      datasource: 'jira',
      path: '/x/:p',
      params: [{ name: 'p', options: { query: 'no-such-list' } }],
    })
    expect(await codeOf(checkOptionSources(query, savedQueryParams(engine.store)))).toBe(
      'QUARRY_CONFIG_INVALID: Parameter "p" of query "orphan" takes its options from query "no-such-list", which does not exist. Add that query first, or name an existing one.',
    )
  })

  it('refuses options queries that lead back to the query (a → b → a)', async () => {
    await engine.addQuery({
      name: 'list-b',
      datasource: 'jira',
      path: '/b/:x',
      params: [{ name: 'x', options: { query: 'list-a' } }],
    })
    const a = QuerySchema.parse({
      name: 'list-a',
      datasource: 'jira',
      path: '/a/:y',
      params: [{ name: 'y', options: { query: 'list-b' } }],
    })
    expect(await codeOf(checkOptionSources(a, savedQueryParams(engine.store)))).toMatch(
      /^QUARRY_CONFIG_INVALID: Query "list-a" cannot be saved: the options of its parameters lead back to it \("list-a" → "list-b" → "list-a"\)/,
    )
  })
})

async function parsed(name: string) {
  const stored = await engine.store.queries.get(name)
  if (stored === undefined) throw new Error(`no query ${name}`)
  return QuerySchema.parse({ ...(stored.definition as object), name, datasource: stored.datasource })
}
