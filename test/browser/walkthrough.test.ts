import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../src/server/start.js'
import { DEFAULT_SIM_OPTIONS, startSimulator, type RunningSimulator } from '../../src/sim/server.js'
import { openStore, type Store } from '../../src/store/index.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import {
  requireBrowser,
  launchChromium,
  seen,
  SHOTS,
  stepByStep,
  text,
  watchDialogs,
} from '../helpers/browser.js'
import { freePort } from '../helpers/quarry-process.mjs'

/**
 * Quarry as a new user meets it, in Debian's Chromium against the real server and the Atlassian
 * simulator: first-run admin, a Jira Cloud datasource, Connect through the simulator's consent
 * pages, a query with the guide's converter (docs/architecture.md), its view (table, sort, another
 * parameter, CSV), and a viewer who cannot open admin pages. The admin UI is the built one
 * (dist/web: `npm run build`). Each step saves a screenshot to test-results/browser/.
 */

const STEP_MS = 60_000

const CLIENT_ID = 'quarry-browser-test'
const CLIENT_SECRET = 'browser-test-secret'
const ADMIN = { name: 'admin', password: 'admin password 1' }
const VIEWER = { name: 'vera', password: 'viewer password 1' }
const QUERY = 'issues'
const PATH = '/search/jql?jql=:jql&fields=description&maxResults=50'
const DEFAULT_JQL = 'project = DEMO ORDER BY key ASC'

/** The guide's converter, verbatim (docs/architecture.md, "The guide Quarry replaces"). */
const CONVERTER = `function convert(json) {
  const parsed = JSON.parse(json);
  return parsed['issues'].map(issue => ({
    'Issue Key': issue.key,
    'Description': issue.fields.description,
  }));
}`

let dir: string
let store: Store
let sim: RunningSimulator
let server: RunningServer
let browser: Browser
let context: BrowserContext
let page: Page
/** The view page the admin opened from the query editor. */
let view: Page
/** The issue keys of the view with the default parameters, in the order the query returned them. */
let defaultKeys: string[] = []
/** Every alert/confirm/prompt any page raised: none is expected (and none may come from API text). */
const dialogs: string[] = []

/** What the user sees (the viewport), or with `fullPage` the whole page. */
async function shot(target: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await target.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: options.fullPage ?? false })
}

function navLinks(target: Page): Promise<string[]> {
  return target.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()
}

/** The first column of the view's table, top to bottom. */
async function viewKeys(target: Page): Promise<string[]> {
  await seen(target.locator('.quarry-table tbody tr').first())
  return target.locator('.quarry-table tbody tr td:first-child').allTextContents()
}

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  // This run's screenshots only (no failed.png left from an earlier run). Only its own (NN-*.png):
  // the other browser tests' prefixed ones (sql-*, session-*) may be written at the same time.
  mkdirSync(SHOTS, { recursive: true })
  for (const file of readdirSync(SHOTS)) if (/^(\d\d-.+|failed)\.png$/.test(file)) rmSync(join(SHOTS, file))

  dir = mkdtempSync(join(tmpdir(), 'quarry-browser-'))
  store = await openStore({ sqlitePath: join(dir, 'quarry.db'), secretKey: TEST_SECRET_KEY, dataDir: dir })
  const port = await freePort()
  const publicUrl = `http://127.0.0.1:${port}`
  sim = await startSimulator({
    ...DEFAULT_SIM_OPTIONS,
    issues: 300,
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUris: [`${publicUrl}/api/oauth/callback`],
        name: 'Quarry',
      },
    ],
  })
  server = await startServer(store, {
    host: '127.0.0.1',
    port,
    publicUrl,
    logger: false,
    atlassian: { authUrl: sim.url, apiUrl: sim.url },
  })
  browser = await launchChromium()
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } })
  context.setDefaultTimeout(30_000)
  page = await context.newPage()
  watchDialogs(page, dialogs)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await sim?.close()
  await store?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
}, 60_000)

