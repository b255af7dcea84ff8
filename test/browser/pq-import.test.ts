import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
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
  text,
  watchDialogs,
} from '../helpers/browser.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'

/**
 * The admin UI's Import page (issue 13, item 5) in Debian's Chromium against the real server: an
 * admin chooses a PocketQuery Server export, checks it (nothing changes; the refused kinds are
 * listed with their reasons), then imports it. Screenshots: test-results/browser/pq-import-*.png.
 */

const STEP_MS = 60_000
const ADMIN = { name: 'admin', password: 'admin password 1' }
const XML = new URL('../fixtures/pocketquery/server-export.xml', import.meta.url).pathname
const JSON_EXPORT = new URL('../fixtures/pocketquery/cloud-export.json', import.meta.url).pathname

let engine: TestEngine
let server: RunningServer
let browser: Browser
let page: Page
const dialogs: string[] = []

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `pq-import-${name}.png`), fullPage: true })
const stored = async () => (await engine.store.datasources.list()).map((d) => d.name).sort()

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  for (const file of readdirSync(SHOTS)) if (file.startsWith('pq-import-')) rmSync(join(SHOTS, file))
  engine = await startTestEngine()
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
}, 60_000)

describe('Importing a PocketQuery export in the admin UI', () => {
  it(
    'checks the file first: what would be created and skipped, and nothing is stored',
    async () => {
      await signInThroughForm(page, server.url, ADMIN)
      await page.getByRole('link', { name: 'Import' }).click()
      await seen(page.getByRole('heading', { name: 'Import from PocketQuery' }))
      await page.getByLabel('PocketQuery export file').setInputFiles(XML)
      await page.getByRole('button', { name: 'Check' }).click()
      const result = await seen(page.getByRole('status', { name: 'Import result' }))
      expect(await text(result.getByRole('heading'))).toBe('What the import would do (nothing was changed)')
      const all = await text(result)
      expect(all).toContain('Would create datasource “Jira OAuth2” as Jira-OAuth2')
      expect(all).toContain('CHANGE-2046')
      expect(all).toContain('Would skip datasource “Oracle”: Oracle is not supported')
      expect(all).not.toContain('SECRET')
      await shot('01-checked')
      expect(await stored()).toEqual([])
    },
    STEP_MS,
  )

  it(
    'imports it in one go',
    async () => {
      await page.getByRole('button', { name: 'Import', exact: true }).click()
      const result = page.getByRole('status', { name: 'Import result' })
      await seen(result.getByRole('heading', { name: 'Imported', exact: true }))
      expect(await text(result)).toContain('Created datasource “REST Countries” as REST-Countries')
      await shot('02-imported')
      expect(await stored()).toEqual([
        'Confluence-Basic',
        'Jira-OAuth2',
        'MySQL',
        'Postgres',
        'REST-Countries',
      ])
      expect(dialogs).toEqual([])
    },
    STEP_MS,
  )

  it(
    'a query imported with a Velocity template uses it as a named template, shown on its page (issue 13)',
    async () => {
      await page.getByLabel('PocketQuery export file').setInputFiles(JSON_EXPORT)
      await page.getByRole('button', { name: 'Import', exact: true }).click()
      const result = page.getByRole('status', { name: 'Import result' })
      // REST-Countries exists since the step before: the second one is imported under a new name.
      await seen(result.getByText('Renamed: a datasource "REST-Countries" exists already', { exact: false }))
      await page.goto(`${server.url}/admin/queries/Countries-by-region`)
      await seen(page.getByRole('heading', { name: 'Query Countries-by-region' }))
      // PocketQuery's templates are entities a query refers to: imported as named templates (issue 13).
      const picker = page.getByRole('combobox', { name: 'Named template', exact: true })
      // The choices load after the query: the select shows its value once they are there.
      await expect.poll(() => picker.inputValue()).toBe('countries-table')
      const named = 'countries-table'
      await page.goto(`${server.url}/admin/templates/${named}`)
      await seen(page.getByRole('heading', { name: `Template ${named}` }))
      await seen(page.getByText('Used by 1 query: Countries-by-region.', { exact: false }))
      const select = page.getByRole('combobox', { name: 'Template', exact: true })
      expect(await select.inputValue()).toBe('velocity')
      expect(await text(page.locator('fieldset', { hasText: 'Velocity template' }))).toContain(
        '#foreach($row in $PQ.toList($result))',
      )
      await shot('03-velocity-template')
      expect(dialogs).toEqual([])
    },
    STEP_MS,
  )
})
