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
 * Issue 15, done-when 5, in the admin UI (Chromium against the real server): an admin gives a user
 * an email address; a query whose path uses :@user.email lists it under "Filled by Quarry" — never
 * as a parameter to fill in — with the query's time zone, and its view shows the signed-in user's
 * own issues. Screenshots: test-results/browser/context-*.png.
 */

const ADMIN = { name: 'admin', password: 'admin password 1' }
const CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Assignee: issue.fields.assignee.displayName }))
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
  for (const file of readdirSync(SHOTS)) if (file.startsWith('context-')) rmSync(join(SHOTS, file))
  sim = await startTestSim({ issues: 60 })
  engine = await startTestEngine()
  await addSimJira(engine, sim)
  await engine.addQuery({
    name: 'mine',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20DEMO&fields=assignee',
    pagination: { type: 'next-page-token' },
    converter: CONVERTER,
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

describe('context parameters in the admin UI (issue 15)', () => {
  it('sets a user’s email, shows :@user.email as filled by Quarry, and the view is the user’s own', async () => {
    try {
      await signInThroughForm(page, server.url, ADMIN)
      await page.goto(`${server.url}/admin/users`)
      await page.getByRole('button', { name: 'Edit admin' }).click()
      const form = page.getByRole('form', { name: 'Edit admin' })
      await form.getByLabel('Email').fill('alice@example.com')
      await form.getByRole('button', { name: 'Save' }).click()
      await seen(page.getByRole('cell', { name: 'alice@example.com' }))
      expect((await engine.store.accounts.getUser('admin'))?.email).toBe('alice@example.com')

      await page.goto(`${server.url}/admin/queries/mine`)
      await seen(page.getByRole('heading', { name: 'Query mine' }))
      await page
        .getByLabel('Path', { exact: true })
        .fill('/search/jql?jql=assignee%20%3D%20":@user.email"%20ORDER%20BY%20key&fields=assignee')
      const filled = page.getByRole('group', { name: 'Filled by Quarry' })
      await seen(filled.getByRole('cell', { name: ':@user.email' }))
      await filled.getByLabel('Time zone').fill('Europe/Berlin')
      await page.getByRole('button', { name: 'Save', exact: true }).click()
      await seen(
        page
          .getByRole('form', { name: 'Query' })
          .getByRole('status')
          .filter({ hasText: /^Saved/ }),
      )
      await page.reload()
      await seen(filled.getByRole('cell', { name: ':@user.email' }))
      expect(await page.getByLabel('Parameter', { exact: true }).count()).toBe(0)
      expect(await filled.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin')
      await page.screenshot({ path: join(SHOTS, 'context-editor.png'), fullPage: true })

      await page.goto(`${server.url}/v/mine`)
      const assignees = await page.locator('td').allTextContents()
      expect(assignees).toContain('Alice Andersen')
      expect(assignees.filter((cell) => / [A-Z][a-z]+$/.test(cell) && cell !== 'Alice Andersen')).toEqual([])
      expect(dialogs).toEqual([])
    } catch (error) {
      await page
        ?.screenshot({ path: join(SHOTS, 'context-failed.png'), fullPage: true })
        .catch(() => undefined)
      throw error
    }
  }, 120_000)
})
