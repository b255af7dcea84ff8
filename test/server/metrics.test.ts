import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { addSimJira, patchConnection } from '../helpers/jira.js'
import { DEFAULT_TEST_DATABASE_URL } from '../helpers/postgres.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startTestSim, TEST_CLIENT } from '../helpers/sim.js'

/**
 * /metrics (issue 19): Prometheus's text format, for admins only, whose counters move as the server
 * works — HTTP requests by route, upstream requests by datasource, token refreshes, the result cache,
 * converter runs and worker restarts — with no URL, parameter value or secret in any label.
 */

const CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key }))
}`
const JQL = 'project = DEMO AND summary ~ "s3cret-param" ORDER BY key ASC'

let sim: RunningSimulator
let server: TestServer
let admin: Browser

beforeAll(async () => {
  sim = await startTestSim({ issues: 20 })
  server = await startTestServer()
  // The stored access token has run out: the first run refreshes it.
  await addSimJira(server.engine, sim, { connection: { accessExpiresAt: new Date(Date.now() - 1000) } })
  await server.engine.addQuery({
    name: 'issues',
    datasource: 'jira',
    path: '/search/jql?jql=:jql&fields=summary&maxResults=50',
    pagination: { type: 'next-page-token' },
    converter: CONVERTER,
    cacheTtlSeconds: 300,
    params: [{ name: 'jql', type: 'string', default: JQL }],
  })
  admin = await server.signIn('ada', 'admin')
}, 30_000)
afterAll(async () => {
  await server.close()
  await sim.close()
})

/** One sample line: a name, its labels, a value (the exposition format, strictly). */
const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/
const COMMENT = /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/

interface Scrape {
  readonly text: string
  /** `name{labels}` → value. */
  readonly samples: Map<string, number>
  /** Every label value of every sample. */
  readonly labelValues: string[]
}

function parse(text: string): Scrape {
  const samples = new Map<string, number>()
  const labelValues: string[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('#')) {
      expect(line).toMatch(COMMENT)
      continue
    }
    const match = SAMPLE.exec(line)
    expect(match, line).not.toBeNull()
    const [, name, labels = '', value] = match as RegExpExecArray
    samples.set(`${name}${labels}`, Number(value))
    for (const [, labelValue] of labels.matchAll(/="((?:[^"\\]|\\.)*)"/g))
      labelValues.push(labelValue as string)
  }
  return { text, samples, labelValues }
}

async function scrape(): Promise<Scrape> {
  const response = await server.as(admin, { url: '/metrics' })
  expect(response.statusCode, response.body).toBe(200)
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
  return parse(response.body)
}

/** How much a series grew between two scrapes (absent: 0). */
function moved(before: Scrape, after: Scrape, series: string): number {
  return (after.samples.get(series) ?? 0) - (before.samples.get(series) ?? 0)
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('the condition never held')
}

describe('/metrics', () => {
  it('counts requests, upstream fetches, a token refresh, cache hits and misses, converter runs and restarts', async () => {
    const before = await scrape()
    const run = await server.as(admin, { method: 'POST', url: '/api/queries/issues/run', payload: {} })
    expect(run.statusCode, run.body).toBe(200)
    expect(run.json().fromCache).toBe(false)
    for (let i = 0; i < 2; i++) {
      const view = await server.as(admin, { url: `/v/issues?jql=${encodeURIComponent(JQL)}` })
      expect(view.statusCode).toBe(200)
    }
    const after = await scrape()

    // The first scrape, the run, the two views (by the route's pattern, not the URL asked for).
    expect(
      moved(before, after, 'quarry_http_requests_total{method="GET",route="/metrics",status="2xx"}'),
    ).toBe(1)
    expect(
      moved(
        before,
        after,
        'quarry_http_requests_total{method="POST",route="/api/queries/:name/run",status="2xx"}',
      ),
    ).toBe(1)
    expect(
      moved(before, after, 'quarry_http_requests_total{method="GET",route="/v/:query",status="2xx"}'),
    ).toBe(2)
    expect(
      moved(before, after, 'quarry_http_request_duration_seconds_count{method="GET",route="/v/:query"}'),
    ).toBe(2)
    expect(
      after.samples.get(
        'quarry_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v/:query"}',
      ),
    ).toBe(after.samples.get('quarry_http_request_duration_seconds_count{method="GET",route="/v/:query"}'))

    // One page from the simulator, after one refresh of the expired token; then the cache answers.
    expect(moved(before, after, 'quarry_upstream_requests_total{datasource="jira",outcome="ok"}')).toBe(1)
    expect(moved(before, after, 'quarry_upstream_request_duration_seconds_count{datasource="jira"}')).toBe(1)
    expect(moved(before, after, 'quarry_token_refreshes_total{datasource="jira",outcome="ok"}')).toBe(1)
    expect(moved(before, after, 'quarry_cache_lookups_total{outcome="miss"}')).toBe(1)
    // The first view reads the result cache; the second is the rendered view the first one left
    // (ViewCache, in front of the result cache), which does not look into the result cache again.
    expect(moved(before, after, 'quarry_cache_lookups_total{outcome="hit"}')).toBe(1)
    expect(moved(before, after, 'quarry_view_cache_lookups_total{outcome="miss"}')).toBe(1)
    expect(moved(before, after, 'quarry_view_cache_lookups_total{outcome="hit"}')).toBe(1)
    expect(moved(before, after, 'quarry_converter_run_duration_seconds_count{outcome="ok"}')).toBe(1)
    expect(after.samples.get('quarry_converter_queue_depth')).toBe(0)

    // A worker that dies is replaced, and counted.
    const [pid] = server.ctx.converters.pids
    expect(pid).toBeDefined()
    process.kill(pid as number, 'SIGKILL')
    await waitFor(async () => moved(after, await scrape(), 'quarry_converter_worker_restarts_total') === 1)

    // No label carries a URL, a query string, a parameter value or a secret.
    const connection = await server.engine.store.connections.get('jira')
    const secrets = [
      TEST_CLIENT.clientSecret,
      connection?.tokens.access_token as string,
      connection?.tokens.refresh_token as string,
      's3cret-param',
      admin.cookie.split('=')[1] as string,
    ]
    for (const secret of secrets) expect(after.text).not.toContain(secret)
    for (const value of after.labelValues) expect(value).not.toMatch(/[?&=]|^https?:/)
  })

  it('counts a failed token refresh and the failed upstream request it ends, by its error code', async () => {
    await patchConnection(server.engine.store, 'jira', {
      tokens: { access_token: 'expired', refresh_token: 'not-a-refresh-token' },
      accessExpiresAt: new Date(Date.now() - 1000),
    })
    const before = await scrape()
    const run = await server.as(admin, {
      method: 'POST',
      url: '/api/queries/issues/run',
      payload: { params: { jql: 'project = WEB' } },
    })
    expect(run.statusCode).toBeGreaterThanOrEqual(400)
    const after = await scrape()
    expect(moved(before, after, 'quarry_token_refreshes_total{datasource="jira",outcome="failed"}')).toBe(1)
    expect(
      moved(
        before,
        after,
        'quarry_upstream_requests_total{datasource="jira",outcome="QUARRY_OAUTH_INVALID_GRANT"}',
      ),
    ).toBe(1)
    expect(
      moved(
        before,
        after,
        'quarry_http_requests_total{method="POST",route="/api/queries/:name/run",status="4xx"}',
      ),
    ).toBe(1)
    expect(after.text).not.toContain('not-a-refresh-token')
  })

  it('counts SQL statements as upstream requests of their datasource, a failed one by its code', async () => {
    await server.engine.addDatasource({ name: 'pg', type: 'postgres', url: DEFAULT_TEST_DATABASE_URL })
    await server.engine.addQuery({ name: 'one', datasource: 'pg', sql: 'SELECT 1 AS n' })
    await server.engine.addQuery({ name: 'broken', datasource: 'pg', sql: 'SELECT 1 / 0 AS n' })
    const before = await scrape()
    const ok = await server.as(admin, { method: 'POST', url: '/api/queries/one/run', payload: {} })
    expect(ok.json().rows).toEqual([{ n: 1 }])
    const failed = await server.as(admin, { method: 'POST', url: '/api/queries/broken/run', payload: {} })
    expect(failed.statusCode).toBeGreaterThanOrEqual(400)
    const code = failed.json().error.code as string
    const after = await scrape()
    expect(moved(before, after, 'quarry_upstream_requests_total{datasource="pg",outcome="ok"}')).toBe(1)
    expect(moved(before, after, `quarry_upstream_requests_total{datasource="pg",outcome="${code}"}`)).toBe(1)
    expect(moved(before, after, 'quarry_upstream_request_duration_seconds_count{datasource="pg"}')).toBe(2)
  })

  it('times each answer once, a streamed download too', async () => {
    const series = (route: string) =>
      [
        `quarry_http_request_duration_seconds_count{method="GET",route="${route}"}`,
        `quarry_http_request_duration_seconds_sum{method="GET",route="${route}"}`,
      ] as const
    const [downloads, downloadSeconds] = series('/v/:query/rows.:format')
    const [views, viewSeconds] = series('/v/:query')
    const before = await scrape()
    const started = performance.now()
    const csv = await server.as(admin, { url: `/v/issues/rows.csv?jql=${encodeURIComponent(JQL)}` })
    const view = await server.as(admin, { url: `/v/issues?jql=${encodeURIComponent(JQL)}` })
    const took = (performance.now() - started) / 1000
    expect(csv.statusCode, csv.body).toBe(200)
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(view.statusCode).toBe(200)
    const after = await scrape()

    expect(moved(before, after, downloads)).toBe(1)
    expect(moved(before, after, views)).toBe(1)
    // Seconds of these requests themselves: more than nothing, less than the test took for both.
    for (const seconds of [moved(before, after, downloadSeconds), moved(before, after, viewSeconds)]) {
      expect(seconds).toBeGreaterThan(0)
      expect(seconds).toBeLessThan(took)
    }
  })

  it('counts an address no route answers as one series, not by the path asked for', async () => {
    const before = await scrape()
    for (const url of ['/nowhere-a1b2', '/nowhere-c3d4?token=abc'])
      expect((await server.as(admin, { url })).statusCode).toBe(404)

    const after = await scrape()
    expect(
      moved(before, after, 'quarry_http_requests_total{method="GET",route="unmatched",status="4xx"}'),
    ).toBe(2)
    expect(after.text).not.toContain('nowhere')
  })

  it('is for admins only: anonymous and viewers are refused, an admin-scope API token may scrape', async () => {
    const anonymous = await server.as(undefined, { url: '/metrics' })
    expect(anonymous.statusCode).toBe(401)
    expect(anonymous.json().error.code).toBe('QUARRY_UNAUTHENTICATED')
    const viewer = await server.as(await server.signIn('vera', 'viewer'), { url: '/metrics' })
    expect(viewer.statusCode).toBe(403)
    expect(viewer.json().error.code).toBe('QUARRY_FORBIDDEN')

    const token = async (scope: string) => {
      const made = await server.as(admin, {
        method: 'POST',
        url: '/api/tokens',
        payload: { name: scope, scope },
      })
      expect(made.statusCode, made.body).toBe(201)
      return made.json().token as string
    }
    const scraper = await server.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${await token('admin')}` },
    })
    expect(scraper.statusCode).toBe(200)
    expect(scraper.body).toContain('# TYPE quarry_http_requests_total counter')
    const runOnly = await server.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${await token('run')}` },
    })
    expect(runOnly.statusCode).toBe(403)
  })
})
