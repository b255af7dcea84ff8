import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/server/auth/password.js'
import { startServer, type RunningServer } from '../../src/server/start.js'
import {
  launchChromium,
  requireBrowser,
  seen,
  SHOTS,
  signInThroughForm,
  watchDialogs,
} from '../helpers/browser.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'

/**
 * Issue 16 in the admin UI, in Chromium against the real server: an editor takes two snapshots of a
 * query from its page while the source changes, sets its retention rule, and opens a snapshot and the
 * changes between two in the view. Screenshots: test-results/browser/snapshots-*.png.
 */

const EDITOR = { name: 'edna', password: 'editor password 1' }

let dir: string
let data: string
let engine: TestEngine
let server: RunningServer
let browser: Browser
let page: Page
const dialogs: string[] = []

function setRows(sql: string): void {
  const db = new DatabaseSync(data)
  db.exec(`delete from issues; ${sql}`)
  db.close()
}

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  for (const file of readdirSync(SHOTS)) if (file.startsWith('snapshots-')) rmSync(join(SHOTS, file))
  dir = mkdtempSync(join(tmpdir(), 'quarry-snapshots-ui-'))
  data = join(dir, 'data.db')
  const db = new DatabaseSync(data)
  db.exec('create table issues (key text, status text)')
  db.close()
  engine = await startTestEngine()
  await engine.addDatasource({ name: 'lite', type: 'sqlite', path: data })
  await engine.addQuery({
    name: 'issues',
    datasource: 'lite',
    sql: 'select key, status from issues order by key',
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
  rmSync(dir, { recursive: true, force: true })
}, 60_000)

describe('Snapshots in the admin UI (issue 16)', () => {
  it('an editor takes snapshots, keeps the newest by a rule, and opens one and its changes in the view', async () => {
    try {
      await signInThroughForm(page, server.url, EDITOR)

      setRows("insert into issues values ('QA-1', 'Open'), ('QA-2', 'Open')")
      await page.goto(`${server.url}/admin/queries/issues`)
      const panel = page.getByRole('region', { name: 'Snapshots' })
      await seen(panel.getByText('No snapshots yet.'))
      await panel.getByRole('button', { name: 'Take snapshot' }).click()
      await seen(panel.getByText(/^Snapshot [0-9a-f]{12} taken: 2 rows\.$/))

      setRows("insert into issues values ('QA-1', 'Done'), ('QA-3', 'Open')")
      await panel.getByRole('button', { name: 'Take snapshot' }).click()
      await expect.poll(async () => panel.getByRole('row').count()).toBe(3)
      await page.screenshot({ path: join(SHOTS, 'snapshots-panel.png'), fullPage: true })

      // The newer snapshot's "Changes" opens the comparison in the view.
      const changes = await panel.getByRole('link', { name: 'Changes' }).getAttribute('href')
      await page.goto(`${server.url}${changes}`)
      await seen(page.getByText(/1 added, 1 removed, 1 changed, 0 unchanged/))
      await seen(page.getByRole('cell', { name: 'status: "Open" → "Done"' }))
      await page.screenshot({ path: join(SHOTS, 'snapshots-changes.png'), fullPage: true })

      await page.goto(`${server.url}/admin/queries/issues`)
      await panel.getByLabel('Keep the newest').fill('1')
      await panel.getByRole('button', { name: 'Save retention' }).click()
      await seen(panel.getByText('Keeps the newest 1. 1 removed.'))
      await expect.poll(async () => (await engine.store.snapshots.list('issues')).length).toBe(1)

      await page.goto(`${server.url}/v/issues?snapshot=latest`)
      await seen(page.getByRole('cell', { name: 'QA-3' }))
      expect(await page.getByRole('cell', { name: 'QA-2' }).count()).toBe(0)
      expect(dialogs).toEqual([])
    } catch (error) {
      await page
        ?.screenshot({ path: join(SHOTS, 'snapshots-failed.png'), fullPage: true })
        .catch(() => undefined)
      throw error
    }
  }, 180_000)
})
