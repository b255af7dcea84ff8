import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import { beforeEach } from 'vitest'

/** Debian's Chromium: playwright-core drives it (it cannot download a browser here). */
export const CHROMIUM = '/usr/bin/chromium'
/** Where the browser tests put their screenshots. */
export const SHOTS = 'test-results/browser'
const WEB_INDEX = new URL('../../dist/web/index.html', import.meta.url)

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

/**
 * What this machine lacks for a browser test, if anything. `adminUi`: the test needs the built admin
 * UI (dist/web, made by `npm run build`).
 */
function browserMissing(options: { adminUi: boolean }): string | undefined {
  if (!existsSync(CHROMIUM))
    return `The browser tests drive Debian's Chromium at ${CHROMIUM}, which is missing: apt-get install -y chromium`
  if (options.adminUi && !existsSync(WEB_INDEX))
    return 'The admin UI is not built (dist/web is missing): run npm run build first'
  return undefined
}

/**
 * Throws, naming what is missing, when this machine cannot run a browser test: call it first in each
 * browser test file's `beforeAll`, so every test of the file fails loudly (never a skip, never a
 * silent return: issue 11).
 *
 * @example beforeAll(async () => { requireBrowser({ adminUi: true }); browser = await launchChromium() })
 */
export function requireBrowser(options: { adminUi: boolean }): void {
  const lacking = browserMissing(options)
  if (lacking !== undefined) throw new Error(lacking)
}

/** Waits until the locator is visible, then gives it back. */
export async function seen(locator: Locator): Promise<Locator> {
  await locator.waitFor({ state: 'visible' })
  return locator
}

/**
 * Clicks `locator` after scrolling it into view and letting the page draw twice. Chromium keeps a
 * sandboxed iframe (a template preview, a dashboard panel) in a process of its own and routes a mouse
 * event by where frames were last drawn: a click sent at once after a scroll went nowhere, no event
 * reaching the page (editor-first-session, right after a preview's frame loaded: 6 of 8 runs). A
 * person's click cannot come that soon after the scroll that showed the button.
 */
export async function clickDrawn(locator: Locator): Promise<void> {
  await locator.scrollIntoViewIfNeeded()
  await locator
    .page()
    .evaluate('new Promise((drawn) => requestAnimationFrame(() => requestAnimationFrame(drawn)))')
  await locator.click()
}

export async function text(locator: Locator): Promise<string> {
  return ((await (await seen(locator)).textContent()) ?? '').trim()
}

/** Collects (and dismisses) every alert/confirm/prompt the page raises: none is expected. */
export function watchDialogs(page: Page, into: string[]): void {
  page.on('dialog', (dialog) => {
    into.push(dialog.message())
    void dialog.dismiss()
  })
}

/**
 * For a walkthrough whose steps build on each other (call inside its describe; the file's beforeAll
 * calls requireBrowser): after a failure, a screenshot of the page then in front is saved
 * as SHOTS/`failedShot`, and the later steps fail at once, naming the step that failed.
 */
export function stepByStep(inFront: () => Page | undefined, failedShot: string): void {
  let failed: string | undefined
  beforeEach(({ task, onTestFailed }) => {
    if (failed !== undefined) throw new Error(`Not run: the earlier step "${failed}" failed`)
    onTestFailed(async () => {
      failed = task.name
      await inFront()
        ?.screenshot({ path: join(SHOTS, failedShot), fullPage: true })
        .catch(() => undefined)
    })
  })
}

/**
 * Signs `user` in through the admin UI's sign-in form at `baseUrl`, and waits until the signed-in
 * header shows their name.
 */
export async function signInThroughForm(
  page: Page,
  baseUrl: string,
  user: { readonly name: string; readonly password: string },
): Promise<void> {
  await page.goto(`${baseUrl}/admin/login`)
  await page.getByLabel('Name').fill(user.name)
  await page.getByLabel('Password').fill(user.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await seen(page.locator('.user-name'))
}
