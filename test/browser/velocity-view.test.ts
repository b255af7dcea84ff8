import { readFileSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../src/server/start.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { launchChromium, requireBrowser } from '../helpers/browser.js'
import { startTestSim } from '../helpers/sim.js'

/**
 * A Velocity view in Debian's Chromium (issue 13): data that tries to be markup shows as text, and
 * markup the template itself carries — an inline handler — is stopped by the view's CSP, as Liquid's.
 */

const XSS = `<img src=/x.png onerror="document.title='pwned by data'">`
const TEMPLATE = `<p id="intro">Issues of $queryName</p>
<img src="/missing.png" onerror="document.title='pwned by template'">
#foreach($row in $result)
<p class="issue">$row.Key: $row.Summary</p>
#end`

let engine: TestEngine
let sim: RunningSimulator
let quarry: RunningServer
let browser: Browser

beforeAll(async () => {
  requireBrowser({ adminUi: false })
  sim = await startTestSim({ issues: 30 })
  engine = await startTestEngine()
  await addSimJira(engine, sim)
  await engine.addQuery({
    name: 'pq-view',
    datasource: 'jira',
    path: '/search/jql?jql=:jql&fields=summary&maxResults=5',
    params: [{ name: 'jql', type: 'string', default: 'project = DEMO ORDER BY key' }],
    converter: `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Summary: ${JSON.stringify(XSS)} }))
}`,
    template: { type: 'velocity', source: TEMPLATE },
    visibility: { public: true },
  })
  const defaultTemplate = readFileSync(
    new URL('../fixtures/pocketquery-templates/default-template.vm', import.meta.url),
    'utf8',
  )
  await engine.addQuery({
    name: 'pq-sortable',
    datasource: 'jira',
    path: '/search/jql?jql=:jql&fields=summary&maxResults=5',
    params: [{ name: 'jql', type: 'string', default: 'project = DEMO ORDER BY key' }],
    converter: `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Summary: issue.fields.summary }))
}`,
    template: { type: 'velocity', source: defaultTemplate },
    visibility: { public: true },
  })
  quarry = await startServer(engine.store, { host: '127.0.0.1', port: 0, logger: false })
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await quarry?.close()
  await engine?.close()
  await sim?.close()
})

describe('a Velocity view in a browser', () => {
  it('shows data as text and runs no script the template carries', async () => {
    const page = await browser.newPage()
    const refused: string[] = []
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) refused.push(message.text())
    })
    await page.goto(`${quarry.url}/v/pq-view?embed=1`)
    await expect.poll(() => page.locator('p.issue').count(), { timeout: 20_000 }).toBe(5)
    expect(await page.locator('#intro').textContent()).toBe('Issues of pq-view')
    expect(await page.locator('p.issue').first().textContent()).toBe(`DEMO-1: ${XSS}`)
    // The data's <img> is text; the template's own <img> is there, its handler refused by the CSP.
    expect(await page.locator('main img').count()).toBe(1)
    await expect.poll(() => refused.length, { timeout: 10_000 }).toBeGreaterThan(0)
    expect(await page.title()).toBe('pq-view · Quarry')
    await page.close()
  }, 60_000)

  it("sorts PocketQuery's aui-table-sortable table by a header, as its docs promise", async () => {
    const page = await browser.newPage()
    await page.goto(`${quarry.url}/v/pq-sortable`)
    const keys = () => page.locator('table.aui tbody tr td:first-child').allTextContents()
    await expect.poll(keys, { timeout: 20_000 }).toEqual(['DEMO-1', 'DEMO-2', 'DEMO-3', 'DEMO-4', 'DEMO-5'])
    const sortByKey = page.getByRole('button', { name: 'Key', exact: true })
    await sortByKey.click()
    await sortByKey.click()
    expect(await keys()).toEqual(['DEMO-5', 'DEMO-4', 'DEMO-3', 'DEMO-2', 'DEMO-1'])
    expect(await page.locator('table.aui th').first().getAttribute('aria-sort')).toBe('descending')
    await page.close()
  }, 60_000)
})
