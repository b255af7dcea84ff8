import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../src/server/start.js'
import { openStore, type Store } from '../../src/store/index.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import {
  requireBrowser,
  launchChromium,
  seen,
  SHOTS,
  stepByStep,
  text,
  watchDialogs,
} from '../helpers/browser.js'

/**
 * An admin puts a PostgreSQL table behind a view, in Debian's Chromium against the real server and
 * the test PostgreSQL (a schema of its own, dropped afterwards): a PostgreSQL datasource made in the
 * UI, Test connection (the server's version), a SQL query with an integer parameter run in the Run
 * panel, and its view with the parameter changed. The admin UI is the built one (dist/web: `npm run
 * build`). Each step saves a screenshot to test-results/browser/sql-NN-….png.
 */

const STEP_MS = 60_000

const ADMIN = { name: 'admin', password: 'admin password 1' }
const DATASOURCE = 'warehouse'
const QUERY = 'items'
const SQL = 'SELECT id, name FROM items WHERE id <= :max ORDER BY id'
const NAMES = ['anvil', 'bolt', 'crate', 'drill', 'easel']

let dir: string
let store: Store
let target: TestSchema
let server: RunningServer
let browser: Browser
let context: BrowserContext
let page: Page
/** The view page the admin opened from the query editor. */
let view: Page
/** Every alert/confirm/prompt any page raised: none is expected. */
const dialogs: string[] = []

async function shot(on: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await on.screenshot({ path: join(SHOTS, `sql-${name}.png`), fullPage: options.fullPage ?? false })
}

/** The view table's rows as [id, name], top to bottom. */
async function viewRows(on: Page): Promise<string[][]> {
  await seen(on.locator('.quarry-table tbody tr').first())
  const rows = on.locator('.quarry-table tbody tr')
  const out: string[][] = []
  for (let i = 0; i < (await rows.count()); i++) out.push(await rows.nth(i).locator('td').allTextContents())
  return out
}

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  // This walk's screenshots only (the other walkthrough shares the folder).
  mkdirSync(SHOTS, { recursive: true })
  for (const file of readdirSync(SHOTS)) if (file.startsWith('sql-')) rmSync(join(SHOTS, file))

  target = await createTestSchema()
  await target.pool.query('CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL)')
  for (const [index, name] of NAMES.entries())
    await target.pool.query('INSERT INTO items (id, name) VALUES ($1, $2)', [index + 1, name])

  dir = mkdtempSync(join(tmpdir(), 'quarry-browser-sql-'))
  store = await openStore({ sqlitePath: join(dir, 'quarry.db'), secretKey: TEST_SECRET_KEY, dataDir: dir })
  server = await startServer(store, { host: '127.0.0.1', port: 0, logger: false })
  browser = await launchChromium()
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  context.setDefaultTimeout(30_000)
  page = await context.newPage()
  watchDialogs(page, dialogs)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await store?.close()
  await target?.drop()
  if (dir) rmSync(dir, { recursive: true, force: true })
}, 60_000)

