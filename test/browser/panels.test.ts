import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../src/server/start.js'
import { launchChromium, requireBrowser, seen, SHOTS } from '../helpers/browser.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addPanelQueries, PANEL_TEMPLATES, type PanelName } from '../helpers/panel-data.js'

/**
 * Issue 17's panels in Debian's Chromium against the real server: every kind renders (a screenshot
 * each, under the browser tests' output folder), axe-core finds no serious or critical violation,
 * and the formatted table pages and sorts in the browser without a request per page.
 *
 * The context bypasses the page's CSP only to add axe (as accessibility.test.ts does).
 */

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const STEP_MS = 60_000

let dir: string
let engine: TestEngine
let server: RunningServer
let browser: Browser
let context: BrowserContext
let page: Page

async function seriousViolations(on: Page): Promise<string[]> {
  await on.addScriptTag({ path: AXE })
  const violations = await on.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe
    return (await axe.run()).violations as {
      id: string
      impact: string | null
      nodes: { target: unknown }[]
    }[]
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`)
}

beforeAll(async () => {
  requireBrowser({ adminUi: false })
  mkdirSync(SHOTS, { recursive: true })
  dir = mkdtempSync(join(tmpdir(), 'quarry-browser-panels-'))
  engine = await startTestEngine()
  await addPanelQueries(engine, dir)
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

describe('each panel kind in a browser', () => {
  it(
    'a stat: its value large, in its threshold colour',
    async () => {
      await page.goto(`${server.url}/v/panel-stat`)
      const value = await seen(page.locator('.quarry-stat-value'))
      expect(await value.textContent()).toBe('174')
      // amber's text colour from the view stylesheet: the class took effect under the CSP.
      const color = await value.evaluate((node) => {
        const { getComputedStyle } = globalThis as unknown as {
          getComputedStyle(n: unknown): { color: string }
        }
        return getComputedStyle(node).color
      })
      expect(color).toBe('rgb(138, 83, 0)')
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: join(SHOTS, 'panels-stat.png'), fullPage: true })
    },
    STEP_MS,
  )

  it.each(['bar', 'line', 'area', 'pie', 'donut'] satisfies PanelName[])(
    'a %s chart: one named image, and axe is content',
    async (name) => {
      await page.goto(`${server.url}/v/panel-${name}`)
      const chart = await seen(page.locator('.quarry-chart svg[role="img"]'))
      expect(await chart.getAttribute('aria-label')).toMatch(/chart/i)
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: join(SHOTS, `panels-${name}.png`), fullPage: true })
    },
    STEP_MS,
  )

  it(
    'a formatted table pages with its own page size, asking the server nothing per page',
    async () => {
      await page.goto(`${server.url}/v/panel-table`)
      const pager = page.getByRole('navigation', { name: 'Table pages' })
      await seen(pager)
      const where = pager.locator('output')
      expect(await where.textContent()).toBe('Rows 1–10 of 30')
      expect(await page.locator('.quarry-table tbody tr:not([hidden])').count()).toBe(10)
      const requests: string[] = []
      page.on('request', (request) => requests.push(request.url()))
      await page.getByRole('button', { name: 'Next page' }).click()
      expect(await where.textContent()).toBe('Rows 11–20 of 30')
      await page.getByRole('button', { name: 'Next page' }).click()
      expect(await where.textContent()).toBe('Rows 21–30 of 30')
      expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true)
      await page.getByRole('button', { name: 'Previous page' }).click()
      expect(await where.textContent()).toBe('Rows 11–20 of 30')
      expect(requests).toEqual([])
      page.removeAllListeners('request')
    },
    STEP_MS,
  )

  it(
    'a formatted table sorts a date column by time and a duration by its seconds, not by its text',
    async () => {
      await page.goto(`${server.url}/v/panel-table`)
      const sortBy = (label: string) => page.getByRole('button', { name: label, exact: true }).click()
      const firstCell = (index: number) =>
        page.locator(`.quarry-table tbody tr:not([hidden]) td:nth-child(${index})`).first().textContent()
      await sortBy('Created')
      await sortBy('Created')
      // Descending by time (the cell's data-sort); the text shown is the pattern's, in Berlin time.
      expect(await firstCell(3)).toBe('30 Jan 2026 07:30')
      await sortBy('Time spent')
      // Ascending by seconds: 30m 7s (1,807 s) before 1h 0m 7s; by text "10h…" would come first.
      expect(await firstCell(5)).toBe('30m 7s')
      const keys = await page.locator('.quarry-table tbody tr td:nth-child(1)').allTextContents()
      expect(keys.slice(0, 3)).toEqual(['QA-1', 'QA-2', 'QA-3'])
    },
    STEP_MS,
  )

  it(
    'a formatted table: lozenges, links that open the Jira site, javascript: left as text; axe is content',
    async () => {
      await page.goto(`${server.url}/v/panel-table`)
      await seen(page.locator('.quarry-lozenge').first())
      expect(await page.getByRole('link', { name: 'QA-1', exact: true }).getAttribute('href')).toBe(
        'https://acme.atlassian.net/browse/QA-1',
      )
      expect(await page.getByRole('link', { name: 'Open QA-5' }).count()).toBe(0)
      expect(await page.getByText('Open QA-5').count()).toBe(1)
      expect(await page.locator('a[href^="javascript"]').count()).toBe(0)
      expect(await page.getByText('<script>alert(1)</script>').count()).toBe(1)
      expect(PANEL_TEMPLATES.table.pageSize).toBe(10)
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: join(SHOTS, 'panels-table.png'), fullPage: true })
    },
    STEP_MS,
  )

  it(
    'a stat embedded: the same value, and axe is content',
    async () => {
      await page.goto(`${server.url}/v/panel-stat?embed=1`)
      expect(await (await seen(page.locator('.quarry-stat-value'))).textContent()).toBe('174')
      expect(await seriousViolations(page)).toEqual([])
      await page.screenshot({ path: join(SHOTS, 'panels-stat-embed.png'), fullPage: true })
    },
    STEP_MS,
  )
})
