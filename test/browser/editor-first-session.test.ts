import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Dialog, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/server/auth/password.js'
import { startServer, type RunningServer } from '../../src/server/start.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { LIQUID_HINT_FILTERS } from '../../web/src/liquid-hint.js'
import { CHART_AGGREGATES } from '../../src/domain/query-choices.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import {
  clickDrawn,
  requireBrowser,
  launchChromium,
  seen,
  SHOTS,
  stepByStep,
  text,
} from '../helpers/browser.js'
import { freePort } from '../helpers/quarry-process.mjs'
import { startTestSim, TEST_CLIENT } from '../helpers/sim.js'

/**
 * Issue 10's first session in the query and datasource editors, in Debian's Chromium against the
 * real server and the Atlassian simulator: field-named validation errors, a renamed parameter that
 * runs at once, chart fields typed before a sample, the unsaved-changes prompt, "Press Connect"
 * next to the Connect button, a true Liquid hint, and Clone. The datasources are made through the
 * store (the walkthrough covers making them in the UI). Screenshots: test-results/browser/editor-*.png.
 */

const STEP_MS = 60_000
const ADMIN = { name: 'admin', password: 'admin password 1' }
const QUERY = 'issues'
const CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ 'Issue Key': issue.key, Status: issue.fields.status.name }))
}`
const LEAVE_QUESTION = 'Leave this page? Your unsaved changes will be lost.'

let engine: TestEngine
let sim: RunningSimulator
let server: RunningServer
let browser: Browser
let page: Page
/** Every dialog the page raised, as "type: message". */
const dialogs: string[] = []
/** How the next dialogs are answered, in order; any other dialog is dismissed. */
const answers: ((dialog: Dialog) => Promise<void>)[] = []

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `editor-${name}.png`), fullPage: true })
}

function query(target: Page = page) {
  return target.getByRole('form', { name: 'Query' })
}

/** Whether the page asks before it unloads: the `beforeunload` event, as a reload would raise it. */
function asksBeforeUnload(): Promise<boolean> {
  // A string: it runs in the page, where `dispatchEvent` is the window's (Node's types lack it).
  return page.evaluate<boolean>(
    `(() => { const event = new Event('beforeunload', { cancelable: true }); dispatchEvent(event); return event.defaultPrevented })()`,
  )
}

/**
 * Clicks `button` and waits for the server's answer to `path`: its status. Without one, the error
 * lists what the page asked for meanwhile and what failed (a CI run once saw no answer in 30 s).
 */
async function answerTo(path: string, button: ReturnType<Page['getByRole']>): Promise<number> {
  const asked: string[] = []
  const onRequest = (request: Request) => asked.push(`${request.method()} ${new URL(request.url()).pathname}`)
  const onFailed = (request: Request) =>
    asked.push(
      `failed ${request.method()} ${new URL(request.url()).pathname}: ${request.failure()?.errorText}`,
    )
  page.on('request', onRequest)
  page.on('requestfailed', onFailed)
  const answered = page.waitForResponse((response) => new URL(response.url()).pathname === path)
  try {
    await clickDrawn(button)
    return (await answered).status()
  } catch (error) {
    answered.catch(() => {})
    const state = `button ${(await button.isEnabled().catch(() => false)) ? 'enabled' : 'disabled or gone'}`
    throw new Error(
      `No answer to ${path} (${state}; requests since the click: ${asked.join(', ') || 'none'})`,
      {
        cause: error,
      },
    )
  } finally {
    page.off('request', onRequest)
    page.off('requestfailed', onFailed)
  }
}

async function goToQuery(name: string): Promise<void> {
  await page.goto(`${server.url}/admin/queries/${name}`)
  await seen(page.getByRole('heading', { name: `Query ${name}` }))
  await seen(query().getByRole('textbox', { name: 'Converter' }))
  // Opening a query is not an edit: nothing asks before leaving it yet.
  expect(await asksBeforeUnload()).toBe(false)
}

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  // This run's screenshots only (no editor-failed.png from an earlier run).
  for (const file of readdirSync(SHOTS)) if (file.startsWith('editor-')) rmSync(join(SHOTS, file))
  sim = await startTestSim({ issues: 40 })
  engine = await startTestEngine()
  await addSimJira(engine, sim)
  // A second Jira datasource, never connected: what a new user has before pressing Connect.
  await engine.addDatasource({
    name: 'jira-new',
    type: 'rest',
    baseUrl: `${sim.url}/ex/jira/unknown/rest/api/3`,
    testPath: '/myself',
    auth: {
      type: 'oauth2-authorization-code',
      authorizeUrl: `${sim.url}/authorize`,
      tokenUrl: `${sim.url}/oauth/token`,
      clientId: TEST_CLIENT.clientId,
      clientSecret: TEST_CLIENT.clientSecret,
      scopes: 'read:jira-work offline_access',
      redirectUri: 'http://127.0.0.1:1/api/oauth/callback',
    },
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
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    const answer = answers.shift()
    void (answer ? answer(dialog) : dialog.dismiss())
  })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await sim?.close()
  await engine?.close()
}, 60_000)

describe('A first session in the query and datasource editors', () => {
  // The steps build on each other: after a failure (editor-failed.png), the rest fail fast.
  stepByStep(() => page, 'editor-failed.png')
  beforeEach(() => {
    dialogs.length = 0
    answers.length = 0
  })

  it(
    'names the field a new query lacks ("Datasource: choose one.") instead of schema text',
    async () => {
      await page.goto(`${server.url}/admin/`)
      await page.getByLabel('Name').fill(ADMIN.name)
      await page.getByLabel('Password').fill(ADMIN.password)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await seen(page.getByRole('heading', { name: 'Datasources' }))

      await page.goto(`${server.url}/admin/queries/new`)
      const form = await seen(query())
      await form.getByLabel('Name', { exact: true }).fill(QUERY)
      await form.getByLabel('Path', { exact: true }).fill('/search/jql?jql=:jql&fields=status&maxResults=20')
      await form.getByRole('button', { name: 'Save', exact: true }).click()

      const error = await text(form.getByRole('alert'))
      expect(error).toBe('Datasource: choose one.')
      expect(error).not.toMatch(/Too small|expected string|>=/)
      await shot('01-validation-names-the-field')
    },
    STEP_MS,
  )

  it(
    'runs and fetches a sample at once after a parameter is renamed and saved, with the value kept',
    async () => {
      const form = query()
      await form.getByLabel('Datasource', { exact: true }).selectOption('jira')
      await form.getByRole('button', { name: 'Add parameter' }).click()
      await form.getByLabel('Parameter', { exact: true }).fill('jql')
      await form.getByLabel('Default', { exact: true }).fill('project = DEMO ORDER BY key ASC')
      await form.getByRole('textbox', { name: 'Converter' }).click()
      await page.keyboard.insertText(CONVERTER)
      await form.getByRole('button', { name: 'Save', exact: true }).click()
      await seen(page.getByRole('heading', { name: `Query ${QUERY}` }))
      // Saving a new query leaves the page without asking: it is saved.
      expect(dialogs).toEqual([])

      const run = page.getByRole('region', { name: 'Run' })
      await run.getByLabel('jql').fill('key = DEMO-3')
      const runPath = `/api/queries/${QUERY}/run`
      expect(await answerTo(runPath, run.getByRole('button', { name: 'Run', exact: true }))).toBe(200)
      const result = page.getByRole('status', { name: 'Run result' })
      await seen(result.locator('tbody tr').first())
      expect(await result.locator('tbody td:first-child').allTextContents()).toEqual(['DEMO-3'])

      // The rename: the parameter and its use in the path, then Save.
      await form.getByLabel('Parameter', { exact: true }).fill('filter')
      await form
        .getByLabel('Path', { exact: true })
        .fill('/search/jql?jql=:filter&fields=status&maxResults=20')
      await form.getByRole('button', { name: 'Save', exact: true }).click()
      expect(await text(form.getByRole('status').filter({ hasText: 'Saved.' }))).toBe('Saved.')

      // No reload: the Run panel takes the new name, with the value typed under the old one.
      expect(await run.getByLabel('filter').inputValue()).toBe('key = DEMO-3')
      expect(await run.getByLabel('jql').count()).toBe(0)
      // The run's rows go to the template preview 400 ms after they come, and its sandboxed frame loads
      // the new page. The next click is made just after that: when a click was lost (clickDrawn).
      const previewLoaded = page
        .waitForEvent('framenavigated', (frame) => frame !== page.mainFrame())
        .then((frame) => frame.waitForLoadState('load'))
      expect(await answerTo(runPath, run.getByRole('button', { name: 'Run', exact: true }))).toBe(200)
      await previewLoaded
      await seen(result.locator('tbody tr').first())
      expect(await page.getByRole('alert').count()).toBe(0)
      expect(await result.locator('tbody td:first-child').allTextContents()).toEqual(['DEMO-3'])

      const samplePath = `/api/queries/${QUERY}/sample`
      expect(await answerTo(samplePath, form.getByRole('button', { name: 'Fetch sample' }))).toBe(200)
      const sample = await seen(form.getByLabel('Sample response'))
      expect(await sample.textContent()).toContain('"key": "DEMO-3"')
      expect(await form.getByRole('alert').count()).toBe(0)
      await shot('02-renamed-parameter-runs')
    },
    STEP_MS,
  )

  it(
    'lets chart X and Y be typed before any sample, and says how to get a preview instead of "No rows"',
    async () => {
      await goToQuery(QUERY)
      const form = query()
      await form.getByLabel('Template', { exact: true }).selectOption('chart')
      const x = form.getByLabel('X', { exact: true })
      expect(await x.evaluate((input) => input.tagName)).toBe('INPUT')
      await x.fill('Status')
      await form.getByLabel('Y', { exact: true }).fill('Issue Key')
      const aggregate = form.getByLabel('Aggregate', { exact: true })
      // The server's aggregates, all of them (issue 11: median and distinct were missing).
      expect(await aggregate.locator('option').allTextContents()).toEqual(['none', ...CHART_AGGREGATES])
      await aggregate.selectOption('count')
      await form.getByLabel('Chart title', { exact: true }).fill('Issues by status')
      await form.getByLabel('Width', { exact: true }).fill('480')
      expect(await text(form.getByText(/^Fetch a sample or Run to preview/))).toBe(
        "Fetch a sample or Run to preview the chart with the query's rows.",
      )
      expect(await form.locator('iframe[title="Template preview"]').count()).toBe(0)
      await shot('03-chart-fields-before-sample')

      await form.getByRole('button', { name: 'Fetch sample' }).click()
      const preview = page.frameLocator('iframe[title="Template preview"]')
      // The chart of the sample's rows: a bar per status, its name on the X axis.
      await seen(preview.locator('svg text', { hasText: /^Done$/ }).first())
      await seen(preview.locator('svg text', { hasText: 'Issues by status' }).first())
      expect(await preview.locator('body').textContent()).not.toContain('No rows')
      expect(await x.inputValue()).toBe('Status')
      // Once a sample is in, its columns are offered for the fields.
      const list = await x.getAttribute('list')
      expect(
        await form
          .locator(`datalist[id="${list}"] option`)
          .evaluateAll((o) => o.map((e) => e.getAttribute('value'))),
      ).toEqual(['Issue Key', 'Status'])
      await page.locator('iframe[title="Template preview"]').scrollIntoViewIfNeeded()
      await shot('04-chart-previewed')
    },
    STEP_MS,
  )

  it(
    'asks before leaving a query with unsaved changes, stays when told to, and leaves freely once saved',
    async () => {
      expect(await asksBeforeUnload()).toBe(true)
      answers.push((dialog) => dialog.dismiss())
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queries' }).click()
      expect(dialogs).toEqual([`confirm: ${LEAVE_QUESTION}`])
      expect(await text(page.getByRole('heading', { level: 1 }))).toBe(`Query ${QUERY}`)
      expect(new URL(page.url()).pathname).toBe(`/admin/queries/${QUERY}`)
      expect(await query().getByLabel('X', { exact: true }).inputValue()).toBe('Status')
      await shot('05-unsaved-query-stays')

      await query().getByRole('button', { name: 'Save', exact: true }).click()
      await seen(query().getByRole('status').filter({ hasText: 'Saved.' }))
      expect((await engine.store.queries.get(QUERY))?.definition).toMatchObject({
        template: { type: 'chart', aggregate: 'count', title: 'Issues by status', width: 480 },
      })
      expect(await asksBeforeUnload()).toBe(false)
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queries' }).click()
      await seen(page.getByRole('heading', { name: 'Queries', exact: true }))
      expect(dialogs).toEqual([`confirm: ${LEAVE_QUESTION}`])
    },
    STEP_MS,
  )

  it(
    'asks before Back leaves a query with unsaved changes, and stays on the page when told to',
    async () => {
      await page.getByRole('link', { name: QUERY, exact: true }).click()
      const x = query().getByLabel('X', { exact: true })
      await x.fill('Issue Key')
      answers.push((dialog) => dialog.dismiss())
      await page.goBack()
      await expect.poll(() => dialogs).toEqual([`confirm: ${LEAVE_QUESTION}`])
      expect(new URL(page.url()).pathname).toBe(`/admin/queries/${QUERY}`)
      expect(await text(page.getByRole('heading', { level: 1 }))).toBe(`Query ${QUERY}`)
      expect(await x.inputValue()).toBe('Issue Key')

      // Told to leave, it leaves, and the edit is dropped.
      answers.push((dialog) => dialog.accept())
      await page.getByRole('link', { name: '← Queries' }).click()
      await seen(page.getByRole('heading', { name: 'Queries', exact: true }))
      expect(dialogs).toHaveLength(2)
      expect(await asksBeforeUnload()).toBe(false)
    },
    STEP_MS,
  )

  it(
    'asks before leaving a datasource with unsaved changes, and leaves when the user agrees',
    async () => {
      await page.goto(`${server.url}/admin/datasources/jira`)
      const form = await seen(page.getByRole('form', { name: 'Datasource' }))
      expect(await asksBeforeUnload()).toBe(false)
      await form.getByLabel('Test path').fill('/serverInfo')
      expect(await asksBeforeUnload()).toBe(true)
      await shot('06-unsaved-datasource')
      answers.push((dialog) => dialog.accept())
      await page.getByRole('link', { name: '← Datasources' }).click()
      await seen(page.getByRole('heading', { name: 'Datasources', exact: true }))
      expect(dialogs).toEqual([`confirm: ${LEAVE_QUESTION}`])
      expect(await asksBeforeUnload()).toBe(false)
    },
    STEP_MS,
  )

  it(
    'answers Test connection on a datasource without consent with "Press Connect", next to Connect',
    async () => {
      await page.goto(`${server.url}/admin/datasources/jira-new`)
      const connection = await seen(page.getByRole('region', { name: 'Connection' }))
      expect(await text(connection.getByText('not connected'))).toBe('not connected')
      await connection.getByRole('button', { name: 'Test connection' }).click()
      const answer = await text(connection.getByRole('status'))
      expect(answer).toBe(
        '✗ jira-new does not work: Datasource "jira-new" is not connected yet. Press Connect on the page of datasource "jira-new".',
      )
      expect(answer).not.toContain('quarry connect')
      const connect = connection.getByRole('button', { name: 'Connect', exact: true })
      expect(await connect.isEnabled()).toBe(true)
      expect(await page.getByRole('button', { name: 'Connect', exact: true }).count()).toBe(1)
      await shot('07-press-connect')
    },
    STEP_MS,
  )

  it(
    'shows "needs consent" and Test connection\'s "Press Connect" in the same place as Connect',
    async () => {
      // What a revoked grant leaves behind (the token manager writes this on invalid_grant).
      await engine.store.connections.put('jira-new', {
        tokens: { access_token: 'old', refresh_token: 'revoked' },
        accessExpiresAt: new Date(Date.now() - 60_000),
        status: 'needs_consent',
        statusMessage: 'the refresh token was revoked',
        scope: null,
        site: null,
        lastRefreshAt: null,
        lastUsedAt: null,
      })
      await page.reload()
      const connection = await seen(page.getByRole('region', { name: 'Connection' }))
      expect(await text(connection.locator('p').first())).toBe(
        'Connection: needs consent: the refresh token was revoked',
      )
      await connection.getByRole('button', { name: 'Test connection' }).click()
      expect(await text(connection.getByRole('status'))).toBe(
        '✗ jira-new does not work: Datasource "jira-new" needs consent again (the refresh token was revoked). Press Connect on the page of datasource "jira-new".',
      )
      expect(await connection.getByRole('button', { name: 'Connect', exact: true }).isEnabled()).toBe(true)
      await shot('08-needs-consent-press-connect')
    },
    STEP_MS,
  )

  it(
    'hints only Liquid that works: the variables, filters that exist, and no raw HTML',
    async () => {
      await goToQuery(QUERY)
      const form = query()
      await form.getByLabel('Template', { exact: true }).selectOption('liquid')
      const hint = await text(form.getByLabel('Liquid hint'))
      expect(hint).not.toContain('| raw')
      expect(hint).toContain('there is no way to output raw HTML')
      for (const filter of LIQUID_HINT_FILTERS) expect(hint).toContain(`| ${filter}`)
      await shot('09-liquid-hint')
      // Back to the saved template, so the next step clones what was saved.
      await form.getByRole('button', { name: 'Save', exact: true }).click()
      await seen(form.getByRole('status').filter({ hasText: 'Saved.' }))
    },
    STEP_MS,
  )

  it(
    'clones a query under NAME-copy and opens the copy, identical but for its name',
    async () => {
      await goToQuery(QUERY)
      answers.push((dialog) => dialog.accept(dialog.defaultValue()))
      await query().getByRole('button', { name: 'Clone' }).click()
      await seen(page.getByRole('heading', { name: `Query ${QUERY}-copy` }))
      expect(dialogs).toEqual([`prompt: Clone the saved query ${QUERY} as:`])
      expect(new URL(page.url()).pathname).toBe(`/admin/queries/${QUERY}-copy`)

      const original = (await (await page.request.get(`${server.url}/api/queries/${QUERY}`)).json()) as object
      const copy = (await (
        await page.request.get(`${server.url}/api/queries/${QUERY}-copy`)
      ).json()) as object
      expect(copy).toEqual({ ...original, name: `${QUERY}-copy` })
      expect(original).toMatchObject({
        params: [{ name: 'filter' }],
        template: { type: 'liquid' },
        converter: CONVERTER,
      })
      await shot('10-cloned')
    },
    STEP_MS,
  )
})
