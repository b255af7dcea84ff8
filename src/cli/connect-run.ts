import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline/promises'
import { receiveCallback, startConsent } from '../auth/oauth/consent.js'
import { ensureDiscovered } from '../auth/oauth/discovery.js'
import { finishConsent } from '../auth/oauth/finish-consent.js'
import { QuarryError } from '../domain/errors.js'
import { loadRestDatasource } from '../engine/index.js'
import { CALLBACK_PATH } from '../server/context.js'
import { withStore, type StoreFlags } from './context.js'
import { parseDuration } from './flags.js'

interface ConnectFlags {
  readonly browser: boolean
  readonly paste?: boolean
  readonly publicUrl?: string
  readonly site?: string
  readonly timeout: string
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

/**
 * The admin UI page with the Connect button, for a datasource whose callback is a Quarry server's
 * (or any, given `--public-url`); undefined when `quarry connect` receives the callback itself.
 *
 * @example connectPage('jira', 'https://q.example.com/api/oauth/callback') // 'https://q.example.com/admin/datasources/jira'
 */
export function connectPage(name: string, redirectUri: string, publicUrl?: string): string | undefined {
  const page = (origin: string) =>
    `${origin.replace(/\/+$/, '')}/admin/datasources/${encodeURIComponent(name)}`
  if (publicUrl) return page(publicUrl)
  const callback = URL.canParse(redirectUri) ? new URL(redirectUri) : undefined
  return callback?.pathname === CALLBACK_PATH ? page(callback.origin) : undefined
}

export async function connect(name: string, flags: ConnectFlags, global: StoreFlags): Promise<void> {
  const timeoutMs = parseDuration('--timeout', flags.timeout) * 1000
  await withStore(global, async (store) => {
    const datasource = await ensureDiscovered(store, await loadRestDatasource(store, name, 'quarry connect'))
    const { auth } = datasource
    if (auth.type !== 'oauth2-authorization-code') {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        `Datasource "${name}" uses ${auth.type}; connect is for oauth2-authorization-code.`,
      )
    }
    const serverPage = connectPage(name, auth.redirectUri, flags.publicUrl)
    if (serverPage !== undefined && !flags.paste) {
      // The server's callback is the server's to receive: a second listener on its port would fail
      // (EADDRINUSE), or, with the server stopped, take an answer meant for it.
      console.log(
        `Datasource "${name}" is connected through the Quarry server (its callback is ${auth.redirectUri}).\n` +
          `Open its page and press Connect:\n\n  ${serverPage}\n`,
      )
      return
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
    const { where, scope } = await finishConsent(store, datasource, {
      callback,
      attempt,
      wantedSite: flags.site,
    })
    console.log(`Connected "${name}"${where} with scopes ${scope}.`)
  })
}
