import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/server/auth/password.js'
import { startServer, type RunningServer } from '../../src/server/start.js'
import { verifyWebhook } from '../../src/notify/webhook-signature.js'
import {
  launchChromium,
  requireBrowser,
  seen,
  SHOTS,
  signInThroughForm,
  watchDialogs,
} from '../helpers/browser.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { startHttpReceiver, type HttpReceiver } from '../notify/receivers.js'

/**
 * Issue 16 in the admin UI, in Chromium against the real server: an admin adds an alert on a SQLite
 * query with a signed webhook, checks it as the rows change (the receiver started here verifies the
 * notice), and sees the state and the delivery in its history. Screenshots: test-results/browser/alerts-*.png.
 */

const ADMIN = { name: 'ada', password: 'admin password 1' }
const SECRET = 'whsec-browser-0123456789ab'

let engine: TestEngine
let server: RunningServer
let browser: Browser
let page: Page
let hook: HttpReceiver
let data: string
const dialogs: string[] = []

function setPriorities(priorities: string[]): void {
  const sqlite = new DatabaseSync(data)
  sqlite.exec('delete from issues')
  const insert = sqlite.prepare('insert into issues values (?, ?)')
  priorities.forEach((priority, index) => insert.run(`DEMO-${index + 1}`, priority))
  sqlite.close()
}

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  for (const file of readdirSync(SHOTS)) if (file.startsWith('alerts-')) rmSync(join(SHOTS, file))
  engine = await startTestEngine()
  data = join(engine.dir, 'data.db')
  const sqlite = new DatabaseSync(data)
  sqlite.exec('create table issues ("Key" text, "Priority" text)')
  sqlite.close()
  setPriorities(['Minor'])
  await engine.addDatasource({ name: 'lite', type: 'sqlite', path: data })
  await engine.addQuery({ name: 'open-issues', datasource: 'lite', sql: 'select * from issues' })
  await engine.store.accounts.createUser({
    name: ADMIN.name,
    passwordHash: await hashPassword(ADMIN.password),
    role: 'admin',
    groups: [],
  })
  hook = await startHttpReceiver()
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
  await hook?.close()
  await engine?.close()
}, 60_000)

describe('Alerts in the admin UI (issue 16)', () => {
  it('an admin adds an alert, checks it as a blocker appears, and sees it firing with its delivery', async () => {
    try {
      await signInThroughForm(page, server.url, ADMIN)

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click()
      await seen(page.getByRole('heading', { name: 'Alerts' }))
      await page.getByRole('button', { name: 'Add alert' }).click()
      await page.getByLabel('Name', { exact: true }).fill('blockers')
      await page.getByLabel('Query', { exact: true }).selectOption('open-issues')
      await page.getByLabel('Condition', { exact: true }).fill('Priority = Blocker exists')
      await page
        .getByLabel('Channels', { exact: true })
        .fill(JSON.stringify([{ type: 'webhook', url: `${hook.url}/hook`, secret: SECRET }]))
      await page.getByRole('button', { name: 'Save', exact: true }).click()
      await seen(page.getByRole('heading', { name: 'Alert blockers' }))
      // The secret comes back masked, never in the page.
      expect(await page.getByLabel('Channels', { exact: true }).inputValue()).not.toContain(SECRET)

      await page.getByRole('button', { name: 'Check now' }).click()
      await seen(page.getByRole('status').getByText(/^ok: 0 of 1 row have/))
      setPriorities(['Minor', 'Blocker'])
      await page.getByRole('button', { name: 'Check now' }).click()
      await seen(page.getByRole('status').getByText(/^firing \(was ok; the channels are being told\)/))
      await expect.poll(() => hook.received.length).toBe(1)
      const { headers, body } = hook.received[0]!
      expect(
        verifyWebhook(
          SECRET,
          headers['x-quarry-timestamp'] as string,
          body,
          headers['x-quarry-signature'] as string,
          Date.now() / 1000,
        ),
      ).toBe(true)

      await page.reload()
      await seen(page.getByRole('cell', { name: 'ok → firing' }))
      await seen(page.getByRole('cell', { name: /delivered \(1 attempt\)/ }))
      await page.screenshot({ path: join(SHOTS, 'alerts-edit.png'), fullPage: true })

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click()
      const row = page.getByRole('row').filter({ hasText: 'blockers' })
      await seen(row.getByText('firing'))
      await page.screenshot({ path: join(SHOTS, 'alerts-list.png') })
      expect(dialogs).toEqual([])
    } catch (error) {
      await page
        ?.screenshot({ path: join(SHOTS, 'alerts-failed.png'), fullPage: true })
        .catch(() => undefined)
      throw error
    }
  }, 180_000)
})