describe('An admin puts a PostgreSQL table behind a view', () => {
  // The steps build on each other: after a failure (sql-failed.png), the rest fail fast.
  stepByStep(() => (view !== undefined && !view.isClosed() ? view : page), 'sql-failed.png')

  it(
    'signs in as the first admin from the setup link',
    async () => {
      expect(server.setupUrl).toBeDefined()
      await page.goto(server.setupUrl!)
      await page.getByLabel('Name').fill(ADMIN.name)
      await page.getByLabel('Password').fill(ADMIN.password)
      await page.getByLabel('Confirm').fill(ADMIN.password)
      await page.getByRole('button', { name: 'Create admin' }).click()
      expect(await text(page.getByRole('heading', { name: 'Datasources' }))).toBe('Datasources')
      await shot(page, '01-signed-in')
    },
    STEP_MS,
  )

  it(
    'adds a PostgreSQL datasource by its connection URL, read-only by default',
    async () => {
      await page.getByRole('button', { name: 'Add datasource' }).click()
      const form = await seen(page.getByRole('form', { name: 'Datasource' }))
      const type = form.getByLabel('Type', { exact: true })
      expect(await type.locator('option').allTextContents()).toEqual([
        'REST API',
        'PostgreSQL',
        'MySQL / MariaDB',
        'SQLite',
      ])
      await form.getByLabel('Name', { exact: true }).fill(DATASOURCE)
      await type.selectOption({ label: 'PostgreSQL' })
      // The REST fields are gone; the database's are there.
      expect(await form.getByLabel('Base URL').count()).toBe(0)
      await form.getByLabel('Connection URL').fill(target.url)
      expect(await form.getByLabel('Password').inputValue()).toBe('')
      expect(await form.getByLabel('TLS', { exact: true }).inputValue()).toBe('disable')
      expect(await form.getByLabel('Pool size').inputValue()).toBe('4')
      expect(await form.getByLabel('Statement timeout (ms)').inputValue()).toBe('30000')
      expect(await form.getByLabel('Row limit').inputValue()).toBe('1000000')
      const readOnly = form.getByLabel('Read-only')
      expect(await readOnly.isChecked()).toBe(true)
      expect(await text(form.getByText('Queries run in read-only transactions'))).toContain('fails')
      await shot(page, '02-postgres-form', { fullPage: true })
      await form.getByRole('button', { name: 'Save' }).click()

      expect(await text(page.getByRole('heading', { name: `Datasource ${DATASOURCE}` }))).toBe(
        `Datasource ${DATASOURCE}`,
      )
      expect(await page.getByLabel('Connection URL').inputValue()).toBe(target.url)
      expect(await page.getByLabel('Read-only').isChecked()).toBe(true)
    },
    STEP_MS,
  )

  it(
    'keeps a saved password masked, then tests the connection and sees the server’s version',
    async () => {
      // Trust auth ignores it; what matters is that it comes back masked and is kept when sent back so.
      await page.getByLabel('Password').fill('not needed with trust')
      await page.getByRole('button', { name: 'Save' }).click()
      expect(await text(page.getByRole('status').filter({ hasText: 'Saved.' }))).toBe('Saved.')
      expect(await page.getByLabel('Password').inputValue()).toBe('••••••')
      expect(await text(page.getByText('leave it as is to keep the saved password'))).toContain(
        'Stored encrypted',
      )
      await page.getByRole('button', { name: 'Test connection' }).click()
      const answer = await text(page.getByRole('status').filter({ hasText: DATASOURCE }))
      expect(answer).toMatch(
        new RegExp(`^✓ ${DATASOURCE} works \\(PostgreSQL \\d+[^,]*, connected in \\d+ ms\\)$`),
      )
      await shot(page, '03-test-connection')
    },
    STEP_MS,
  )

  it(
    'lists the datasource with its type and where it is',
    async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasources' }).click()
      const row = await seen(
        page.locator('table.list tbody tr', { has: page.getByRole('link', { name: DATASOURCE }) }),
      )
      const cells = await row.locator('td').allTextContents()
      expect(cells[1]).toBe('PostgreSQL')
      expect(cells[2]).toBe(new URL(target.url).toString())
      expect(cells[2]).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:5432\/test\?options=/)
      await shot(page, '04-datasource-list')
    },
    STEP_MS,
  )

  it(
    'writes a SQL query with an integer parameter, fetches its sample rows and runs it',
    async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queries' }).click()
      await page.getByRole('button', { name: 'Add query' }).click()
      const form = await seen(page.getByRole('form', { name: 'Query' }))
      await form.getByLabel('Name', { exact: true }).fill(QUERY)
      expect(await form.getByLabel('Path', { exact: true }).count()).toBe(1)
      await form.getByLabel('Datasource', { exact: true }).selectOption(DATASOURCE)

      // A database's query is SQL: no method, path, body or pagination.
      const editor = await seen(form.getByRole('textbox', { name: 'SQL', exact: true }))
      for (const gone of ['Method', 'Path', 'Pagination', 'Max pages']) {
        expect({ gone, count: await form.getByLabel(gone, { exact: true }).count() }).toEqual({
          gone,
          count: 0,
        })
      }
      expect(await text(form.getByText('bound by the database driver'))).toContain('quoted identifier')
      await editor.click()
      await page.keyboard.insertText(SQL)
      expect(await editor.innerText()).toBe(SQL)

      await form.getByRole('button', { name: 'Add parameter' }).click()
      await form.getByLabel('Parameter', { exact: true }).fill('max')
      await form.getByLabel('Type', { exact: true }).selectOption('integer')
      await form.getByLabel('Default', { exact: true }).fill('5')
      await shot(page, '05-query-form', { fullPage: true })
      await form.getByRole('button', { name: 'Save', exact: true }).click()
      expect(await text(page.getByRole('heading', { name: `Query ${QUERY}` }))).toBe(`Query ${QUERY}`)

      // The converter's sample is the rows as one JSON array text.
      await page.getByRole('button', { name: 'Fetch sample' }).click()
      const sample = await text(page.getByRole('heading', { name: 'Sample rows (JSON)' }))
      expect(sample).toBe('Sample rows (JSON)')
      const raw = await text(page.locator('pre.raw'))
      expect(JSON.parse(raw)).toEqual(NAMES.map((name, index) => ({ id: index + 1, name })))

      const run = page.getByRole('region', { name: 'Run' })
      expect(await run.getByLabel('max').inputValue()).toBe('5')
      await run.getByLabel('max').fill('3')
      await run.getByRole('button', { name: 'Run', exact: true }).click()
      const result = page.getByRole('status', { name: 'Run result' })
      expect(await text(result.locator('p').first())).toMatch(/^3 rows from 1 page/)
      expect(await result.locator('thead th').allTextContents()).toEqual(['id', 'name'])
      expect(await result.locator('tbody tr td:nth-child(2)').allTextContents()).toEqual(NAMES.slice(0, 3))
      await result.scrollIntoViewIfNeeded()
      await shot(page, '06-query-run')
    },
    STEP_MS,
  )

  it(
    'lists the query with its SQL',
    async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queries' }).click()
      const row = await seen(
        page.locator('table.list tbody tr', { has: page.getByRole('link', { name: QUERY }) }),
      )
      expect(await text(row.locator('td').nth(3))).toBe(SQL)
      await shot(page, '07-query-list')
      await page.getByRole('link', { name: QUERY, exact: true }).click()
      expect(await text(page.getByRole('heading', { name: `Query ${QUERY}` }))).toBe(`Query ${QUERY}`)
    },
    STEP_MS,
  )

  it(
    'opens the view: every row up to the default max',
    async () => {
      const link = page.getByRole('link', { name: 'Open view', exact: true })
      await link.scrollIntoViewIfNeeded()
      const opened = context.waitForEvent('page')
      await link.click()
      view = await opened
      watchDialogs(view, dialogs)
      await view.waitForLoadState()
      expect(new URL(view.url()).pathname).toBe(`/v/${QUERY}`)
      expect(await text(view.getByRole('heading', { level: 1 }))).toBe(QUERY)
      expect(await view.locator('.quarry-table thead th').allTextContents()).toEqual(['id', 'name'])
      expect(await viewRows(view)).toEqual(NAMES.map((name, index) => [String(index + 1), name]))
      await shot(view, '08-view')
    },
    STEP_MS,
  )

  it(
    'changes the parameter in the view and sees fewer rows',
    async () => {
      const max = view.getByLabel('max')
      expect(await max.inputValue()).toBe('5')
      await max.fill('2')
      await view.getByRole('button', { name: 'Run', exact: true }).click()
      await view.waitForURL((url) => url.searchParams.get('max') === '2')
      expect(await viewRows(view)).toEqual([
        ['1', 'anvil'],
        ['2', 'bolt'],
      ])
      await shot(view, '09-view-fewer-rows')
      await view.close()
    },
    STEP_MS,
  )

  it(
    'switches the datasource to host, port, database and user: the saved password is kept, the list shows where',
    async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasources' }).click()
      await page.getByRole('link', { name: DATASOURCE, exact: true }).click()
      const form = await seen(page.getByRole('form', { name: 'Datasource' }))
      expect(await form.getByLabel('Type', { exact: true }).locator('option').allTextContents()).toEqual([
        'PostgreSQL',
      ])
      await form.getByLabel('Connect with').selectOption('host')
      expect(await form.getByLabel('Connection URL').count()).toBe(0)
      const url = new URL(target.url)
      await form.getByLabel('Host', { exact: true }).fill(url.hostname)
      await form.getByLabel('Port', { exact: true }).fill(url.port)
      await form.getByLabel('Database', { exact: true }).fill(url.pathname.slice(1))
      await form.getByLabel('User', { exact: true }).fill(url.username)
      expect(await form.getByLabel('Password').inputValue()).toBe('••••••')
      await form.getByRole('button', { name: 'Save' }).click()
      expect(await text(page.getByRole('status').filter({ hasText: 'Saved.' }))).toBe('Saved.')
      await page.getByRole('button', { name: 'Test connection' }).click()
      expect(await text(page.getByRole('status').filter({ hasText: 'works' }))).toMatch(/PostgreSQL \d+/)
      await shot(page, '10-host-fields', { fullPage: true })

      const stored = await store.datasources.get(DATASOURCE)
      expect(stored?.secrets).toEqual({ password: 'not needed with trust' })

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasources' }).click()
      const row = await seen(
        page.locator('table.list tbody tr', { has: page.getByRole('link', { name: DATASOURCE }) }),
      )
      expect(await text(row.locator('td').nth(2))).toBe(`postgres://${url.username}@${url.host}/test`)
      await shot(page, '11-datasource-list-host')
      expect(dialogs).toEqual([])
    },
    STEP_MS,
  )
})
