import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/server/auth/password.js'
import { startServer, type RunningServer } from '../../src/server/start.js'
import { requireBrowser, launchChromium, seen, SHOTS } from '../helpers/browser.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'

/**
 * axe-core (Deque's accessibility engine, the rules behind Lighthouse's audit) on the pages people
 * read and edit, in Debian's Chromium against the real server: a table view, a chart view, the
 * query editor and the datasource editor have no violation of serious or critical impact.
 *
 * The pages' CSPs allow no injected script, so the browser context bypasses CSP to add axe (the
 * pages' own CSPs are tested elsewhere: views.test.ts, embed.test.ts).
 */

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const ADMIN = { name: 'admin', password: 'admin password 1' }
const STEP_MS = 60_000

interface Violation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly nodes: readonly { readonly target: readonly unknown[]; readonly failureSummary?: string }[]
}

let dir: string
let engine: TestEngine
let server: RunningServer
let browser: Browser
let context: BrowserContext
let page: Page

/** axe's serious and critical violations on the page as it is now, one readable line each. */
async function seriousViolations(on: Page): Promise<string[]> {
  await on.addScriptTag({ path: AXE })
  const violations = await on.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: Violation[] }> } }).axe
    return (await axe.run()).violations
  })
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.impact} ${violation.id}: ${violation.help} — ` +
        violation.nodes
          .slice(0, 5)
          .map(
            (node) => `${JSON.stringify(node.target)} (${node.failureSummary?.replace(/\s+/g, ' ') ?? ''})`,
          )
          .join('; '),
    )
}

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  dir = mkdtempSync(join(tmpdir(), 'quarry-browser-a11y-'))
  const data = new DatabaseSync(join(dir, 'sales.db'))
  data.exec('CREATE TABLE sales (region text NOT NULL, amount integer NOT NULL, link text NOT NULL)')
  const insert = data.prepare('INSERT INTO sales (region, amount, link) VALUES (?, ?, ?)')
  // 150 rows: the view's table shows its pager (100 rows a page).
  const regions = ['North', 'South', 'East', 'West']
  for (let i = 0; i < 150; i++) {
    const region = regions[i % regions.length] ?? 'North'
    insert.run(region, 100 + i, `https://example.com/regions/${region.toLowerCase()}/${i}`)
  }
  data.close()

  engine = await startTestEngine()
  await engine.addDatasource({ name: 'local', type: 'sqlite', path: join(dir, 'sales.db') })
  // A REST datasource: the editor's other half (auth, headers, pagination). Never called here.
  await engine.addDatasource({
    name: 'api',
    type: 'rest',
    baseUrl: 'https://api.example.com',
    auth: { type: 'bearer', token: 'tok-a11y-0123456789' },
    headers: [{ name: 'x-team', value: 'data' }],
  })
  const query = {
    datasource: 'local',
    sql: 'SELECT region, amount, link FROM sales',
    visibility: { public: true },
  }
  await engine.addQuery({
    ...query,
    name: 'sales',
    params: [{ name: 'region', type: 'string', default: '' }],
  })
  await engine.addQuery({
    ...query,
    name: 'sales-chart',
    title: 'Sales by region',
    template: { type: 'chart', mark: 'bar', x: 'region', y: 'amount', aggregate: 'sum' },
  })
  await engine.store.accounts.createUser({
    name: ADMIN.name,
    passwordHash: await hashPassword(ADMIN.password),
    role: 'admin',
    groups: [],
  })
  server = await startServer(engine.store, { host: '127.0.0.1', port: 0, logger: false })
  browser = await launchChromium()
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true })
  context.setDefaultTimeout(30_000)
  page = await context.newPage()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await engine?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
}, 60_000)

describe('axe finds no serious or critical violation', () => {
  it(
    'on a table view',
    async () => {
      await page.goto(`${server.url}/v/sales`)
      await seen(page.locator('.quarry-filter input'))
      await seen(page.getByRole('button', { name: 'Next page' }))
      await page.getByRole('button', { name: 'amount', exact: true }).click()
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: join(SHOTS, 'views-a11y-table.png'), fullPage: true })
    },
    STEP_MS,
  )

  it(
    'on an embedded table view',
    async () => {
      await page.goto(`${server.url}/v/sales?embed=1`)
      await seen(page.locator('.quarry-filter input'))
      expect(await seriousViolations(page)).toEqual([])
    },
    STEP_MS,
  )

  it(
    'on a chart view, its data table open',
    async () => {
      await page.goto(`${server.url}/v/sales-chart`)
      await seen(page.getByRole('img', { name: 'Sales by region. Bar chart of sum of amount by region.' }))
      await page.getByText('Data table of this chart').click()
      await seen(page.locator('.quarry-chart-data table'))
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: join(SHOTS, 'views-a11y-chart.png'), fullPage: true })
    },
    STEP_MS,
  )

  it(
    'on the query editor, with a run’s rows shown',
    async () => {
      await page.goto(`${server.url}/admin/`)
      await page.getByLabel('Name').fill(ADMIN.name)
      await page.getByLabel('Password').fill(ADMIN.password)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await seen(page.getByRole('link', { name: 'Queries' }))
      await page.goto(`${server.url}/admin/queries/sales`)
      await seen(page.locator('#embed-snippet'))
      const run = page.getByRole('region', { name: 'Run' })
      await run.getByRole('button', { name: 'Run', exact: true }).click()
      await seen(run.getByRole('status', { name: 'Run result' }).locator('table'))
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: join(SHOTS, 'views-a11y-query-editor.png'), fullPage: true })
    },
    STEP_MS,
  )

  for (const datasource of ['local', 'api']) {
    it(
      `on the datasource editor (${datasource === 'local' ? 'SQLite' : 'REST'})`,
      async () => {
        await page.goto(`${server.url}/admin/datasources/${datasource}`)
        await seen(page.getByRole('heading', { level: 1 }))
        await seen(page.getByRole('button', { name: /Save/ }))
        expect(await seriousViolations(page)).toEqual([])
        await page.screenshot({
          path: join(SHOTS, `views-a11y-datasource-editor-${datasource}.png`),
          fullPage: true,
        })
      },
      STEP_MS,
    )
  }

  it(
    'on the Embedding page',
    async () => {
      await page.goto(`${server.url}/admin/embedding`)
      await seen(page.getByLabel('Site origin'))
      expect(await seriousViolations(page)).toEqual([])
    },
    STEP_MS,
  )

  it(
    'on the Import page',
    async () => {
      await page.goto(`${server.url}/admin/import`)
      await seen(page.getByLabel('PocketQuery export file'))
      expect(await seriousViolations(page)).toEqual([])
    },
    STEP_MS,
  )

  for (const kind of ['converter', 'template']) {
    it(
      `on the new ${kind} page (issue 13)`,
      async () => {
        await page.goto(`${server.url}/admin/${kind}s/new`)
        await seen(page.getByRole('heading', { name: `Add ${kind}` }))
        expect(await seriousViolations(page)).toEqual([])
      },
      STEP_MS,
    )
  }

  it(
    'on the Alerts page and the new alert page (issue 16)',
    async () => {
      await page.goto(`${server.url}/admin/alerts`)
      await seen(page.getByRole('heading', { name: 'Alerts' }))
      expect(await seriousViolations(page)).toEqual([])
      await page.goto(`${server.url}/admin/alerts/new`)
      await seen(page.getByRole('heading', { name: 'Add alert' }))
      expect(await seriousViolations(page)).toEqual([])
    },
    STEP_MS,
  )
})
