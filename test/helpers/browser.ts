import { existsSync } from 'node:fs'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'

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
 * What this machine lacks for a browser test, if anything: the test then fails saying so (never a
 * skip). `adminUi`: the test needs the built admin UI (dist/web, made by `npm run build`).
 */
export function browserMissing(options: { adminUi: boolean }): string | undefined {
  if (!existsSync(CHROMIUM))
    return `The browser tests drive Debian's Chromium at ${CHROMIUM}: apt-get install -y chromium`
  if (options.adminUi && !existsSync(WEB_INDEX))
    return 'The admin UI is not built (dist/web is missing): run npm run build first'
  return undefined
}

/** Waits until the locator is visible, then gives it back. */
export async function seen(locator: Locator): Promise<Locator> {
  await locator.waitFor({ state: 'visible' })
  return locator
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
