import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../src/server/start.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { launchChromium, requireBrowser, SHOTS } from '../helpers/browser.js'
import { startTestSim } from '../helpers/sim.js'

/**
 * A view embedded in another site with the `<script>` snippet, in Debian's Chromium: an allowed
 * site shows the table in an iframe sized to it; a site that is not a configured frame ancestor
 * gets nothing (the view's CSP refuses the frame).
 */

let engine: TestEngine
let sim: RunningSimulator
let quarry: RunningServer
let wiki: { server: Server; url: string }
let stranger: { server: Server; url: string }
let browser: Browser

/** A page on another origin that embeds the view the way the README says. */
async function hostSite(snippet: () => string): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(
      `<!doctype html><title>Team wiki</title><h1>Sprint board</h1>${snippet()}<p>After the view.</p>`,
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || address === null) throw new Error('no port')
  return { server, url: `http://127.0.0.1:${address.port}` }
}

const snippet = () =>
  `<div data-quarry-view="demo" data-params="jql=${encodeURIComponent('key = DEMO-3')}"></div>` +
  `<script src="${quarry.url}/embed.js" async></script>`

beforeAll(async () => {
  requireBrowser({ adminUi: false })
  mkdirSync(SHOTS, { recursive: true })
  sim = await startTestSim()
  engine = await startTestEngine()
  await addSimJira(engine, sim)
  await engine.addQuery({
    name: 'demo',
    datasource: 'jira',
    path: '/search/jql?jql=:jql&fields=summary&maxResults=20',
    // Visitors of a public view may pick one issue by key, and nothing else (issue 10).
    params: [
      {
        name: 'jql',
        type: 'string',
        default: 'project = DEMO ORDER BY key',
        visitorInput: { pattern: 'key = DEMO-\\d+' },
      },
    ],
    converter: `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Summary: issue.fields.summary }))
}`,
    visibility: { public: true },
  })
  wiki = await hostSite(snippet)
  stranger = await hostSite(snippet)
  // Another port is another origin: the view is framed cross-origin, as on a real wiki.
  quarry = await startServer(engine.store, {
    host: '127.0.0.1',
    port: 0,
    logger: false,
    frameAncestors: [wiki.url],
  })
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await quarry?.close()
  // Absent when beforeAll failed early (say, Chromium missing): a close that never answers would hang.
  for (const site of [wiki, stranger]) if (site) await new Promise((resolve) => site.server.close(resolve))
  await engine?.close()
  await sim?.close()
})

describe('an embedded view', () => {
  it('shows the table inside an allowed site, in an iframe as tall as its content', async () => {
    const page = await browser.newPage()
    await page.goto(wiki.url)
    const frame = page.frameLocator('iframe')
    await expect.poll(() => frame.locator('td').first().textContent(), { timeout: 20_000 }).toBe('DEMO-3')
    await expect
      .poll(async () => (await page.locator('iframe').boundingBox())?.height ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(60)
    expect(await frame.locator('h1').count()).toBe(0)
    await page.screenshot({ path: join(SHOTS, 'embed-01-allowed-site.png'), fullPage: true })
    await page.close()
  }, 60_000)

  it('stays empty inside a site that is not a configured frame ancestor', async () => {
    const page = await browser.newPage()
    // Chromium says on the console when the view's CSP refuses the frame: that is the moment to look.
    const refused = page.waitForEvent('console', {
      predicate: (message) => message.text().includes('frame-ancestors'),
      timeout: 20_000,
    })
    await page.goto(stranger.url)
    await refused
    const frame = page.frames().find((candidate) => candidate.url().includes('/v/demo'))
    const cells = frame ? await frame.locator('td').count() : 0
    expect(cells).toBe(0)
    await page.screenshot({ path: join(SHOTS, 'embed-02-other-site.png'), fullPage: true })
    await page.close()
  }, 60_000)
})
