import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/server/auth/password.js'
import { startServer, type RunningServer } from '../../src/server/start.js'
import { launchChromium, requireBrowser, seen, signInThroughForm, SHOTS } from '../helpers/browser.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { writePanelData } from '../helpers/panel-data.js'

/**
 * The admin UI's settings forms for issue 17's panels, in Debian's Chromium: a stat and a formatted
 * table are built in the query editor without writing JSON, previewed over the query's rows, and
 * saved as the template TemplateSchema reads. Screenshots: panel-editor-*.png.
 */

const ADMIN = { name: 'admin', password: 'admin password 1' }
let dir: string
let engine: TestEngine
let server: RunningServer
let browser: Browser
let page: Page

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  dir = mkdtempSync(join(tmpdir(), 'quarry-browser-panel-editor-'))
  engine = await startTestEngine()
  await engine.addDatasource({ name: 'panels', type: 'sqlite', path: writePanelData(dir) })
  await engine.addQuery({
    name: 'issues',
    datasource: 'panels',
    sql: 'SELECT key, points, status FROM issues ORDER BY rowid',
  })
  await engine.store.accounts.createUser({
    name: ADMIN.name,
    role: 'admin',
    groups: [],
    passwordHash: await hashPassword(ADMIN.password),
  })
  server = await startServer(engine.store, { host: '127.0.0.1', port: 0, logger: false })
  browser = await launchChromium()
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } })
  context.setDefaultTimeout(30_000)
  page = await context.newPage()
  await signInThroughForm(page, server.url, ADMIN)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await engine?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
}, 60_000)

const stored = async () => (await engine.store.queries.get('issues'))?.definition as { template?: unknown }

describe('the template editor for the new panels', () => {
  it('builds a stat with a unit and a threshold, previews it and saves it', async () => {
    await page.goto(`${server.url}/admin/queries/issues`)
    const form = await seen(page.getByRole('form', { name: 'Query' }))
    await form.getByLabel('Template', { exact: true }).selectOption('stat')
    await form.getByLabel('Stat column').fill('points')
    await form.getByLabel('Value').selectOption('sum')
    await form.getByLabel('Stat label').fill('Story points')
    await form.getByRole('button', { name: 'Add threshold' }).click()
    await form.getByLabel('Threshold 1 from').fill('100')
    await form.getByLabel('Threshold 1 colour').selectOption('amber')
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    const preview = page.frameLocator('iframe[title="Template preview"]')
    expect(await (await seen(preview.locator('.quarry-stat-value'))).textContent()).toBe('174')
    expect(await preview.locator('figure.quarry-stat--amber figcaption').textContent()).toBe('Story points')
    await form.getByRole('button', { name: 'Save', exact: true }).click()
    await seen(page.getByRole('status').filter({ hasText: /saved/i }))
    expect((await stored()).template).toEqual({
      type: 'stat',
      column: 'points',
      aggregate: 'sum',
      label: 'Story points',
      thresholds: [{ from: 100, color: 'amber' }],
    })
    await page.locator('iframe[title="Template preview"]').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SHOTS, 'panel-editor-stat.png'), fullPage: true })
  }, 90_000)

  it('builds a table with ordered, formatted columns and a page size', async () => {
    await page.goto(`${server.url}/admin/queries/issues`)
    const form = await seen(page.getByRole('form', { name: 'Query' }))
    await form.getByLabel('Template', { exact: true }).selectOption('table')
    await form.getByLabel('Rows per page').fill('5')
    await form.getByRole('button', { name: 'Add column setting' }).click()
    await form.getByLabel('Column 1', { exact: true }).fill('status')
    await form.getByLabel('Column 1 format').selectOption('status')
    await form.getByRole('button', { name: 'Add column setting' }).click()
    await form.getByLabel('Column 2', { exact: true }).fill('key')
    await form.getByLabel('Column 2 label').fill('Issue')
    await form.getByLabel('Column 2 format').selectOption('jira-key')
    await form.getByLabel('Column 2 Jira site').fill('https://acme.atlassian.net')
    await form.getByRole('button', { name: 'Move column 2 up' }).click()
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    const preview = page.frameLocator('iframe[title="Template preview"]')
    await seen(preview.locator('.quarry-lozenge').first())
    expect(await preview.locator('th').allTextContents()).toEqual(['Issue', 'status', 'points'])
    expect(await preview.locator('tbody tr td a').first().getAttribute('href')).toBe(
      'https://acme.atlassian.net/browse/QA-1',
    )
    expect(await preview.locator('.quarry-table').getAttribute('data-page-size')).toBe('5')
    await form.getByRole('button', { name: 'Save', exact: true }).click()
    await seen(page.getByRole('status').filter({ hasText: /saved/i }))
    expect((await stored()).template).toEqual({
      type: 'table',
      pageSize: 5,
      columns: [
        { column: 'key', label: 'Issue', format: { type: 'jira-key', site: 'https://acme.atlassian.net' } },
        { column: 'status', format: { type: 'status' } },
      ],
    })
    await page.locator('iframe[title="Template preview"]').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SHOTS, 'panel-editor-table.png'), fullPage: true })
  }, 90_000)
})
