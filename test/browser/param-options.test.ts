import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/server/auth/password.js'
import { startServer, type RunningServer } from '../../src/server/start.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { launchChromium, requireBrowser, seen, signInThroughForm, SHOTS } from '../helpers/browser.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { startTestSim } from '../helpers/sim.js'

/**
 * Issue 17 in Chromium against the real server and the simulator: a view whose `project` is a
 * dropdown of the projects query's rows and whose `issue` lists the issues of the chosen project.
 * Choosing another project with the keyboard reloads the issue list; Run shows that project's issue.
 * axe-core finds no serious or critical violation on the page. Screenshots: test-results/browser/param-options-*.png.
 */

const ADMIN = { name: 'admin', password: 'admin password 1' }
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

let engine: TestEngine
let sim: RunningSimulator
let server: RunningServer
let browser: Browser
let page: Page

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  sim = await startTestSim({ issues: 120 })
  engine = await startTestEngine()
  await addSimJira(engine, sim)
  await engine.addQuery({
    name: 'projects',
    datasource: 'jira',
    path: '/project/search?maxResults=50',
    converter:
      'function convert(json) { return JSON.parse(json).values.map(p => ({ key: p.key, name: p.name })) }',
  })
  await engine.addQuery({
    name: 'project-issues',
    datasource: 'jira',
    path: '/search/jql?jql=project%20%3D%20:project%20ORDER%20BY%20key%20ASC&fields=summary&maxResults=10',
    params: [{ name: 'project' }],
    converter:
      'function convert(json) { return JSON.parse(json).issues.map(i => ({ key: i.key, summary: i.key + " " + i.fields.summary })) }',
  })
  await engine.addQuery({
    name: 'issue-view',
    title: 'One issue',
    datasource: 'jira',
    path: '/issue/:issue?fields=summary',
    params: [
      {
        name: 'project',
        default: 'WEB',
        options: { query: 'projects', value: 'key', label: 'name' },
        visitorInput: {},
      },
      {
        name: 'issue',
        options: { query: 'project-issues', value: 'key', label: 'summary', params: { project: ':project' } },
        visitorInput: {},
      },
    ],
    visibility: { public: true },
    converter:
      'function convert(json) { const i = JSON.parse(json); return [{ Key: i.key, Summary: i.fields.summary }] }',
  })
  await engine.store.accounts.createUser({
    name: ADMIN.name,
    passwordHash: await hashPassword(ADMIN.password),
    role: 'admin',
    groups: [],
  })
  server = await startServer(engine.store, { host: '127.0.0.1', port: 0, logger: false })
  browser = await launchChromium()
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true })
  context.setDefaultTimeout(30_000)
  page = await context.newPage()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await engine?.close()
  await sim?.close()
}, 60_000)

async function issueValues(): Promise<string[]> {
  return page
    .getByLabel('issue', { exact: true })
    .locator('option')
    .evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value))
}

describe('a parameter dropdown filled from a query, with a dependent list', () => {
  it('chooses a project with the keyboard, sees the issue list follow, and the result change', async () => {
    try {
      await page.goto(`${server.url}/v/issue-view`)
      await seen(page.getByRole('heading', { name: 'One issue' }))
      const project = page.getByLabel('project', { exact: true })
      expect(await project.inputValue()).toBe('WEB')
      const before = await issueValues()
      expect(before.length).toBeGreaterThan(0)
      expect(before.every((key) => key.startsWith('WEB-'))).toBe(true)
      await seen(page.locator('.quarry-table td', { hasText: before[0] ?? '' }).first())

      // Search the project choices, then go down into the list and choose with the keyboard.
      const search = page.getByRole('searchbox', { name: 'Search the choices of project' })
      await search.focus()
      await page.keyboard.type('Oper')
      await seen(page.locator('.quarry-options-status', { hasText: '1 of' }))
      await page.keyboard.press('ArrowDown')
      expect(await page.evaluate('document.activeElement?.id')).toBe('p-project')
      await project.selectOption('OPS')
      // The issue list reloads for the chosen project (its first option becomes an OPS issue).
      await page.waitForFunction(
        "document.querySelector('#p-issue')?.options[0]?.value.startsWith('OPS-') === true",
      )
      const after = await issueValues()
      expect(after.every((key) => key.startsWith('OPS-'))).toBe(true)
      await page.screenshot({ path: join(SHOTS, 'param-options-dependent.png'), fullPage: true })

      await page.getByRole('button', { name: 'Run' }).press('Enter')
      await page.waitForURL(/project=OPS/)
      await seen(page.locator('.quarry-table td', { hasText: after[0] ?? '' }).first())
      expect(await page.locator('.quarry-table td', { hasText: /^WEB-/ }).count()).toBe(0)
      await page.screenshot({ path: join(SHOTS, 'param-options-result.png'), fullPage: true })

      await page.addScriptTag({ path: AXE })
      const violations = await page.evaluate(async () => {
        const axe = (
          globalThis as unknown as {
            axe: { run(): Promise<{ violations: { id: string; impact: string | null }[] }> }
          }
        ).axe
        return (await axe.run()).violations
      })
      expect(
        violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
      ).toEqual([])
    } catch (error) {
      await page
        ?.screenshot({ path: join(SHOTS, 'param-options-failed.png'), fullPage: true })
        .catch(() => undefined)
      throw error
    }
  }, 120_000)

  it("sets a parameter's options in the admin UI's parameter editor, and saves them", async () => {
    try {
      await signInThroughForm(page, server.url, ADMIN)
      await page.goto(`${server.url}/admin/queries/issue-view`)
      await seen(page.getByRole('heading', { name: 'Query issue-view' }))
      const shown = page.getByRole('group', { name: 'Options: issue' })
      expect(await shown.getByLabel('Options query').inputValue()).toBe('project-issues')
      expect(await shown.getByLabel('Its parameters').inputValue()).toBe('project=:project')

      await page.goto(`${server.url}/admin/queries/project-issues`)
      await seen(page.getByRole('heading', { name: 'Query project-issues' }))
      const group = page.getByRole('group', { name: 'Options: project' })
      await group.getByLabel('Values from a query').check()
      await group.getByLabel('Options query').selectOption('projects')
      await group.getByLabel('Value column').fill('key')
      await group.getByLabel('Label column').fill('name')
      await page.getByRole('button', { name: 'Save', exact: true }).click()
      await seen(page.getByRole('form', { name: 'Query' }).getByRole('status').filter({ hasText: 'Saved' }))
      await page.screenshot({ path: join(SHOTS, 'param-options-editor.png'), fullPage: true })
      const stored = await engine.store.queries.get('project-issues')
      expect((stored?.definition as { params: unknown[] }).params[0]).toMatchObject({
        name: 'project',
        options: { query: 'projects', value: 'key', label: 'name', params: {} },
      })
    } catch (error) {
      await page
        ?.screenshot({ path: join(SHOTS, 'param-options-failed.png'), fullPage: true })
        .catch(() => undefined)
      throw error
    }
  }, 120_000)
})
