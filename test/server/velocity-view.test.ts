/**
 * A query with a PocketQuery (Velocity) template, seen at /v/QUERY (issue 13): rendered in the
 * converter sandbox, values escaped, under the view's CSP, chart scripts reported, emptymsg shown,
 * template errors on the page with their line; and the editors' template preview renders it too.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { VELOCITY_CHART_NOTICE } from '../../src/render/velocity-template.js'
import { hasElement, htmlTables } from '../helpers/html-text.js'
import { addSimJira } from '../helpers/jira.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { startTestSim } from '../helpers/sim.js'

const XSS = '<img src=x onerror=alert(1)>'
// The summary carries an XSS attempt, as data from any API may.
const CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Summary: issue.fields.summary + ' ${XSS}' }))
}`
const fixture = (file: string): string =>
  readFileSync(new URL(`../fixtures/pocketquery-templates/${file}`, import.meta.url), 'utf8')

let sim: RunningSimulator
let server: TestServer

beforeAll(async () => {
  sim = await startTestSim({ issues: 30 })
  server = await startTestServer()
  await addSimJira(server.engine, sim)
  const query = {
    datasource: 'jira',
    path: '/search/jql?jql=:jql&fields=summary&maxResults=50',
    params: [{ name: 'jql', type: 'string' as const, default: 'project = DEMO ORDER BY key ASC' }],
    pagination: { type: 'next-page-token' as const },
    converter: CONVERTER,
  }
  const velocity = (source: string) => ({ type: 'velocity' as const, source })
  await server.engine.addQuery({
    ...query,
    name: 'pq-default',
    template: velocity(fixture('default-template.vm')),
  })
  await server.engine.addQuery({ ...query, name: 'pq-plain' })
  await server.engine.addQuery({ ...query, name: 'pq-chart', template: velocity(fixture('chart.vm')) })
  await server.engine.addQuery({ ...query, name: 'pq-empty', template: velocity(fixture('emptymsg.vm')) })
  // PocketQuery's templates are named entities one template may insert (the template library).
  await server.engine.store.templates.create({
    name: 'row-count',
    content: JSON.stringify(velocity('<p class="count">$result.size() issues</p>')),
  })
  await server.engine.store.templates.create({
    name: 'plain-table',
    content: JSON.stringify({ type: 'table' }),
  })
  await server.engine.addQuery({
    ...query,
    name: 'pq-insert',
    template: velocity('<h2>Issues</h2>\n$PQ.templateByName("row-count")'),
  })
  await server.engine.addQuery({
    ...query,
    name: 'pq-insert-table',
    template: velocity('$PQ.templateByName("plain-table")'),
  })
  await server.engine.addQuery({
    ...query,
    name: 'pq-broken',
    template: velocity('<p>\n  $PQ.chart("PieChart")</p>'),
  })
}, 30_000)
afterAll(async () => {
  await server.close()
  await sim.close()
})

describe('a view of a query with a Velocity template', () => {
  it("renders PocketQuery's default template as the same table as Quarry's default, escaped, under the CSP", async () => {
    const viewer = await server.signIn('vic', 'viewer')
    const response = await server.as(viewer, { url: '/v/pq-default' })
    expect(response.statusCode).toBe(200)
    const csp = String(response.headers['content-security-policy'])
    expect(csp).toContain("script-src 'self' 'nonce-")
    expect(csp).not.toContain('unsafe-inline')
    const page = response.body
    expect(page).toContain('<div class="quarry-velocity">')
    expect(page).toContain('<table class="aui aui-table-sortable">')
    expect(page).not.toContain('<img')
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;')
    const plain = (await server.as(viewer, { url: '/v/pq-plain' })).body
    const [velocityTable] = htmlTables(page)
    const [defaultTable] = htmlTables(plain)
    expect(velocityTable?.length).toBeGreaterThan(2)
    expect(velocityTable).toEqual(defaultTable)
    expect(velocityTable?.[1]?.[1]).toContain(XSS)
  })

  it('reports a PocketQuery.chart script as unsupported, pointing to Quarry’s chart template', async () => {
    const viewer = await server.signIn('vic', 'viewer')
    const page = (await server.as(viewer, { url: '/v/pq-chart' })).body
    expect(page).toContain('<ul class="quarry-notices" role="status">')
    expect(page).toContain('PocketQuery.chart(…) (Google Charts), which Quarry does not support')
    expect(VELOCITY_CHART_NOTICE).toContain('Quarry chart template')
    // The only scripts are the page's own, loaded from its origin under the nonce.
    expect(page.match(/<script\b[^>]*>/g)).toEqual([
      expect.stringMatching(/^<script src="\/assets\/view\.js" nonce="/),
    ])
    expect(page).not.toContain("PocketQuery.chart('PieChart'")
  })

  it('says what emptymsg says when the result is empty', async () => {
    const viewer = await server.signIn('vic', 'viewer')
    const page = (
      await server.as(viewer, {
        url: `/v/pq-empty?jql=${encodeURIComponent('project = DEMO AND summary ~ "xyzzyplugh" ORDER BY key ASC')}`,
      })
    ).body
    expect(page.match(/<p class="quarry-(empty|error)".*/)?.[0]).toBe(
      '<p class="quarry-empty">The query returned no result!</p>',
    )
  })

  it('shows a template error on the page: its code for a viewer, its line for an editor', async () => {
    const viewer = await server.signIn('vic', 'viewer')
    const editor = await server.signIn('eda', 'editor')
    const seenByViewer = (await server.as(viewer, { url: '/v/pq-broken' })).body
    expect(seenByViewer).toContain('(QUARRY_VELOCITY_UNSUPPORTED)')
    const seenByEditor = (await server.as(editor, { url: '/v/pq-broken' })).body
    expect(seenByEditor).toContain(
      'The Velocity template failed at line 2, column 3: $PQ.chart() is not available in Quarry',
    )
  })

  it('inserts a named Velocity template from the template library ($PQ.templateByName)', async () => {
    const viewer = await server.signIn('vic', 'viewer')
    const page = (await server.as(viewer, { url: '/v/pq-insert' })).body
    const [plainTable] = htmlTables((await server.as(viewer, { url: '/v/pq-plain' })).body)
    const rowCount = (plainTable?.length ?? 0) - 1 // the header row is not an issue
    expect(rowCount).toBeGreaterThan(0)
    expect(page).toContain(`<p class="count">${rowCount} issues</p>`)
  })

  it('refuses to insert a named template of another kind, saying which kind it is', async () => {
    const editor = await server.signIn('eda', 'editor')
    const page = (await server.as(editor, { url: '/v/pq-insert-table' })).body
    expect(page).toContain('The template &quot;plain-table&quot; is a table template')
    expect(page).toContain('QUARRY_VELOCITY_UNSUPPORTED')
  })
})

describe('the template preview', () => {
  it('renders a Velocity template over the rows given', async () => {
    const editor = await server.signIn('eda', 'editor')
    const response = await server.as(editor, {
      method: 'POST',
      url: '/api/preview/template',
      payload: {
        template: { type: 'velocity', source: '#foreach($r in $result)<p>$r.Key: $r.Summary</p>#end' },
        rows: [{ Key: 'QA-1', Summary: XSS }],
      },
    })
    expect(response.statusCode).toBe(200)
    const { html } = response.json() as { html: string }
    expect(html).toContain('<p>QA-1: &lt;img src=x onerror=alert(1)&gt;</p>')
    expect(hasElement(html, 'img')).toBe(false)
  })
})
