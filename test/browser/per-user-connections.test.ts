import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/server/auth/password.js'
import { startServer, type RunningServer } from '../../src/server/start.js'
import { DEFAULT_SIM_OPTIONS, startSimulator, type RunningSimulator } from '../../src/sim/server.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import {
  launchChromium,
  requireBrowser,
  seen,
  SHOTS,
  signInThroughForm,
  stepByStep,
  text,
} from '../helpers/browser.js'
import { freePort } from '../helpers/quarry-process.mjs'

/**
 * Per-user connections in Debian's Chromium, against the real server and the Atlassian simulator
 * (issue 15): a viewer's view of a per-user datasource asks her to connect her own account; she
 * connects through the simulator's consent pages and sees rows; My connections lists it; the admin
 * sees her connection on the datasource and revokes it, and the view asks again; embedded in
 * another site, the view's prompt opens consent in a window of its own and the frame reloads with
 * rows; she revokes her own. axe-core finds no serious violation on the new pages.
 */

const STEP_MS = 60_000
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const CLIENT_ID = 'quarry-per-user-test'
const CLIENT_SECRET = 'per-user-test-secret'
const ADMIN = { name: 'admin', password: 'admin password 1' }
const ALICE = { name: 'alice', password: 'alice password 1' }
const PROMPT = /Connect your .* account to see this/

let engine: TestEngine
let sim: RunningSimulator
let server: RunningServer
let wiki: { server: Server; url: string }
let browser: Browser
/** Alice's browser, with the pages' own CSPs in force (the Connect form is sent on to the provider). */
let alice: BrowserContext
/** The admin's browser; it bypasses CSP only so axe can be added to its pages. */
let admin: BrowserContext
let page: Page
let adminPage: Page

/** axe's serious and critical violations on the page as it is now (the context must bypass CSP). */
async function seriousViolations(on: Page): Promise<string[]> {
  await on.addScriptTag({ path: AXE })
  const violations = await on.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(): Promise<{ violations: { id: string; impact: string | null; help: string }[] }> }
      }
    ).axe
    return (await axe.run()).violations
  })
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.impact} ${violation.id}: ${violation.help}`)
}

/** axe on a page of alice's, opened in a context of her own that bypasses CSP (so axe can be added). */
async function aliceViolations(path: string): Promise<string[]> {
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } })
  try {
    const axePage = await context.newPage()
    await signInThroughForm(axePage, server.url, ALICE)
    await axePage.goto(`${server.url}${path}`)
    await axePage.waitForLoadState('networkidle')
    return await seriousViolations(axePage)
  } finally {
    await context.close()
  }
}

/** The simulator's consent pages as Alice Andersen: her account, the first site, Accept. */
async function consentAsAlice(on: Page): Promise<void> {
  await on.waitForURL((url) => url.origin === sim.url && url.pathname === '/authorize')
  await on.getByRole('link', { name: /Alice Andersen/ }).click()
  const site = on.getByLabel('Use app on')
  await site.selectOption({ index: 0 })
  await on.getByRole('button', { name: 'Accept' }).click()
}

/** The first column of the view's table. */
async function viewKeys(on: Page | ReturnType<Page['frameLocator']>): Promise<string[]> {
  await seen(on.locator('.quarry-table tbody tr').first())
  return on.locator('.quarry-table tbody tr td:first-child').allTextContents()
}

/** A page on another origin that embeds the view, as the README's snippet does. */
async function hostSite(quarry: string): Promise<{ server: Server; url: string }> {
  const host = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(
      `<!doctype html><html lang="en"><title>Team wiki</title><h1>My issues</h1>` +
        `<div data-quarry-view="my-issues"></div><script src="${quarry}/embed.js" async></script>`,
    )
  })
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve))
  const address = host.address()
  if (typeof address !== 'object' || address === null) throw new Error('no port')
  return { server: host, url: `http://127.0.0.1:${address.port}` }
}

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  engine = await startTestEngine()
  const port = await freePort()
  const publicUrl = `http://127.0.0.1:${port}`
  sim = await startSimulator({
    ...DEFAULT_SIM_OPTIONS,
    issues: 60,
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUris: [`${publicUrl}/api/oauth/callback`],
        name: 'Quarry',
      },
    ],
  })
  const cloudId = sim.context.world.sites[0]?.cloudId as string
  await engine.addDatasource({
    name: 'jira',
    type: 'rest',
    baseUrl: `${sim.url}/ex/jira/${cloudId}/rest/api/3`,
    testPath: '/myself',
    connectionMode: 'per-user',
    auth: {
      type: 'oauth2-authorization-code',
      authorizeUrl: `${sim.url}/authorize`,
      tokenUrl: `${sim.url}/oauth/token`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scopes: 'read:jira-work read:jira-user offline_access',
      redirectUri: `${publicUrl}/api/oauth/callback`,
      audience: 'api.atlassian.com',
    },
  })
  await engine.addQuery({
    name: 'my-issues',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key&fields=summary&maxResults=5',
    converter: `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Summary: issue.fields.summary }))
}`,
    visibility: { public: false, roles: ['viewer'] },
  })
  for (const [person, role] of [
    [ADMIN, 'admin'],
    [ALICE, 'viewer'],
  ] as const) {
    await engine.store.accounts.createUser({
      name: person.name,
      passwordHash: await hashPassword(person.password),
      role,
      groups: [],
    })
  }
  // Another port is another origin: the view is framed cross-origin, as on a real wiki.
  wiki = await hostSite(publicUrl)
  server = await startServer(engine.store, {
    host: '127.0.0.1',
    port,
    publicUrl,
    logger: false,
    frameAncestors: [wiki.url],
  })
  browser = await launchChromium()
  alice = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  alice.setDefaultTimeout(30_000)
  admin = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true })
  admin.setDefaultTimeout(30_000)
  page = await alice.newPage()
  adminPage = await admin.newPage()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  if (wiki) await new Promise((resolve) => wiki.server.close(resolve))
  await sim?.close()
  await engine?.close()
}, 60_000)