describe('A new user walks Quarry in a browser', () => {
  // The steps build on each other: after a failure (failed.png), the rest fail fast.
  stepByStep(() => (view !== undefined && !view.isClosed() ? view : page), 'failed.png')

  it(
    'creates the first admin from the setup link and lands on the empty datasources page',
    async () => {
      expect(server.setupUrl).toBeDefined()
      await page.goto(server.setupUrl!)
      expect(await text(page.getByRole('heading', { name: 'Set up Quarry' }))).toBe('Set up Quarry')
      await page.getByLabel('Name').fill(ADMIN.name)
      await page.getByLabel('Password').fill(ADMIN.password)
      await page.getByLabel('Confirm').fill(ADMIN.password)
      await shot(page, '01-setup')
      await page.getByRole('button', { name: 'Create admin' }).click()

      expect(await text(page.getByRole('heading', { name: 'Datasources' }))).toBe('Datasources')
      expect(await text(page.getByText('No datasources yet.'))).toBe('No datasources yet.')
      expect(await navLinks(page)).toEqual([
        'Datasources',
        'Queries',
        'Dashboards',
        'Converters',
        'Templates',
        'Alerts',
        'Schedules',
        'Users',
        'Embedding',
        'Import',
        'Audit log',
        'API tokens',
        'Account',
      ])
      expect(await text(page.locator('.user-name'))).toBe(ADMIN.name)
      await shot(page, '02-admin-created')
    },
    STEP_MS,
  )

  it(
    'adds a Jira Cloud datasource with just the client ID and secret, not yet connected',
    async () => {
      await page.getByRole('button', { name: 'Jira Cloud' }).click()
      const form = await seen(page.getByRole('form', { name: 'Jira Cloud' }))
      expect(await form.getByLabel('Name').inputValue()).toBe('jira')
      await form.getByLabel('Client ID').fill(CLIENT_ID)
      await form.getByLabel('Client secret').fill(CLIENT_SECRET)
      // API 2, as in the PocketQuery guide: descriptions come as wiki text rather than ADF objects.
      await form.getByLabel('API version').selectOption('2')
      await shot(page, '03-jira-cloud-form')
      await form.getByRole('button', { name: 'Save' }).click()

      expect(await text(page.getByRole('heading', { name: 'Datasource jira' }))).toBe('Datasource jira')
      expect(await text(page.getByText('not connected'))).toBe('not connected')
      await shot(page, '04-datasource-saved')
    },
    STEP_MS,
  )

  it(
    'connects through the consent pages (account alice, site acme, Accept) and comes back connected',
    async () => {
      await page.getByRole('button', { name: 'Connect', exact: true }).click()

      await page.waitForURL((url) => url.origin === sim.url && url.pathname === '/authorize')
      expect(await text(page.getByRole('heading', { name: 'Log in to continue' }))).toBe('Log in to continue')
      await shot(page, '05-account-picker')
      await page.getByRole('link', { name: /Alice Andersen/ }).click()

      expect(await text(page.getByRole('heading', { level: 1 }))).toBe(
        'Quarry is requesting access to your Atlassian account',
      )
      const site = page.getByLabel('Use app on')
      expect(await site.locator('option').allTextContents()).toEqual([
        expect.stringMatching(/^acme /),
        expect.stringMatching(/^globex /),
      ])
      await site.selectOption({ label: (await site.locator('option').first().textContent()) ?? '' })
      await shot(page, '06-consent')
      await page.getByRole('button', { name: 'Accept' }).click()

      await page.waitForURL(`${server.url}/admin/datasources/jira?connected=1`)
      expect(await text(page.getByRole('status').filter({ hasText: 'Connected.' }))).toBe('Connected.')
      const state = await text(page.locator('.ok', { hasText: /^connected/ }))
      expect(state).toMatch(/^connected · expires .+ · acme$/)
      await shot(page, '07-connected')
    },
    STEP_MS,
  )

  it(
    "writes a query with a jql parameter, next-page-token pagination and the guide's converter, and runs it",
    async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queries' }).click()
      expect(await text(page.getByRole('heading', { name: 'Queries' }))).toBe('Queries')
      await page.getByRole('button', { name: 'Add query' }).click()
      const form = await seen(page.getByRole('form', { name: 'Query' }))
      expect(await text(page.getByRole('heading', { name: 'New query' }))).toBe('New query')

      await form.getByLabel('Name', { exact: true }).fill(QUERY)
      await form.getByLabel('Datasource', { exact: true }).selectOption('jira')
      await form.getByLabel('Path', { exact: true }).fill(PATH)
      await form.getByRole('button', { name: 'Add parameter' }).click()
      await form.getByLabel('Parameter', { exact: true }).fill('jql')
      expect(await form.getByLabel('Type', { exact: true }).inputValue()).toBe('string')
      await form.getByLabel('Default', { exact: true }).fill(DEFAULT_JQL)
      await form.getByLabel('Pagination', { exact: true }).selectOption('next-page-token')
      expect(await form.getByLabel('Token parameter').inputValue()).toBe('nextPageToken')
      expect(await form.getByLabel('Items in response').inputValue()).toBe('issues')

      const editor = form.getByRole('textbox', { name: 'Converter' })
      await (await seen(editor)).click()
      // Typed as one insertion: key by key the editor would auto-close brackets and re-indent.
      await page.keyboard.insertText(CONVERTER)
      expect(await editor.innerText()).toBe(CONVERTER)
      await shot(page, '08-query-form', { fullPage: true })
      await form.getByRole('button', { name: 'Save', exact: true }).click()

      expect(await text(page.getByRole('heading', { name: `Query ${QUERY}` }))).toBe(`Query ${QUERY}`)
      const run = page.getByRole('region', { name: 'Run' })
      expect(await run.getByLabel('jql').inputValue()).toBe(DEFAULT_JQL)
      await run.getByRole('button', { name: 'Run', exact: true }).click()

      const result = page.getByRole('status', { name: 'Run result' })
      const summary = await text(result.locator('p').first())
      const [, rowCount, pages] = /^(\d+) rows from (\d+) pages?/.exec(summary) ?? []
      // DEMO has more issues than one page of 50: the next-page token was followed.
      expect(Number(rowCount)).toBeGreaterThan(50)
      expect(Number(pages)).toBe(Math.ceil(Number(rowCount) / 50))
      expect(await result.locator('thead th').allTextContents()).toEqual(['Issue Key', 'Description'])
      expect(await result.locator('tbody tr').count()).toBe(Number(rowCount))
      expect(await text(result.locator('tbody tr').first().locator('td').first())).toBe('DEMO-1')
      await result.scrollIntoViewIfNeeded()
      await shot(page, '09-query-run')
    },
    STEP_MS,
  )

  it(
    'opens the view: a table of every DEMO issue, API text shown as text',
    async () => {
      const link = page.getByRole('link', { name: 'Open view', exact: true })
      // Back at the top of the long editor first: clicked straight from the Run panel, far below, the
      // click can land while the page still settles from the scroll.
      await link.scrollIntoViewIfNeeded()
      const opened = context.waitForEvent('page')
      await link.click()
      view = await opened
      watchDialogs(view, dialogs)
      await view.waitForLoadState()
      expect(new URL(view.url()).pathname).toBe(`/v/${QUERY}`)

      expect(await text(view.getByRole('heading', { level: 1 }))).toBe(QUERY)
      expect(await view.locator('.quarry-table thead th').allTextContents()).toEqual([
        'Issue Key',
        'Description',
      ])
      defaultKeys = await viewKeys(view)
      expect(defaultKeys.length).toBeGreaterThan(50)
      expect(defaultKeys.slice(0, 3)).toEqual(['DEMO-1', 'DEMO-2', 'DEMO-3'])
      expect(defaultKeys.every((key) => key.startsWith('DEMO-'))).toBe(true)

      // DEMO-7's description carries markup: the page shows it as text, nothing runs.
      const hostile = view.locator('.quarry-table tbody tr', {
        has: view.locator('td:first-child', { hasText: /^DEMO-7$/ }),
      })
      expect(await text(hostile.locator('td').nth(1))).toContain('<script>alert(')
      expect(await view.locator('.quarry-table tbody script, .quarry-table tbody img').count()).toBe(0)
      await shot(view, '10-view')
    },
    STEP_MS,
  )

  it(
    'sorts the table by a column header: ascending, then descending on the second click',
    async () => {
      const header = view.locator('.quarry-table thead th').first()
      const sort = header.getByRole('button', { name: 'Issue Key' })
      await sort.click()
      expect(await header.getAttribute('aria-sort')).toBe('ascending')
      expect((await viewKeys(view))[0]).toBe('DEMO-1')
      await sort.click()
      expect(await header.getAttribute('aria-sort')).toBe('descending')

      const keys = await viewKeys(view)
      expect(keys[0]).toBe(defaultKeys.at(-1))
      expect(keys[0]).not.toBe('DEMO-1')
      expect(keys).toEqual([...defaultKeys].reverse())
      await shot(view, '11-view-sorted')
    },
    STEP_MS,
  )

  it(
    'runs the view with a changed jql parameter: key = DEMO-3 gives exactly that row',
    async () => {
      const jql = view.getByLabel('jql')
      expect(await jql.inputValue()).toBe(DEFAULT_JQL)
      await jql.fill('key = DEMO-3')
      await view.getByRole('button', { name: 'Run', exact: true }).click()

      await view.waitForURL((url) => url.searchParams.get('jql') === 'key = DEMO-3')
      expect(await view.getByLabel('jql').inputValue()).toBe('key = DEMO-3')
      expect(await viewKeys(view)).toEqual(['DEMO-3'])
      await shot(view, '12-view-changed-parameter')
    },
    STEP_MS,
  )

  it(
    'downloads the rows shown as CSV, with the converter’s columns as the header',
    async () => {
      const downloading = view.waitForEvent('download')
      await view.getByRole('link', { name: 'CSV' }).click()
      const download = await downloading
      expect(download.suggestedFilename()).toBe(`${QUERY}.csv`)

      const csv = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '')
      const [header, ...rest] = csv.split(/\r?\n/)
      expect(header).toBe('Issue Key,Description')
      expect(rest.join('\n')).toMatch(/^DEMO-3,/)
      expect(csv.match(/^DEMO-\d+,/gm)).toEqual(['DEMO-3,'])
      await shot(view, '13-csv-downloaded')
      await view.close()
    },
    STEP_MS,
  )

  it(
    'adds a viewer on the Users page',
    async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click()
      expect(await text(page.getByRole('heading', { name: 'Users', exact: true }))).toBe('Users')
      const form = await seen(page.getByRole('form', { name: 'Add user' }))
      await form.getByLabel('Name').fill(VIEWER.name)
      await form.getByLabel('Password').fill(VIEWER.password)
      await form.getByLabel('Role').selectOption('viewer')
      await shot(page, '14-add-viewer')
      await form.getByRole('button', { name: 'Add user' }).click()

      const row = page.locator('table.list tbody tr', { has: page.getByRole('cell', { name: VIEWER.name }) })
      expect(await text(row.locator('td').nth(1))).toBe('viewer')
      expect(await page.locator('table.list tbody tr td:first-child').allTextContents()).toEqual([
        ADMIN.name,
        VIEWER.name,
      ])
      await shot(page, '15-viewer-added')
    },
    STEP_MS,
  )

  it(
    'signs the admin out and the viewer in: the nav offers no admin pages',
    async () => {
      await page.getByRole('button', { name: 'Sign out' }).click()
      expect(await text(page.getByRole('heading', { name: 'Sign in to Quarry' }))).toBe('Sign in to Quarry')
      await page.getByLabel('Name').fill(VIEWER.name)
      await page.getByLabel('Password').fill(VIEWER.password)
      await shot(page, '16-sign-in')
      await page.getByRole('button', { name: 'Sign in' }).click()

      expect(await text(page.getByRole('heading', { name: 'Queries' }))).toBe('Queries')
      expect(await text(page.locator('.user-name'))).toBe(VIEWER.name)
      expect(await text(page.locator('.role'))).toBe('viewer')
      expect(await navLinks(page)).toEqual(['Queries', 'Dashboards', 'API tokens', 'Account'])
      expect(await page.getByRole('button', { name: 'Add query' }).count()).toBe(0)
      expect(await page.getByRole('listitem').getByRole('link').allTextContents()).toContain(QUERY)
      await shot(page, '17-viewer-home')
    },
    STEP_MS,
  )

  it(
    'keeps the viewer out of the admin pages, in the UI and in the API',
    async () => {
      for (const path of ['/admin/datasources', '/admin/users', '/admin/queries/new']) {
        await page.goto(`${server.url}${path}`)
        expect(await text(page.getByRole('heading', { level: 1 }))).toBe('Not found')
        expect(await text(page.getByText('your role may not open it'))).toContain('your role may not open it')
        expect(await navLinks(page)).toEqual(['Queries', 'Dashboards', 'API tokens', 'Account'])
        expect(await page.getByRole('heading', { name: 'Datasources' }).count()).toBe(0)
        expect(await page.getByRole('heading', { name: 'Users' }).count()).toBe(0)
      }
      await shot(page, '18-viewer-not-allowed')

      // The page's own session, asked directly: the server refuses too.
      for (const path of ['/api/datasources', '/api/users']) {
        const response = await page.request.get(`${server.url}${path}`)
        expect({ path, status: response.status() }).toEqual({ path, status: 403 })
      }
    },
    STEP_MS,
  )

  it(
    'lets the viewer open the view shared with viewers',
    async () => {
      await page.goto(`${server.url}/admin/queries`)
      await page.getByRole('link', { name: QUERY, exact: true }).click()
      await page.waitForURL(`${server.url}/v/${QUERY}`)
      expect(await text(page.getByRole('heading', { level: 1 }))).toBe(QUERY)
      expect(await page.getByLabel('jql').inputValue()).toBe(DEFAULT_JQL)
      expect(await viewKeys(page)).toEqual(defaultKeys)
      await shot(page, '19-viewer-view')
      expect(dialogs).toEqual([])
    },
    STEP_MS,
  )
})
