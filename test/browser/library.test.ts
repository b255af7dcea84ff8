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
import { startTestSim } from '../helpers/sim.js'

/**
 * Issue 13 in the admin UI, in Chromium against the real server: an editor creates a named converter
 * on the Converters page, picks it in a query's editor, and the query's view shows its rows; the list
 * says how many queries use it. Screenshots: test-results/browser/library-*.png.
 */

const EDITOR = { name: 'edna', password: 'editor password 1' }
const OWN = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key }))
}`
const NAMED = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Ticket: 'T-' + issue.key }))
}`

let engine: TestEngine
let sim: RunningSimulator
let server: RunningServer
let browser: Browser
let page: Page
const dialogs: string[] = []

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  for (const file of readdirSync(SHOTS)) if (file.startsWith('library-')) rmSync(join(SHOTS, file))
  sim = await startTestSim({ issues: 5 })
  engine = await startTestEngine()
  await addSimJira(engine, sim)
  await engine.addQuery({
    name: 'issues',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key%20ASC&fields=summary',
    pagination: { type: 'next-page-token' },
    converter: OWN,
  })
  await engine.store.accounts.createUser({
    name: EDITOR.name,
    passwordHash: await hashPassword(EDITOR.password),
    role: 'editor',
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

describe('Named converters in the admin UI (issue 13)', () => {
  it('an editor creates a converter, a query uses it, and its view shows the converter’s rows', async () => {
    try {
      await signInThroughForm(page, server.url, EDITOR)

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Converters' }).click()
      await seen(page.getByRole('heading', { name: 'Converters' }))
      await page.getByRole('button', { name: 'Add converter' }).click()
      await page.getByLabel('Name', { exact: true }).fill('ticket-rows')
      await page.getByLabel('Description', { exact: true }).fill('One row per issue, as a ticket')
      await page.getByLabel('Source', { exact: true }).fill(NAMED)
      await page.getByRole('button', { name: 'Save', exact: true }).click()
      await seen(page.getByRole('heading', { name: 'Converter ticket-rows' }))
      await seen(page.getByText('No query uses it yet.'))
      expect((await engine.store.converters.get('ticket-rows'))?.content).toBe(NAMED)

      await page.goto(`${server.url}/admin/queries/issues`)
      await seen(page.getByRole('heading', { name: 'Query issues' }))
      await page.getByLabel('Named converter', { exact: true }).selectOption('ticket-rows')
      // The query's own converter gives way to the named one.
      expect(await page.getByText('Edit it on').count()).toBe(1)
      await page.getByRole('button', { name: 'Save', exact: true }).click()
      await expect
        .poll(async () => (await engine.store.queries.get('issues'))?.converterName)
        .toBe('ticket-rows')
      await page.screenshot({ path: join(SHOTS, 'library-query.png'), fullPage: true })

      await page.goto(`${server.url}/admin/converters`)
      const row = page.getByRole('row').filter({ hasText: 'ticket-rows' })
      await seen(row.getByText('used by 1 query'))
      await page.screenshot({ path: join(SHOTS, 'library-converters.png') })

      await page.goto(`${server.url}/v/issues`)
      await seen(page.getByRole('cell', { name: 'T-DEMO-1' }))
      expect(await page.getByRole('columnheader', { name: /Ticket/ }).count()).toBeGreaterThan(0)
      await page.screenshot({ path: join(SHOTS, 'library-view.png') })
      expect(dialogs).toEqual([])
    } catch (error) {
      await page
        ?.screenshot({ path: join(SHOTS, 'library-failed.png'), fullPage: true })
        .catch(() => undefined)
      throw error
    }
  }, 180_000)
})
