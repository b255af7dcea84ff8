import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RunningOidcProvider } from './oidc-provider.js'

/**
 * A real HTTP front for `oidc-provider` (test/helpers/oidc-provider.ts) that gives it another
 * provider's face where oidc-provider cannot be configured to have it: that provider's paths (the
 * authorize path redirects to the provider's, as a load balancer would), and its token endpoint's
 * answers rewritten exactly as that provider documents them (e.g. GitHub's errors as HTTP 200 bodies).
 * The grant itself — codes, tokens, rotation, refusals — is oidc-provider's.
 */

/** The token endpoint's answer as oidc-provider gave it, and what the client asked. */
export interface TokenAnswer {
  readonly status: number
  readonly body: Record<string, unknown>
  /** `authorization_code` or `refresh_token`. */
  readonly grantType: string
  /** The request's Accept header. */
  readonly accept: string
}

/** What the front sends instead: a status, a body (an object is JSON, a string is sent as is) and its type. */
export interface FrontAnswer {
  readonly status: number
  readonly body: Record<string, unknown> | string
  readonly contentType?: string
}

export interface ProviderFrontOptions {
  /** The front's authorize path (redirects to the provider's /auth). */
  readonly authorizePath: string
  /** The front's token path (forwarded to the provider's /token). */
  readonly tokenPath: string
  /** The provider's own token answer → the one this provider documents. */
  readonly rewrite: (answer: TokenAnswer) => FrontAnswer
}

export interface RunningFront {
  /** The front's origin: the preset's auth URL. */
  readonly url: string
  /** Token requests seen, by grant type. */
  readonly tokenRequests: () => readonly string[]
  close(): Promise<void>
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (text += chunk))
    req.on('end', () => resolve(text))
    req.on('error', reject)
  })
}

export async function startProviderFront(
  idp: RunningOidcProvider,
  options: ProviderFrontOptions,
): Promise<RunningFront> {
  const issuer = idp.issuer.replace(/\/$/, '')
  const seen: string[] = []
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://front.invalid')
      if (req.method === 'GET' && url.pathname === options.authorizePath) {
        res.writeHead(302, { location: `${issuer}/auth${url.search}` }).end()
        return
      }
      if (req.method === 'POST' && url.pathname === options.tokenPath) {
        const body = await readBody(req)
        const grantType = new URLSearchParams(body).get('grant_type') ?? ''
        seen.push(grantType)
        const forwarded = await fetch(`${issuer}/token`, {
          method: 'POST',
          body,
          headers: {
            'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded',
            accept: 'application/json',
            ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          },
        })
        const answer = options.rewrite({
          status: forwarded.status,
          body: (await forwarded.json()) as Record<string, unknown>,
          grantType,
          accept: req.headers.accept ?? '',
        })
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)
        res
          .writeHead(answer.status, {
            'content-type': answer.contentType ?? 'application/json; charset=utf-8',
          })
          .end(text)
        return
      }
      res.writeHead(404).end()
    })().catch((error: unknown) => res.writeHead(500).end(String(error)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tokenRequests: () => [...seen],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