describe('A viewer connects her own account to a per-user datasource', () => {
  stepByStep(() => page, 'per-user-failed.png')

  it(
    "shows alice the view's Connect prompt instead of rows",
    async () => {
      await signInThroughForm(page, server.url, ALICE)
      await page.goto(`${server.url}/v/my-issues`)
      expect(await text(page.locator('#quarry-connect-message'))).toMatch(PROMPT)
      expect(await page.locator('.quarry-table').count()).toBe(0)
      await page.screenshot({ path: join(SHOTS, 'per-user-01-prompt.png'), fullPage: true })
      expect(await aliceViolations('/v/my-issues')).toEqual([])
    },
    STEP_MS,
  )

  it(
    "connects from the prompt through the simulator's consent pages and comes back to rows",
    async () => {
      await page.getByRole('button', { name: 'Connect' }).click()
      await consentAsAlice(page)
      await page.waitForURL(`${server.url}/v/my-issues`)
      expect(await viewKeys(page)).toEqual(['DEMO-1', 'DEMO-2', 'DEMO-3', 'DEMO-4', 'DEMO-5'])
      await page.screenshot({ path: join(SHOTS, 'per-user-02-rows.png'), fullPage: true })
    },
    STEP_MS,
  )

  it(
    'lists the connection on her My connections page',
    async () => {
      await page.goto(`${server.url}/admin/account`)
      await page.getByRole('link', { name: 'My connections' }).click()
      const row = page.getByRole('table', { name: 'My connections' }).getByRole('row', { name: /jira/ })
      expect(await text(row.locator('td').nth(1))).toMatch(/^connected · expires /)
      await page.screenshot({ path: join(SHOTS, 'per-user-03-my-connections.png'), fullPage: true })
      expect(await aliceViolations('/admin/connections')).toEqual([])
    },
    STEP_MS,
  )

  it(
    "shows the admin alice's connection on the datasource, and revokes it",
    async () => {
      await signInThroughForm(adminPage, server.url, ADMIN)
      await adminPage.goto(`${server.url}/admin/datasources/jira`)
      expect(await adminPage.getByLabel('Connection mode').inputValue()).toBe('per-user')
      const table = adminPage.getByRole('table', { name: 'Connections' })
      const row = table.getByRole('row', { name: /alice/ })
      expect(await text(row.locator('td').nth(1))).toMatch(/^connected · expires /)
      await adminPage.screenshot({ path: join(SHOTS, 'per-user-04-admin-list.png'), fullPage: true })
      expect(await seriousViolations(adminPage)).toEqual([])

      adminPage.once('dialog', (dialog) => void dialog.accept())
      await adminPage.getByRole('button', { name: 'Revoke alice' }).click()
      expect(await text(adminPage.getByText('Nobody has connected yet.'))).toBe('Nobody has connected yet.')
    },
    STEP_MS,
  )

  it(
    'asks alice to connect again once her connection is revoked',
    async () => {
      await page.goto(`${server.url}/v/my-issues`)
      expect(await text(page.locator('#quarry-connect-message'))).toMatch(PROMPT)
      expect(await page.locator('.quarry-table').count()).toBe(0)
    },
    STEP_MS,
  )

  it(
    'connects from the prompt inside an embed: consent in a window of its own, then the frame shows rows',
    async () => {
      await page.goto(wiki.url)
      const frame = page.frameLocator('iframe')
      expect(await text(frame.locator('#quarry-connect-message'))).toMatch(PROMPT)
      const popup = page.waitForEvent('popup')
      await frame.getByRole('button', { name: 'Connect' }).click()
      const consent = await popup
      await consentAsAlice(consent)
      // The last page tells the frame and closes itself; the frame reloads with alice's rows.
      await expect.poll(() => consent.isClosed(), { timeout: 20_000 }).toBe(true)
      expect(await viewKeys(frame)).toEqual(['DEMO-1', 'DEMO-2', 'DEMO-3', 'DEMO-4', 'DEMO-5'])
      await page.screenshot({ path: join(SHOTS, 'per-user-05-embed.png'), fullPage: true })
    },
    STEP_MS,
  )

  it(
    'revokes her own connection on My connections',
    async () => {
      await page.goto(`${server.url}/admin/connections`)
      page.once('dialog', (dialog) => void dialog.accept())
      await page.getByRole('button', { name: 'Revoke jira' }).click()
      const row = page.getByRole('table', { name: 'My connections' }).getByRole('row', { name: /jira/ })
      await expect.poll(() => row.locator('td').nth(1).textContent()).toBe('not connected')
      await page.goto(`${server.url}/v/my-issues`)
      expect(await text(page.locator('#quarry-connect-message'))).toMatch(PROMPT)
    },
    STEP_MS,
  )
})
