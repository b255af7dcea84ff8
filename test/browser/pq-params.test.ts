import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/server/auth/password.js'
import { startServer, type RunningServer } from '../../src/server/start.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import {
  launchChromium,
  requireBrowser,
  seen,
  SHOTS,
  signInThroughForm,
  watchDialogs,
} from '../helpers/browser.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { REDIRECT_URI, TEST_CLIENT, connect, startTestSim } from '../helpers/sim.js'

/**
 * Issue 13 in the admin UI, in Chromium against the real server: a `:name` typed into a query's path
 * and saved appears in the Parameters box at once and after a reload, ready for a value; a 3LO
 * datasource takes a refresh and an access token obtained elsewhere, as the PocketQuery guide pastes
 * them, and works; the guide's six values typed into the datasource form work too, and Test says
 * what to use instead of the guide's removed /search test path.
 * Screenshots: test-results/browser/pqparams-*.png.
 */

const ADMIN = { name: 'admin', password: 'admin password 1' }
const CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key }))
}`

let engine: TestEngine
let sim: RunningSimulator
let server: RunningServer
let browser: Browser
let page: Page
const dialogs: string[] = []

async function parameterNames(): Promise<string[]> {
  const inputs = page.getByLabel('Parameter', { exact: true })
  const names: string[] = []
  for (let i = 0; i < (await inputs.count()); i++) names.push(await inputs.nth(i).inputValue())
  return names
}

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  for (const file of readdirSync(SHOTS)) if (file.startsWith('pqparams-')) rmSync(join(SHOTS, file))
  sim = await startTestSim({ issues: 20 })
  engine = await startTestEngine()
  await addSimJira(engine, sim)
  await engine.addQuery({
    name: 'issues',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20DEMO&fields=summary',
    pagination: { type: 'next-page-token' },
    converter: CONVERTER,
  })
  const cloudId = sim.context.world.sites[0]?.cloudId as string
  await engine.addDatasource({
    name: 'guide',
    type: 'rest',
    baseUrl: `${sim.url}/ex/jira/${cloudId}/rest/api/2`,
    testPath: '/myself',
    auth: {
      type: 'oauth2-authorization-code',
      authorizeUrl: `${sim.url}/authorize`,
      tokenUrl: `${sim.url}/oauth/token`,
      clientId: TEST_CLIENT.clientId,
      clientSecret: TEST_CLIENT.clientSecret,
      scopes: 'read:jira-work read:jira-user offline_access',
      redirectUri: REDIRECT_URI,
    },
  })
  await engine.store.accounts.createUser({
    name: ADMIN.name,
    passwordHash: await hashPassword(ADMIN.password),
    role: 'admin',
    groups: [],
  })
  server = await startServer(engine.store, { host: '127.0.0.1', port: 0, logger: false })
  browser = await launchChromium()
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  context.setDefaultTimeout(30_000)
  page = await context.newPage()
  watchDialogs(page, dialogs)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await engine?.close()
  await sim?.close()
}, 60_000)

describe('Parameters found when a query is saved, in the admin UI (issue 13)', () => {
  it('shows a :name typed into the path as a string parameter after saving, and after a reload', async () => {
    try {
      await signInThroughForm(page, server.url, ADMIN)
      await page.goto(`${server.url}/admin/queries/issues`)
      await seen(page.getByRole('heading', { name: 'Query issues' }))
      expect(await parameterNames()).toEqual([])
      await page
        .getByLabel('Path', { exact: true })
        .fill('/search/jql?jql=project%20%3D%20:project&fields=summary')
      await page.getByRole('button', { name: 'Save', exact: true }).click()
      await seen(
        page
          .getByRole('form', { name: 'Query' })
          .getByRole('status')
          .filter({ hasText: 'Saved; parameters found in the query were added.' }),
      )
      expect(await parameterNames()).toEqual(['project'])
      await page.screenshot({ path: join(SHOTS, 'pqparams-saved.png') })
      await page.reload()
      await seen(page.getByRole('heading', { name: 'Query issues' }))
      await seen(page.getByLabel('Parameter', { exact: true }).first())
      expect(await parameterNames()).toEqual(['project'])
      expect(dialogs).toEqual([])
    } catch (error) {
      await page
        ?.screenshot({ path: join(SHOTS, 'pqparams-failed.png'), fullPage: true })
        .catch(() => undefined)
      throw error
    }
  }, 120_000)

  it('stores tokens obtained elsewhere for a 3LO datasource, which then works', async () => {
    const tokens = await connect(sim)
    try {
      await page.goto(`${server.url}/admin/datasources/guide`)
      await seen(page.getByRole('heading', { name: 'Datasource guide' }))
      await page.getByText('Tokens obtained elsewhere', { exact: true }).click()
      const form = page.getByRole('form', { name: 'Tokens obtained elsewhere' })
      await form.getByLabel('Refresh token').fill(tokens.refresh_token as string)
      await form.getByLabel('Access token').fill(tokens.access_token)
      await form.getByRole('button', { name: 'Store tokens' }).click()
      await seen(form.getByRole('status').filter({ hasText: 'Tokens stored: the first use refreshes them.' }))
      await page.getByRole('button', { name: 'Test connection' }).click()
      const region = page.getByRole('region', { name: 'Connection' })
      await seen(region.getByRole('status').filter({ hasText: 'guide works' }))
      await page.screenshot({ path: join(SHOTS, 'pqparams-tokens.png') })
      expect(dialogs).toEqual([])
    } catch (error) {
      await page
        ?.screenshot({ path: join(SHOTS, 'pqparams-tokens-failed.png'), fullPage: true })
        .catch(() => undefined)
      throw error
    }
  }, 120_000)

  it("takes the guide's six values and scope in the datasource form; Test names the fix for the removed /search", async () => {
    const tokens = await connect(sim)
    const cloudId = sim.context.world.sites[0]?.cloudId as string
    try {
      await page.goto(`${server.url}/admin/datasources/new`)
      const form = page.getByRole('form', { name: 'Datasource' })
      await form.getByLabel('Name', { exact: true }).fill('pq-guide')
      // The guide's values, as it has them typed into PocketQuery's datasource form.
      await form.getByLabel('Base URL').fill(`${sim.url}/ex/jira/${cloudId}/rest/api/2`)
      await form.getByLabel('Test path').fill('/search')
      await form.getByLabel('Auth type').selectOption('oauth2-authorization-code')
      await form.getByLabel('Token URL').fill(`${sim.url}/oauth/token`)
      await form.getByLabel('Client ID').fill(TEST_CLIENT.clientId)
      await form.getByLabel('Client secret').fill(TEST_CLIENT.clientSecret)
      await form.getByLabel('Scopes').fill('read:jira-work read:jira-user offline_access')
      // Known from the guide's consent step; Connect needs them later.
      await form.getByLabel('Authorize URL').fill(`${sim.url}/authorize`)
      await form.getByLabel('Redirect URI').fill(REDIRECT_URI)
      // Authorize parameters (issue 14): prompt=consent unless changed, one name=value per line.
      const params = form.getByLabel('Authorize parameters')
      expect(await params.inputValue()).toBe('prompt=consent')
      await params.fill('prompt=consent\nui_locales=de')
      await form.getByRole('button', { name: 'Save', exact: true }).click()
      await seen(page.getByRole('heading', { name: 'Datasource pq-guide' }))
      const stored = await engine.store.datasources.get('pq-guide')
      expect((stored?.config as { auth: { authorizeParams?: unknown } }).auth.authorizeParams).toEqual({
        prompt: 'consent',
        ui_locales: 'de',
      })
      await page.getByText('Tokens obtained elsewhere', { exact: true }).click()
      const tokenForm = page.getByRole('form', { name: 'Tokens obtained elsewhere' })
      await tokenForm.getByLabel('Refresh token').fill(tokens.refresh_token as string)
      await tokenForm.getByLabel('Access token').fill(tokens.access_token)
      await tokenForm.getByRole('button', { name: 'Store tokens' }).click()
      await seen(tokenForm.getByRole('status').filter({ hasText: 'Tokens stored' }))
      const region = page.getByRole('region', { name: 'Connection' })
      await page.getByRole('button', { name: 'Test connection' }).click()
      await seen(region.getByRole('status').filter({ hasText: 'answered 410' }))
      expect(await region.getByRole('status').first().textContent()).toContain(
        'test the datasource with the path /myself',
      )
      await page.screenshot({ path: join(SHOTS, 'pqparams-guide-410.png') })
      await page.getByRole('form', { name: 'Datasource' }).getByLabel('Test path').fill('/myself')
      await page
        .getByRole('form', { name: 'Datasource' })
        .getByRole('button', { name: 'Save', exact: true })
        .click()
      await seen(page.getByRole('form', { name: 'Datasource' }).getByText('Saved.'))
      await page.getByRole('button', { name: 'Test connection' }).click()
      await seen(region.getByRole('status').filter({ hasText: 'pq-guide works' }))
      expect(dialogs).toEqual([])
    } catch (error) {
      await page
        ?.screenshot({ path: join(SHOTS, 'pqparams-guide-failed.png'), fullPage: true })
        .catch(() => undefined)
      throw error
    }
  }, 120_000)
})
