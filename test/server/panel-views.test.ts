/**
 * Issue 17's panels seen at /v/QUERY through the real server: each kind renders in the view page
 * and its embed, hostile values stay text, and a named template of a new kind works by its name.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addPanelQueries, HOSTILE, PANEL_TEMPLATES, type PanelName } from '../helpers/panel-data.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let dir: string
let server: TestServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-panel-views-'))
  server = await startTestServer()
  await addPanelQueries(server.engine, dir)
}, 60_000)

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

const view = async (name: string, query = ''): Promise<string> => {
  const response = await server.as(undefined, { url: `/v/${name}${query}` })
  expect(response.statusCode).toBe(200)
  return response.body
}

describe('panel views', () => {
  it('a stat shows the sum of the points, coloured by its thresholds', async () => {
    const html = await view('panel-stat')
    // Points are (i * 7) % 13 for i = 1..30: 174, past the amber threshold at 100.
    expect(html).toContain('<figure class="quarry-stat quarry-stat--amber">')
    expect(html).toContain('<figcaption>Story points</figcaption>')
    expect(html).toContain('<p class="quarry-stat-value">174</p>')
  })

  it('a stat by its template name renders the same', async () => {
    expect(await view('panel-named-stat')).toContain('<p class="quarry-stat-value">174</p>')
  })

  it.each(['bar', 'line', 'area', 'pie', 'donut'] satisfies PanelName[])(
    'a %s chart is an SVG image with its data table',
    async (name) => {
      const html = await view(`panel-${name}`)
      expect(html).toMatch(/<figure class="quarry-chart"><svg role="img" aria-label="[^"]+"/)
      expect(html).toContain('<details class="quarry-chart-data">')
      expect(html).not.toContain('class="quarry-error"')
    },
  )

  it('a formatted table: labels, order, formats, the hidden column left out, the page size', async () => {
    const html = await view('panel-table')
    expect(PANEL_TEMPLATES.table.onlyListed).toBe(true)
    expect([...html.matchAll(/class="quarry-sort">([^<]*)</g)].map((m) => m[1])).toEqual([
      'Issue',
      'Status',
      'Created',
      'Points',
      'Time spent',
      'Tracker',
      'Summary',
    ])
    expect(html).toContain('data-page-size="10"')
    expect(html).toContain(
      '<a href="https://acme.atlassian.net/browse/QA-1" rel="noopener noreferrer">QA-1</a>',
    )
    expect(html).toContain('<span class="quarry-lozenge quarry-lozenge--indeterminate">In Progress</span>')
    expect(html).toContain('>01 Jan 2026 02:30</td>')
    expect(html).toContain('>30m 7s</td>')
    expect(html).toContain('>Open QA-1</a>')
    // Every row is in the page: paging asks the server nothing.
    expect(html.match(/<tr>/g)?.length).toBe(31)
  })

  it('refuses javascript: links and writes hostile values as text', async () => {
    const html = await view('panel-table')
    expect(html).not.toMatch(/href="javascript/i)
    expect(html).toContain('<td>Open QA-5</td>')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain(HOSTILE)
  })

  it('embeds a panel with its links opening outside the iframe', async () => {
    const html = await view('panel-table', '?embed=1')
    expect(html).toContain('data-page-size="10"')
    expect(html).toContain(
      'href="https://acme.atlassian.net/browse/QA-1" rel="noopener noreferrer" target="_blank"',
    )
    expect(await view('panel-stat', '?embed=1')).toContain('quarry-stat--amber')
  })
})
