import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline/promises'
import { checkCallback, receiveCallback, startConsent } from '../auth/oauth/consent.js'
import { authorizationCodeGrant, type TokenSet } from '../auth/oauth/token-client.js'
import { jiraBaseUrl } from '../auth/presets/jira-cloud.js'
import { splitSecrets, type RestDatasource } from '../domain/datasource.js'
import { QuarryError, isQuarryError } from '../domain/errors.js'
import { loadRestDatasource } from '../engine.js'
import { withStore, type StoreFlags } from './context.js'
import { parseDuration } from './flags.js'

interface ConnectFlags {
  readonly browser: boolean
  readonly paste?: boolean
  readonly site?: string
  readonly timeout: string
}

interface Site {
  readonly id: string
  readonly name: string
  readonly url: string
  readonly scopes?: readonly string[]
}

/** Opens a URL in the user's browser when the platform has a way to; says so when it does not. */
function openBrowser(url: string): boolean {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true })
    child.on('error', () => undefined)
    child.unref()
    return true
  } catch {
    return false
  }
}

async function readPastedUrl(): Promise<URL> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const line = (await rl.question('Paste the full URL your browser was redirected to: ')).trim()
    try {
      return new URL(line)
    } catch {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        'That is not a URL; copy the whole address from the browser. Nothing was stored.',
      )
    }
  } finally {
    rl.close()
  }
}

/** Jira Cloud: the sites the grant covers (order is not stable: sort for a stable choice and display). */
async function accessibleSites(apiUrl: string, accessToken: string): Promise<Site[]> {
  const url = `${apiUrl}/oauth/token/accessible-resources`
  let response: Response
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    })
  } catch (error) {
    throw new QuarryError(
      'QUARRY_UPSTREAM_NETWORK',
      `${url} could not be reached: ${(error as Error).message}. Nothing was stored.`,
    )
  }
  if (!response.ok)
    throw new QuarryError('QUARRY_UPSTREAM_STATUS', `${url} answered ${response.status}. Nothing was stored.`)

  const sites = (await response.json()) as Site[]
  return [...sites].sort((a, b) => a.name.localeCompare(b.name))
}

function chooseSite(sites: readonly Site[], wanted: string | undefined, datasource: string): Site {
  if (sites.length === 0) {
    throw new QuarryError(
      'QUARRY_SITE_CHOICE',
      'The consent covers no Jira site. Nothing was stored; connect again and pick a site.',
    )
  }
  if (wanted !== undefined) {
    const want = wanted.toLowerCase().replace(/\/+$/, '')
    const site = sites.find((s) =>
      [s.id, s.name, s.url, s.url.replace(/^https?:\/\//, '')].some((v) => v.toLowerCase() === want),
    )
    if (!site) {
      throw new QuarryError(
        'QUARRY_SITE_CHOICE',
        `No site "${wanted}" in this grant; it covers ${sites.map((s) => s.name).join(', ')}.`,
      )
    }
    return site
  }
  if (sites.length === 1) return sites[0] as Site
  throw new QuarryError(
    'QUARRY_SITE_CHOICE',
    `The grant covers several sites: ${sites.map((s) => `${s.name} (${s.url})`).join(', ')}. Choose one: quarry connect ${datasource} --site NAME`,
  )
}

export async function connect(name: string, flags: ConnectFlags, global: StoreFlags): Promise<void> {
  const timeoutMs = parseDuration('--timeout', flags.timeout) * 1000
  await withStore(global, async (store) => {
    const datasource = await loadRestDatasource(store, name, 'quarry connect')
    const { auth } = datasource
    if (auth.type !== 'oauth2-authorization-code') {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        `Datasource "${name}" uses ${auth.type}; connect is for oauth2-authorization-code.`,
      )
    }
    const attempt = await startConsent(auth)
    let callback: URL
    if (flags.paste) {
      console.log(`Open this URL, consent, then copy the address you land on:\n\n  ${attempt.url}\n`)
      callback = await readPastedUrl()
    } else {
      const abort = new AbortController()
      const onSigint = () => abort.abort()
      process.once('SIGINT', onSigint)
      try {
        callback = await receiveCallback(auth.redirectUri, {
          timeoutMs,
          signal: abort.signal,
          onListening: () => {
            const opened = flags.browser && openBrowser(attempt.url)
            console.log(
              `${opened ? 'Opened your browser at' : 'Open this URL to consent'}:\n\n  ${attempt.url}\n\nWaiting for the answer on ${auth.redirectUri} …`,
            )
          },
        })
      } finally {
        process.off('SIGINT', onSigint)
      }
    }
    checkCallback(callback, attempt)
    const endpoint = {
      tokenUrl: auth.tokenUrl,
      clientId: auth.clientId,
      clientSecret: auth.clientSecret,
      clientAuth: auth.clientAuth,
    }
    const tokens: TokenSet = await authorizationCodeGrant(
      endpoint,
      callback,
      auth.redirectUri,
      attempt.codeVerifier,
    ).catch((error: unknown) => {
      if (!isQuarryError(error, 'QUARRY_OAUTH_INVALID_GRANT')) throw error
      throw new QuarryError(
        'QUARRY_OAUTH_INVALID_GRANT',
        `${error.message} The code has expired (they live 10 minutes) or was used already. Nothing was stored; run quarry connect ${name} again.`,
        { cause: error },
      )
    })
    if (!tokens.refreshToken) {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        `The provider sent no refresh token, so the connection would die with the access token. Add offline_access to the scopes (quarry datasource edit ${name} --scope "… offline_access") and connect again. Nothing was stored.`,
      )
    }
    let next: RestDatasource = datasource
    let where = ''
    if (datasource.preset) {
      const site = chooseSite(
        await accessibleSites(datasource.preset.apiUrl, tokens.accessToken),
        flags.site,
        name,
      )
      next = {
        ...datasource,
        baseUrl: jiraBaseUrl(datasource.preset.apiUrl, site.id, datasource.preset.apiVersion),
        preset: { ...datasource.preset, site: { id: site.id, name: site.name, url: site.url } },
      }
      where = ` to ${site.name} (${site.url})`
    }
    // Everything checked: now store, the datasource and then its tokens (under the lock, like a refresh).
    const { config, secrets } = splitSecrets(next)
    await store.datasources.update(name, { config, secrets })
    const now = new Date()
    await store.connections.withLock(name, (_current, save) =>
      save({
        tokens: { access_token: tokens.accessToken, refresh_token: tokens.refreshToken as string },
        accessExpiresAt:
          tokens.expiresIn === undefined ? null : new Date(now.getTime() + tokens.expiresIn * 1000),
        status: 'connected',
        statusMessage: null,
        scope: tokens.scope ?? auth.scopes,
        site: next.preset?.site ?? null,
        lastRefreshAt: now,
        lastUsedAt: now,
      }),
    )
    console.log(`Connected "${name}"${where} with scopes ${tokens.scope ?? auth.scopes}.`)
  })
}
