import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
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
  watchDialogs,
} from '../helpers/browser.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'

/**
 * Issue 17, done-when 2, in Chromium against the real server: an editor builds a dashboard of three
 * panels in the admin UI's grid editor (add, move, resize, remove — by buttons), opens it, changes
 * the shared parameter and sees every panel change; axe-core finds no serious or critical violation
 * on the editor or the dashboard. Screenshots: test-results/browser/dashboards-*.png.
 */

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const EDITOR = { name: 'edna', password: 'editor password 1' }

let dir: string
let engine: TestEngine
let server: RunningServer
let browser: Browser
let page: Page
const dialogs: string[] = []

interface Violation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly nodes: readonly { readonly target: readonly unknown[] }[]
}

/** axe's serious and critical violations on the page as it is now, one line each. */
async function seriousViolations(on: Page): Promise<string[]> {
  await on.addScriptTag({ path: AXE })
  const violations = await on.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: Violation[] }> } }).axe
    return (await axe.run()).violations
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) => `${v.impact} ${v.id}: ${v.help} — ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`,
    )
}

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  dir = mkdtempSync(join(tmpdir(), 'quarry-browser-dashboards-'))
  engine = await startTestEngine()
  // The store's own SQLite file: any readable database does for `SELECT :who`.
  await engine.addDatasource({ name: 'local', type: 'sqlite', path: join(engine.dir, 'quarry.db') })
  const who = [{ name: 'who', type: 'string' as const, default: 'nobody' }]
  await engine.addQuery({
    name: 'greeting',
    datasource: 'local',
    sql: "SELECT 'hello ' || :who AS greeting",
    params: who,
  })
  await engine.addQuery({
    name: 'shout',
    datasource: 'local',
    sql: 'SELECT upper(:who) AS shouted',
    params: who,
    template: {
      type: 'liquid',
      source: '{% for row in rows %}<p class="shout">{{ row.shouted }}!</p>{% endfor %}',
    },
  })
  await engine.addQuery({
    name: 'letters',
    datasource: 'local',
    sql: 'SELECT length(:who) AS letters',
    params: who,
  })
  await engine.store.accounts.createUser({
    name: EDITOR.name,
    passwordHash: await hashPassword(EDITOR.password),
    role: 'editor',
    groups: [],
  })
  server = await startServer(engine.store, { host: '127.0.0.1', port: 0, logger: false })
  browser = await launchChromium()
  // The pages' CSPs allow no injected script: the context bypasses CSP to add axe.
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, bypassCSP: true })
  context.setDefaultTimeout(30_000)
  page = await context.newPage()
  watchDialogs(page, dialogs)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await engine?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
}, 60_000)

describe('Dashboards in the admin UI (issue 17)', () => {
  it('an editor builds a dashboard of three panels, opens it and changes the shared parameter', async () => {
    try {
      await signInThroughForm(page, server.url, EDITOR)
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboards' }).click()
      await page.getByRole('button', { name: 'Add dashboard' }).click()
      await page.getByLabel('Name', { exact: true }).fill('team')
      await page.getByLabel('Title', { exact: true }).fill('Team')
      await page.getByLabel('Parameters').fill('who=world')

      for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Add panel' }).click()
      const panel = (n: number) => page.getByRole('group', { name: new RegExp(`^Panel ${n}: `) })
      // The fourth goes again: removing works.
      await panel(4).getByRole('button', { name: 'Remove panel' }).click()
      await expect(panel(4).count()).resolves.toBe(0)

      // Panel 2: the shout query, moved up beside panel 1 (rows 3 → 0, columns 0 → 6).
      await panel(2).getByLabel('Query').selectOption('shout')
      for (let i = 0; i < 3; i++) await panel(2).getByRole('button', { name: 'Move up' }).click()
      for (let i = 0; i < 6; i++) await panel(2).getByRole('button', { name: 'Move right' }).click()
      // Panel 3: the letters query as a table, moved up under them and widened to the whole row.
      await panel(3).getByLabel('Query').selectOption('letters')
      await panel(3).getByLabel('Shown as').selectOption('table')
      for (let i = 0; i < 3; i++) await panel(3).getByRole('button', { name: 'Move up' }).click()
      for (let i = 0; i < 6; i++) await panel(3).getByRole('button', { name: 'Wider' }).click()
      await panel(3).getByRole('button', { name: 'Shorter' }).click()
      await expect(panel(2).getByLabel('Column').inputValue()).resolves.toBe('6')
      await expect(panel(3).getByLabel('Width').inputValue()).resolves.toBe('12')

      await page.getByRole('button', { name: 'Save dashboard' }).click()
      // Saved: the editor moves to the dashboard's own address, with its link and embed snippet.
      await seen(page.getByRole('heading', { name: 'Dashboard team' }))
      await seen(page.getByLabel('Embed snippet'))
      await page.screenshot({ path: join(SHOTS, 'dashboards-editor.png'), fullPage: true })
      expect(await seriousViolations(page)).toEqual([])

      const stored = await engine.store.dashboards.get('team')
      expect(stored?.definition).toMatchObject({
        params: [{ name: 'who', default: 'world' }],
        panels: [
          { id: 'greeting', query: 'greeting', x: 0, y: 0, width: 6, height: 3 },
          { id: 'greeting-2', query: 'shout', x: 6, y: 0, width: 6, height: 3 },
          {
            id: 'greeting-3',
            query: 'letters',
            template: { type: 'table' },
            x: 0,
            y: 3,
            width: 12,
            height: 2,
          },
        ],
      })

      await page.goto(`${server.url}/d/team`)
      await seen(page.getByRole('heading', { name: 'Team', level: 1 }))
      const frame = (n: number) => page.frameLocator(`.quarry-dash-panel:nth-child(${n}) iframe`)
      await seen(frame(1).getByText('hello world'))
      await seen(frame(2).getByText('WORLD!'))
      await seen(frame(3).getByRole('cell', { name: '5' }))

      await page.getByLabel('Who').fill('Ada')
      await page.getByRole('button', { name: 'Apply' }).click()
      await page.waitForURL(/\/d\/team\?who=Ada$/)
      await seen(frame(1).getByText('hello Ada'))
      await seen(frame(2).getByText('ADA!'))
      await seen(frame(3).getByRole('cell', { name: '3' }))
      await page.screenshot({ path: join(SHOTS, 'dashboards-page.png'), fullPage: true })
      expect(await seriousViolations(page)).toEqual([])
      expect(dialogs).toEqual([])
    } catch (error) {
      await page.screenshot({ path: join(SHOTS, 'dashboards-failed.png'), fullPage: true }).catch(() => {})
      throw error
    }
  }, 180_000)
})
