import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoHost, type DemoHost } from '../../src/cli/demo-host.js'
import { hashPassword } from '../../src/server/auth/password.js'
import { startServer, type RunningServer } from '../../src/server/start.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { requireBrowser, launchChromium, seen, SHOTS, text } from '../helpers/browser.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { startTestSim } from '../helpers/sim.js'

/**
 * Views that are safe to make public, in Debian's Chromium against the real server (issue 10):
 * - an admin allows a site under Embedding in the admin UI, and the embed snippet on that site
 *   (`quarry demo`'s sample host page, on another loopback origin) shows the view — no restart;
 * - an embedded table of 500 rows pages (25 a page), so the iframe stays short; paging, sorting
 *   and filtering work over all rows;
 * - URL cells and Jira issue keys are links.
 * Screenshots: test-results/browser/views-….png.
 */

const ROWS = 500
const ADMIN = { name: 'admin', password: 'admin password 1' }
const STEP_MS = 60_000

let dir: string
let engine: TestEngine
let sim: RunningSimulator
let server: RunningServer
let host: DemoHost
let browser: Browser
let context: BrowserContext
let siteUrl: string

async function shot(on: Page, name: string): Promise<void> {
  await on.screenshot({ path: join(SHOTS, `views-${name}.png`), fullPage: true })
}

/** The first cells of the rows a person sees in the embedded table, top to bottom. */
async function shownIds(frame: FrameLocator): Promise<string[]> {
  return frame.locator('.quarry-table tbody tr:visible td:first-child').allTextContents()
}

async function iframeHeight(page: Page): Promise<number> {
  return (await page.locator('iframe').boundingBox())?.height ?? 0
}

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  for (const file of readdirSync(SHOTS)) if (file.startsWith('views-')) rmSync(join(SHOTS, file))

  dir = mkdtempSync(join(tmpdir(), 'quarry-browser-views-'))
  const data = new DatabaseSync(join(dir, 'items.db'))
  data.exec('CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, link text NOT NULL)')
  const insert = data.prepare('INSERT INTO items (id, name, link) VALUES (?, ?, ?)')
  for (let id = 1; id <= ROWS; id++) insert.run(id, `item-${id}`, `https://example.com/items/${id}`)
  data.close()

  sim = await startTestSim({ issues: 20 })
  engine = await startTestEngine()
  await engine.addDatasource({ name: 'local', type: 'sqlite', path: join(dir, 'items.db') })
  await engine.addQuery({
    name: 'items',
    datasource: 'local',
    sql: 'SELECT id, name, link FROM items ORDER BY id',
    visibility: { public: true },
  })
  // A Jira Cloud preset datasource connected to the simulator's first site, as `quarry connect` leaves it.
  await addSimJira(engine, sim)
  const site = sim.context.world.sites[0]
  if (site === undefined) throw new Error('the simulator has no site')
  siteUrl = site.url
  const jira = await engine.store.datasources.get('jira')
  await engine.store.datasources.update('jira', {
    config: {
      ...(jira?.config as object),
      preset: {
        name: 'jira-cloud',
        apiUrl: sim.url,
        site: { id: site.cloudId, name: site.name, url: site.url },
      },
    },
  })
  await engine.addQuery({
    name: 'issues',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key&fields=summary&maxResults=5',
    converter: `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Summary: issue.fields.summary }))
}`,
    visibility: { public: true },
  })
  await engine.store.accounts.createUser({
    name: ADMIN.name,
    passwordHash: await hashPassword(ADMIN.password),
    role: 'admin',
    groups: [],
  })
  // No --frame-ancestor: the host site is allowed only once the admin lists it.
  server = await startServer(engine.store, { host: '127.0.0.1', port: 0, logger: false })
  host = await startDemoHost({ port: 0, quarryUrl: server.url, query: 'items' })
  browser = await launchChromium()
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  context.setDefaultTimeout(30_000)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await host?.close()
  await server?.close()
  await engine?.close()
  await sim?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
}, 60_000)

