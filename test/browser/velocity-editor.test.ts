import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VELOCITY_EXAMPLE } from '../../src/domain/query-choices.js'
import { hashPassword } from '../../src/server/auth/password.js'
import { startServer, type RunningServer } from '../../src/server/start.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { launchChromium, requireBrowser, seen, SHOTS, text } from '../helpers/browser.js'
import { freePort } from '../helpers/quarry-process.mjs'
import { startTestSim } from '../helpers/sim.js'

/**
 * The admin UI's template editor for Velocity (issue 13), in Debian's Chromium: choosing Velocity
 * starts from PocketQuery's default template, says what a template has, and its preview shows the
 * sample's rows rendered in the sandbox — the same cells as the default table. Screenshot:
 * test-results/browser/velocity-editor.png.
 */

const ADMIN = { name: 'admin', password: 'admin password 1' }
let engine: TestEngine
let sim: RunningSimulator
let server: RunningServer
let browser: Browser
let page: Page

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  sim = await startTestSim({ issues: 30 })
  engine = await startTestEngine()
  await addSimJira(engine, sim)
  await engine.addQuery({
    name: 'issues',
    datasource: 'jira',
    path: '/search/jql?jql=:jql&fields=status&maxResults=5',
    params: [{ name: 'jql', type: 'string', default: 'project = DEMO ORDER BY key ASC' }],
    converter: `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Status: issue.fields.status.name }))
}`,
  })
  await engine.store.accounts.createUser({
    name: ADMIN.name,
    role: 'admin',
    groups: [],
    passwordHash: await hashPassword(ADMIN.password),
  })
  const port = await freePort()
  server = await startServer(engine.store, {
    host: '127.0.0.1',
    port,
    publicUrl: `http://127.0.0.1:${port}`,
    logger: false,
  })
  browser = await launchChromium()
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  context.setDefaultTimeout(30_000)
  page = await context.newPage()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await sim?.close()
  await engine?.close()
}, 60_000)

describe('the Velocity template editor', () => {
  it('starts from PocketQuery’s default template and previews it over a sample', async () => {
    await page.goto(`${server.url}/admin/`)
    await page.getByLabel('Name').fill(ADMIN.name)
    await page.getByLabel('Password').fill(ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await seen(page.getByRole('heading', { name: 'Datasources' }))
    await page.goto(`${server.url}/admin/queries/issues`)
    const form = await seen(page.getByRole('form', { name: 'Query' }))
    await form.getByLabel('Template', { exact: true }).selectOption('velocity')
    const editor = form.locator('fieldset', { hasText: 'Velocity template' })
    expect(await text(editor.locator('.cm-content'))).toContain('#set($tableRows = $PQ.toList($result))')
    expect(await text(form.getByLabel('Velocity hint'))).toContain('there is no raw output')
    await form.getByRole('button', { name: 'Fetch sample' }).click()
    const preview = page.frameLocator('iframe[title="Template preview"]')
    await seen(preview.locator('table.aui td').first())
    expect(await preview.locator('table.aui th').allTextContents()).toEqual(['Key', 'Status'])
    expect(await preview.locator('table.aui tbody tr').count()).toBe(5)
    expect(await preview.locator('table.aui tbody tr td').first().textContent()).toBe('DEMO-1')
    expect(VELOCITY_EXAMPLE).toContain('<table class="aui aui-table-sortable">')
    await page.locator('iframe[title="Template preview"]').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SHOTS, 'velocity-editor.png'), fullPage: true })
  }, 90_000)
})
