import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src/server/auth/password.js'
import { startServer, type RunningServer } from '../../src/server/start.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { requireBrowser, launchChromium, seen, SHOTS } from '../helpers/browser.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira } from '../helpers/jira.js'
import { startTestSim } from '../helpers/sim.js'

/**
 * Where a signed-in person's CSRF token may appear (issue 10): at most once per page, only as the
 * value of the view's Refresh form field, never in an embed, a download or an anonymous visitor's
 * page — also when that page comes from the rendered-page cache a signed-in person filled. Every view
 * mode is opened in Chromium by an admin, a viewer and an anonymous visitor; the bytes the server sent
 * and the DOM the browser built are both checked. Screenshots: csrf-*.png.
 */

const PASSWORD = 'csrf test password'
const PEOPLE = [
  { name: 'ada', role: 'admin' },
  { name: 'vic', role: 'viewer' },
] as const

const CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({
    Key: issue.key, Summary: issue.fields.summary, Status: issue.fields.status.name, Url: 'https://example.com/' + issue.key,
  }))
}`

/** One query per view mode; each is public, so anonymous visitors see it too, and cached (the risky case). */
const MODES = {
  table: undefined,
  liquid: {
    type: 'liquid',
    source: '<ul>{% for row in rows %}<li>{{ row.Key }}: {{ row.Summary }}</li>{% endfor %}</ul>',
  },
  chart: { type: 'chart', mark: 'bar', x: 'Status', y: 'Key', aggregate: 'count' },
  'vega-lite': {
    type: 'vega-lite',
    spec: {
      mark: 'point',
      encoding: { x: { field: 'Status', type: 'nominal' }, y: { aggregate: 'count', type: 'quantitative' } },
    },
  },
} as const

let engine: TestEngine
let sim: RunningSimulator
let quarry: RunningServer
let browser: Browser

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  sim = await startTestSim({ issues: 120 })
  engine = await startTestEngine()
  await addSimJira(engine, sim)
  for (const [mode, template] of Object.entries(MODES)) {
    await engine.addQuery({
      name: `mode-${mode}`,
      datasource: 'jira',
      path: '/search/jql?jql=project%20%3D%20DEMO%20AND%20key%20%3C%3D%20DEMO-20%20ORDER%20BY%20key&fields=summary,status&maxResults=50',
      converter: CONVERTER,
      cacheTtlSeconds: 600,
      visibility: { public: true },
      ...(template === undefined ? {} : { template }),
    })
  }
  const passwordHash = await hashPassword(PASSWORD)
  for (const person of PEOPLE) await engine.store.accounts.createUser({ ...person, groups: [], passwordHash })
  quarry = await startServer(engine.store, { host: '127.0.0.1', port: 0, logger: false })
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await quarry?.close()
  await engine?.close()
  await sim?.close()
})

/** Signs in through the admin UI's sign-in page; answers the session's CSRF token. */
async function signIn(context: BrowserContext, name: string): Promise<string> {
  const page = await context.newPage()
  await page.goto(`${quarry.url}/admin/login`)
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await seen(page.getByRole('navigation', { name: 'Main' }))
  const session = await context.request.get(`${quarry.url}/api/session`)
  const token = ((await session.json()) as { csrfToken: string }).csrfToken
  await page.close()
  expect(token).toMatch(/^[\w-]{20,}$/)
  return token
}

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1
}

/** What the browser built: the document, its CSRF fields, and any text after `</html>`. */
interface DomSeen {
  readonly html: string
  readonly fields: readonly { readonly value: string; readonly inRefreshForm: boolean }[]
  readonly afterHtml: string
}

/** Opens a view; answers the bytes the server sent and what the DOM holds. */
async function open(page: Page, url: string) {
  const response = await page.goto(url)
  expect(response?.status(), url).toBe(200)
  await seen(page.locator('main'))
  const sent = (await response?.text()) ?? ''
  // In the page (a string: the tests are compiled without the DOM's types).
  const dom = await page.evaluate<DomSeen>(`({
    html: document.documentElement.outerHTML,
    fields: [...document.querySelectorAll('input[name="_csrf"]')].map((input) => ({
      value: input.value,
      inRefreshForm: input.form?.getAttribute('action')?.includes('/refresh') ?? false,
    })),
    afterHtml: document.documentElement.nextSibling?.textContent ?? '',
  })`)
  return { sent, dom }
}

const VIEW_URLS = Object.keys(MODES).flatMap((mode) => [`/v/mode-${mode}`, `/v/mode-${mode}?embed=1`])

describe('the CSRF token in views', () => {
  const tokens: Record<string, string> = {}

  for (const person of PEOPLE) {
    // 16 page loads and 8 screenshots in Chromium: 13–17 s with two test files at a time on 2 cores.
    it(
      `appears for ${person.role} ${person.name} once per page, only in the Refresh form, never in an embed or download`,
      { timeout: 60_000 },
      async () => {
        const context = await browser.newContext({ viewport: { width: 1100, height: 800 } })
        try {
          const token = await signIn(context, person.name)
          tokens[person.name] = token
          const page = await context.newPage()
          for (const url of VIEW_URLS) {
            const embed = url.endsWith('?embed=1')
            // Twice: rendered, then from the rendered-page cache.
            for (const visit of [1, 2]) {
              const { sent, dom } = await open(page, `${quarry.url}${url}`)
              const where = `${url} (visit ${visit})`
              expect(occurrences(sent, token), where).toBe(embed ? 0 : 1)
              expect(occurrences(dom.html, token), where).toBe(embed ? 0 : 1)
              expect(dom.afterHtml, where).toBe('')
              if (embed) expect(dom.fields, where).toEqual([])
              else expect(dom.fields, where).toEqual([{ value: token, inRefreshForm: true }])
            }
            await page.screenshot({
              path: join(SHOTS, `csrf-${person.role}-${url.slice(3).replace(/\W+/g, '-')}.png`),
            })
          }
          for (const download of ['rows.csv', 'rows.json']) {
            const response = await context.request.get(`${quarry.url}/v/mode-table/${download}`)
            expect(response.status()).toBe(200)
            expect(await response.text(), download).not.toContain(token)
          }
        } finally {
          await context.close()
        }
      },
    )
  }

  it('never appears for an anonymous visitor, though signed-in people filled the rendered-page cache', async () => {
    expect(Object.keys(tokens)).toEqual(['ada', 'vic'])
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } })
    try {
      const page = await context.newPage()
      for (const url of VIEW_URLS) {
        const { sent, dom } = await open(page, `${quarry.url}${url}`)
        for (const token of Object.values(tokens)) {
          expect(sent, url).not.toContain(token)
          expect(dom.html, url).not.toContain(token)
        }
        expect(dom.afterHtml, url).toBe('')
        // The Refresh form (not in embeds) carries an empty field for someone without a session.
        expect(
          dom.fields.every((field) => field.value === ''),
          url,
        ).toBe(true)
        await page.screenshot({
          path: join(SHOTS, `csrf-anonymous-${url.slice(3).replace(/\W+/g, '-')}.png`),
        })
      }
      for (const download of ['rows.csv', 'rows.json']) {
        const body = await (await context.request.get(`${quarry.url}/v/mode-table/${download}`)).text()
        for (const token of Object.values(tokens)) expect(body, download).not.toContain(token)
      }
    } finally {
      await context.close()
    }
  })
})
