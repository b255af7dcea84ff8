import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import * as oauth from 'oauth4webapi'
import type { Auth } from '../../domain/datasource.js'
import { QuarryError } from '../../domain/errors.js'

type AuthorizationCodeAuth = Extract<Auth, { type: 'oauth2-authorization-code' }>

/** One consent attempt: the URL to open, and what the callback must bring back. */
export interface ConsentAttempt {
  readonly url: string
  readonly state: string
  readonly codeVerifier: string | undefined
}

/**
 * Builds the authorize URL: the datasource's authorize parameters (`prompt=consent` unless changed),
 * Atlassian's `audience` when set, scopes, the exact redirect URI, an unguessable state, and PKCE
 * (RFC 7636) when the datasource asks for it or is a public client — never for Atlassian, which does
 * not support it.
 *
 * @example const attempt = await startConsent(datasource.auth)
 */
export async function startConsent(auth: AuthorizationCodeAuth): Promise<ConsentAttempt> {
  const state = randomBytes(32).toString('base64url')
  const url = new URL(auth.authorizeUrl)
  if (auth.audience) url.searchParams.set('audience', auth.audience)
  url.searchParams.set('client_id', auth.clientId)
  url.searchParams.set('scope', auth.scopes)
  url.searchParams.set('redirect_uri', auth.redirectUri)
  url.searchParams.set('state', state)
  url.searchParams.set('response_type', 'code')
  // The schema refuses the names set above, so these only add (or say prompt's value).
  for (const [name, value] of Object.entries(auth.authorizeParams)) url.searchParams.set(name, value)
  let codeVerifier: string | undefined
  // A public client has no secret: PKCE is what binds the code to this attempt (RFC 9700 §2.1.1).
  if (auth.pkce || auth.clientAuth === 'none') {
    codeVerifier = oauth.generateRandomCodeVerifier()
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier))
    url.searchParams.set('code_challenge_method', 'S256')
  }
  return { url: url.toString(), state, codeVerifier }
}

/**
 * Checks a callback URL (from the loopback server or pasted): the state must
 * be this attempt's, an error is the provider's answer, and a code must be there.
 */
export function checkCallback(callback: URL, attempt: ConsentAttempt): void {
  const params = callback.searchParams
  const error = params.get('error')
  if (params.get('state') !== attempt.state) {
    throw new QuarryError(
      'QUARRY_OAUTH_STATE_MISMATCH',
      'The callback carries a different state than this connect attempt sent: it belongs to another attempt (or was forged). Nothing was stored; run connect again.',
    )
  }
  if (error !== null) {
    const description = params.get('error_description')
    throw new QuarryError(
      'QUARRY_OAUTH_CONSENT_DENIED',
      error === 'access_denied'
        ? `Consent was denied${description ? ` (${description})` : ''}. Nothing was stored; run connect again and choose Accept.`
        : `The provider answered ${error}${description ? `: ${description}` : ''}. Nothing was stored.`,
    )
  }
  if (!params.get('code')) {
    throw new QuarryError(
      'QUARRY_OAUTH_STATE_MISMATCH',
      'The callback has no authorization code. Nothing was stored.',
    )
  }
}

/** A redirect URI Quarry can receive itself: http on this machine. */
export function loopbackTarget(redirectUri: string): { port: number; path: string } | undefined {
  const url = new URL(redirectUri)
  if (url.protocol !== 'http:' || !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
    return undefined
  return { port: Number(url.port || 80), path: url.pathname }
}

const DONE_PAGE = `<!doctype html><meta charset="utf-8"><title>Quarry</title><body style="font-family:system-ui;margin:3rem">
<h1>You can close this tab.</h1><p>Quarry received the answer; the terminal says how it went.</p></body>`

/**
 * Listens on the redirect URI's loopback port for the one callback of this
 * attempt, until it arrives, the timeout passes, or `signal` aborts (Ctrl-C).
 */
export async function receiveCallback(
  redirectUri: string,
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal; readonly onListening?: () => void },
): Promise<URL> {
  const target = loopbackTarget(redirectUri)
  if (!target) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `The redirect URI ${redirectUri} does not point at this machine over http; use --paste to paste the redirected URL instead.`,
    )
  }
  const servers: Server[] = []
  try {
    return await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new QuarryError(
              'QUARRY_OAUTH_CALLBACK_TIMEOUT',
              `No answer came back to ${redirectUri} within ${Math.round(options.timeoutMs / 1000)} s. Nothing was stored; run connect again (or use --paste).`,
            ),
          ),
        options.timeoutMs,
      )
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer)
        reject(new QuarryError('QUARRY_OAUTH_CANCELLED', 'Connect was interrupted. Nothing was stored.'))
      })
      const handler = (req: IncomingMessage, res: ServerResponse) => {
        const url = new URL(req.url ?? '/', redirectUri)
        if (url.pathname !== target.path) {
          res.writeHead(404).end()
          return
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(DONE_PAGE)
        clearTimeout(timer)
        resolve(url)
      }
      // Both loopback addresses: "localhost" may be either in the user's browser; never all interfaces.
      let listening = 0
      for (const host of ['127.0.0.1', '::1']) {
        const server = createServer(handler)
        servers.push(server)
        server.once('error', (error: NodeJS.ErrnoException) => {
          if (host === '::1' && (error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT')) return
          clearTimeout(timer)
          reject(
            new QuarryError(
              'QUARRY_CONFIG_INVALID',
              `Cannot listen on ${host}:${target.port} for the callback (${error.code}); is another connect running? Nothing was stored.`,
            ),
          )
        })
        server.listen(target.port, host, () => {
          if (++listening === 1) options.onListening?.()
        })
      }
    })
  } finally {
    for (const server of servers) {
      server.closeAllConnections()
      server.close()
    }
  }
}
