import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { splitSubscriptionSecrets, SubscriptionSchema } from '../../src/domain/subscription.js'
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
 * Issue 16 in the admin UI, in Chromium against the real server: an editor adds a schedule on the
 * Schedules page, sees its next run, runs it now and sees its last run; a bad pattern is refused with
 * the field named. Screenshots: test-results/browser/schedules-*.png.
 */

const EDITOR = { name: 'edna', password: 'editor password 1' }

let engine: TestEngine
let sim: RunningSimulator
let server: RunningServer
let browser: Browser
let page: Page
const dialogs: string[] = []

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  for (const file of readdirSync(SHOTS)) if (file.startsWith('schedules-')) rmSync(join(SHOTS, file))
  sim = await startTestSim({ issues: 5 })
  engine = await startTestEngine()
  await addSimJira(engine, sim)
  await engine.addQuery({
    name: 'issues',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key%20ASC&fields=summary',
    pagination: { type: 'next-page-token' },
    converter: 'function convert(json) { return JSON.parse(json).issues.map(issue => ({ Key: issue.key })) }',
  })
  await engine.store.accounts.createUser({
    name: EDITOR.name,
    passwordHash: await hashPassword(EDITOR.password),
    role: 'editor',
    groups: [],
  })
  server = await startServer(engine.store, { host: '127.0.0.1', port: 0, logger: false })
  browser = await launchChromium()
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
    timezoneId: 'Europe/Berlin',
  })
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

describe('Schedules in the admin UI (issue 16)', () => {
  it('an editor adds a schedule, sees its next run, runs it now and sees its last run', async () => {
    try {
      await signInThroughForm(page, server.url, EDITOR)

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click()
      await seen(page.getByRole('heading', { name: 'Schedules' }))
      const form = page.getByRole('form', { name: 'Add schedule' })
      // The browser's own zone is offered.
      expect(await form.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin')
      await form.getByLabel('Name', { exact: true }).fill('issues-mornings')
      await form.getByLabel('Query', { exact: true }).selectOption('issues')
      await form.getByLabel('Cron', { exact: true }).fill('0 7 * *')
      await form.getByRole('button', { name: 'Add schedule' }).click()
      await seen(page.getByText(/Cron: not a cron pattern/))

      await form.getByLabel('Cron', { exact: true }).fill('0 7 * * 1-5')
      await form.getByRole('button', { name: 'Add schedule' }).click()
      await seen(page.getByText(/Added issues-mornings; next run/))
      const row = page.getByRole('row').filter({ hasText: 'issues-mornings' })
      await seen(row.getByText('0 7 * * 1-5'))
      expect(await row.getByRole('cell').nth(4).textContent()).toBe('never')
      const saved = await engine.store.schedules.get('issues-mornings')
      expect(saved?.timeZone).toBe('Europe/Berlin')

      await row.getByRole('button', { name: 'Run now' }).click()
      await seen(page.getByText(/^Ran issues-mornings: \d+ rows?\.$/))
      const ran = await engine.store.schedules.get('issues-mornings')
      expect(ran?.lastStatus).toBe('ok')
      const rows = ran?.lastRowCount === 1 ? '1 row' : `${ran?.lastRowCount} rows`
      await seen(page.getByText(`Ran issues-mornings: ${rows}.`))
      await seen(row.getByText(`ok, ${rows}`))
      await page.screenshot({ path: join(SHOTS, 'schedules-list.png'), fullPage: true })

      await row.getByRole('button', { name: 'Switch off' }).click()
      await seen(row.getByRole('cell', { name: 'off', exact: true }))
      expect((await engine.store.schedules.get('issues-mornings'))?.enabled).toBe(false)
      expect(dialogs).toEqual([])
    } catch (error) {
      await page
        ?.screenshot({ path: join(SHOTS, 'schedules-failed.png'), fullPage: true })
        .catch(() => undefined)
      throw error
    }
  }, 180_000)

  it("lists the schedules' subscriptions: who is mailed, the attachment, the last mailing and its error", async () => {
    try {
      const subscription = SubscriptionSchema.parse({
        name: 'mornings-mail',
        schedule: 'issues-mornings',
        to: ['ann@example.com', 'bob@example.com'],
        server: {
          host: 'smtp.example.com',
          port: 587,
          from: 'quarry@example.com',
          password: 'UI-SMTP-SECRET',
        },
        format: 'xlsx',
      })
      await engine.store.subscriptions.create({
        name: subscription.name,
        schedule: subscription.schedule,
        ...splitSubscriptionSecrets(subscription),
      })
      await engine.store.subscriptions.recordSending(
        'mornings-mail',
        new Date('2026-12-03T06:00:02Z'),
        'bob@example.com: SMTP smtp.example.com:587 failed (ESOCKET)',
      )
      await page.reload()
      const table = page.getByRole('table', { name: 'Subscriptions' })
      const row = table.getByRole('row').filter({ hasText: 'mornings-mail' })
      await seen(row.getByRole('cell', { name: 'ann@example.com, bob@example.com' }))
      await seen(row.getByRole('cell', { name: 'XLSX', exact: true }))
      await seen(row.getByText('bob@example.com: SMTP smtp.example.com:587 failed (ESOCKET)'))
      expect(await row.getByRole('cell').nth(4).textContent()).not.toBe('never')
      expect(await page.content()).not.toContain('UI-SMTP-SECRET')
      await page.screenshot({ path: join(SHOTS, 'schedules-subscriptions.png'), fullPage: true })
    } catch (error) {
      await page
        ?.screenshot({ path: join(SHOTS, 'schedules-failed.png'), fullPage: true })
        .catch(() => undefined)
      throw error
    }
  }, 120_000)
})