describe('embedding a view', () => {
  it(
    'shows nothing on a site that is not listed, and the table once an admin lists it under Embedding, with no restart',
    async () => {
      const wiki = await context.newPage()
      // Chromium says on the console when the view's CSP refuses the frame: that is the moment to look.
      const refused = wiki.waitForEvent('console', {
        predicate: (message) => message.text().includes('frame-ancestors'),
      })
      await wiki.goto(host.url)
      await refused
      const framed = wiki.frames().find((frame) => frame.url().includes('/v/items'))
      expect(framed ? await framed.locator('td').count() : 0).toBe(0)
      await shot(wiki, '01-site-not-listed')

      const admin = await context.newPage()
      await admin.goto(`${server.url}/admin/`)
      await admin.getByLabel('Name').fill(ADMIN.name)
      await admin.getByLabel('Password').fill(ADMIN.password)
      await admin.getByRole('button', { name: 'Sign in' }).click()
      await (await seen(admin.getByRole('link', { name: 'Embedding' }))).click()
      expect(await text(admin.getByRole('heading', { level: 1 }))).toBe('Embedding')
      await admin.getByLabel('Site origin').fill(`${host.url}/`)
      await admin.getByRole('button', { name: 'Add site' }).click()
      const listed = admin.getByRole('list', { name: 'Allowed sites' })
      expect(await text(listed.locator('code'))).toBe(host.url)
      // A bad entry is refused with the server's message, and the list is kept.
      await admin.getByLabel('Site origin').fill('https://wiki.example.com/page')
      await admin.getByRole('button', { name: 'Add site' }).click()
      expect(await text(admin.getByRole('alert'))).toContain('an origin has no path')
      expect(await listed.locator('code').allTextContents()).toEqual([host.url])
      await shot(admin, '02-embedding-page')

      // The query editor's embed snippet says where the host site's origin must be listed.
      await admin.goto(`${server.url}/admin/queries/items`)
      const hint = await text(admin.locator('#embed-snippet-hint'))
      expect(hint).toContain('must be listed under Embedding')
      expect(await admin.locator('#embed-snippet-hint a').getAttribute('href')).toBe('/admin/embedding')
      await admin.close()

      await wiki.reload()
      const frame = wiki.frameLocator('iframe')
      expect(await text(frame.locator('td').first())).toBe('1')
      await shot(wiki, '03-site-listed')
      await wiki.close()
    },
    STEP_MS,
  )

  it(
    'pages an embedded table of 500 rows, 25 at a time, so the iframe stays under 1,500 px',
    async () => {
      const wiki = await context.newPage()
      await wiki.goto(host.url)
      const frame = wiki.frameLocator('iframe')
      const where = frame.locator('.quarry-pager output')
      expect(await text(where)).toBe(`Rows 1–25 of ${ROWS}`)
      expect(await shownIds(frame)).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)))
      await expect.poll(() => iframeHeight(wiki)).toBeGreaterThan(300)
      expect(await iframeHeight(wiki)).toBeLessThan(1500)
      expect(await frame.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true)

      await frame.getByRole('button', { name: 'Next page' }).click()
      expect(await text(where)).toBe(`Rows 26–50 of ${ROWS}`)
      expect((await shownIds(frame))[0]).toBe('26')
      expect(await iframeHeight(wiki)).toBeLessThan(1500)
      await shot(wiki, '04-embed-page-2')
      await wiki.close()
    },
    STEP_MS,
  )

  it(
    'sorts and filters over all rows, not just the page shown',
    async () => {
      const wiki = await context.newPage()
      await wiki.goto(host.url)
      const frame = wiki.frameLocator('iframe')
      const where = frame.locator('.quarry-pager output')
      await frame.getByRole('button', { name: 'Next page' }).click()
      expect(await text(where)).toBe(`Rows 26–50 of ${ROWS}`)

      // Descending by id: row 500 (on the last page before) comes first, back on page 1.
      // The sort arrow is decoration (CSS content with empty alt text): the name stays the column's.
      const id = frame.getByRole('button', { name: 'id', exact: true })
      await id.click()
      await id.click()
      expect(await text(where)).toBe(`Rows 1–25 of ${ROWS}`)
      expect((await shownIds(frame)).slice(0, 3)).toEqual(['500', '499', '498'])

      // item-4, item-40…49, item-400…499: 111 rows from every page, still paged and still sorted.
      await frame.getByLabel('Filter rows').fill('item-4')
      expect(await text(where)).toBe('Rows 1–25 of 111')
      expect((await shownIds(frame)).slice(0, 2)).toEqual(['499', '498'])
      await frame.getByRole('button', { name: 'Next page' }).click()
      expect(await text(where)).toBe('Rows 26–50 of 111')
      expect(await text(frame.locator('.quarry-filter output'))).toBe(`111 of ${ROWS} rows`)
      await shot(wiki, '05-embed-sorted-filtered')

      await frame.getByLabel('Filter rows').fill('')
      expect(await text(where)).toBe(`Rows 1–25 of ${ROWS}`)
      await wiki.close()
    },
    STEP_MS,
  )
})

describe('links in a view', () => {
  it(
    'makes URL cells links, and Jira issue keys links to the issue on the connected site',
    async () => {
      const page = await context.newPage()
      await page.goto(`${server.url}/v/items`)
      const link = page.getByRole('link', { name: 'https://example.com/items/1', exact: true })
      expect(await link.getAttribute('href')).toBe('https://example.com/items/1')
      expect(await link.getAttribute('rel')).toBe('noopener noreferrer')
      // The full page shows 100 rows a page.
      expect(await text(page.locator('.quarry-pager output'))).toBe(`Rows 1–100 of ${ROWS}`)

      await page.goto(`${server.url}/v/issues`)
      const key = page.locator('.quarry-table tbody tr td:first-child a').first()
      const issue = await text(key)
      expect(issue).toMatch(/^[A-Z][A-Z0-9_]+-\d+$/)
      expect(await key.getAttribute('href')).toBe(`${siteUrl}/browse/${issue}`)
      await shot(page, '06-jira-key-links')
      await page.close()
    },
    STEP_MS,
  )
})
