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
  watchDialogs,
} from '../helpers/browser.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import type { RunningOidcProvider } from '../helpers/oidc-provider.js'
import { GOOGLE_CLIENT, startGoogleLike } from '../helpers/provider-shapes.js'

/**
 * Issue 14 in the admin UI, in Chromium against the real server and a certified OpenID provider
 * shaped like Google (test/helpers/provider-shapes.ts): the Google quick form, its provider hosts
 * pointed at that provider, saves a datasource that Connect takes through the provider and back to
 * the server's callback, and its ready-made query runs; the datasource form offers every token
 * endpoint authentication method, and a private_key_jwt key is kept as a secret.
 * Screenshots: test-results/browser/oauthforms-*.png.
 */

const ADMIN = { name: 'admin', password: 'admin password 1' }
/** A private JWK as an admin pastes it (only stored and masked here: issuer.test.ts signs with one). */
const PRIVATE_JWK = JSON.stringify({ kty: 'EC', crv: 'P-256', kid: 'k1', x: 'x', y: 'y', d: 'd' })

let engine: TestEngine
let idp: RunningOidcProvider
let server: RunningServer
let browser: Browser
let page: Page
const dialogs: string[] = []

beforeAll(async () => {
  requireBrowser({ adminUi: true })
  mkdirSync(SHOTS, { recursive: true })
  for (const file of readdirSync(SHOTS)) if (file.startsWith('oauthforms-')) rmSync(join(SHOTS, file))
  engine = await startTestEngine()
  await engine.store.accounts.createUser({
    name: ADMIN.name,
    passwordHash: await hashPassword(ADMIN.password),
    role: 'admin',
    groups: [],
  })
  server = await startServer(engine.store, { host: '127.0.0.1', port: 0, logger: false })
  idp = await startGoogleLike([`${server.url}/api/oauth/callback`])
  browser = await launchChromium()
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  context.setDefaultTimeout(30_000)
  page = await context.newPage()
  watchDialogs(page, dialogs)
  await signInThroughForm(page, server.url, ADMIN)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await idp?.close()
  await engine?.close()
}, 60_000)

async function failing(shot: string, error: unknown): Promise<never> {
  await page?.screenshot({ path: join(SHOTS, shot), fullPage: true }).catch(() => undefined)
  throw error
}

describe('OAuth providers in the admin UI (issue 14)', () => {
  it('Google’s quick form with its provider hosts: Connect goes through the provider and back, and the query runs', async () => {
    try {
      await page.goto(`${server.url}/admin/datasources/presets/google`)
      const form = page.getByRole('form', { name: 'Google' })
      await form.getByLabel('Name', { exact: true }).fill('cal')
      await form.getByLabel('Client ID').fill(GOOGLE_CLIENT.id)
      await form.getByLabel('Client secret').fill(GOOGLE_CLIENT.secret)
      await form.getByText('Provider hosts', { exact: true }).click()
      await form.getByLabel('Authorization server URL').fill(idp.issuer)
      await form.getByLabel('API URL').fill(idp.resourceUrl)
      await page.screenshot({ path: join(SHOTS, 'oauthforms-google-preset.png') })
      await form.getByRole('button', { name: 'Save', exact: true }).click()
      await seen(page.getByRole('heading', { name: 'Datasource cal' }))
      const stored = (await engine.store.datasources.get('cal'))?.config as {
        baseUrl: string
        auth: { issuer: string; redirectUri: string }
      }
      expect(stored).toMatchObject({
        baseUrl: idp.resourceUrl,
        auth: { issuer: idp.issuer, redirectUri: `${server.url}/api/oauth/callback` },
      })
      await page
        .getByRole('region', { name: 'Connection' })
        .getByRole('button', { name: 'Connect', exact: true })
        .click()
      // The provider (no login page: it consents as its one account) redirects to the server's callback.
      await seen(page.getByRole('status').filter({ hasText: 'Connected.' }))
      expect(new URL(page.url()).pathname).toBe('/admin/datasources/cal')
      await seen(page.getByRole('region', { name: 'Connection' }).getByText('connected ·'))
      await page.screenshot({ path: join(SHOTS, 'oauthforms-google-connected.png') })
      // The ready-made query's view, run with the access token the consent brought (two pages of events).
      await page.goto(`${server.url}/v/cal-events`)
      for (const summary of ['Meeting 1', 'Meeting 2', 'Meeting 3'])
        await seen(page.getByRole('cell', { name: summary, exact: true }))
      expect(dialogs).toEqual([])
    } catch (error) {
      await failing('oauthforms-google-failed.png', error)
    }
  }, 120_000)

  it('offers every token endpoint authentication method, and keeps a private_key_jwt key as a secret', async () => {
    try {
      await page.goto(`${server.url}/admin/datasources/new`)
      const form = page.getByRole('form', { name: 'Datasource' })
      await form.getByLabel('Name', { exact: true }).fill('jwt-app')
      await form.getByLabel('Base URL').fill(idp.resourceUrl)
      await form.getByLabel('Auth type').selectOption('oauth2-authorization-code')
      await form.getByLabel('Token URL').fill(`${idp.issuer}/token`)
      await form.getByLabel('Authorize URL').fill(`${idp.issuer}/o/oauth2/v2/auth`)
      await form.getByLabel('Redirect URI').fill(`${server.url}/api/oauth/callback`)
      await form.getByLabel('Client ID').fill('jwt-app')
      await form.getByLabel('Scopes').fill('openid email')
      const method = form.getByLabel('Client authentication')
      expect(await method.locator('option').allTextContents()).toEqual([
        'HTTP Basic (client_secret_basic)',
        'In the request body (client_secret_post)',
        'None: a public client, with PKCE (none)',
        "A JWT signed with the client's private key (private_key_jwt)",
      ])
      await method.selectOption('private-key-jwt')
      await form.getByLabel('Client private key').fill(PRIVATE_JWK)
      expect(await form.getByLabel('Authorize parameters').inputValue()).toBe('prompt=consent')
      await form.getByLabel('Authorize parameters').fill('prompt=consent\naccess_type=offline')
      await page.screenshot({ path: join(SHOTS, 'oauthforms-client-auth.png') })
      await form.getByRole('button', { name: 'Save', exact: true }).click()
      await seen(page.getByRole('heading', { name: 'Datasource jwt-app' }))
      const stored = await engine.store.datasources.get('jwt-app')
      const auth = (stored?.config as { auth: Record<string, unknown> }).auth
      expect(auth).toMatchObject({
        clientAuth: 'private-key-jwt',
        authorizeParams: { prompt: 'consent', access_type: 'offline' },
      })
      // The key is a secret: not in the stored config, and never sent back to the page.
      expect(JSON.stringify(stored?.config)).not.toContain('"d":"d"')
      await page.reload()
      const reloaded = page.getByRole('form', { name: 'Datasource' })
      await seen(reloaded.getByLabel('Client private key'))
      expect(await reloaded.getByLabel('Client authentication').inputValue()).toBe('private-key-jwt')
      expect(await reloaded.getByLabel('Client private key').inputValue()).not.toContain('"d"')
      expect(dialogs).toEqual([])
    } catch (error) {
      await failing('oauthforms-client-auth-failed.png', error)
    }
  }, 120_000)
})
