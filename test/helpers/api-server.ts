import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A small local API for engine tests of what the Atlassian simulator does not
 * cover: other auth kinds, other pagination rules, XML, HTML, redirects and
 * flaky answers. Every request is recorded (method, URL, headers) so a test can
 * check what was sent.
 */
export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

export interface ApiServer {
  readonly url: string
  readonly requests: Recorded[]
  /** How many times each path was asked for. */
  readonly hits: Map<string, number>
  close(): Promise<void>
}

const ITEMS = Array.from({ length: 103 }, (_, i) => ({ id: i + 1, name: `item ${i + 1}` }))
export const ITEM_COUNT = ITEMS.length

function json(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  })
  res.end(body)
}

export async function startApiServer(options: { redirectTarget?: string } = {}): Promise<ApiServer> {
  const requests: Recorded[] = []
  const hits = new Map<string, number>()
  let issuedTokens = 0
  const server = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    const url = new URL(req.url ?? '/', 'http://local')
    requests.push({ method: req.method ?? 'GET', url: url.pathname + url.search, headers: req.headers, body })
    const hit = (hits.get(url.pathname) ?? 0) + 1
    hits.set(url.pathname, hit)
    const q = url.searchParams
    switch (url.pathname) {
      case '/echo':
        return json(res, 200, {
          method: req.method,
          query: Object.fromEntries(q),
          headers: req.headers,
          body,
        })
      case '/offset': {
        const start = Number(q.get('startAt') ?? 0)
        const size = Math.min(Number(q.get('maxResults') ?? 50), 25) // the server caps page size
        return json(res, 200, {
          startAt: start,
          maxResults: size,
          total: ITEMS.length,
          values: ITEMS.slice(start, start + size),
        })
      }
      case '/pages': {
        const page = Number(q.get('page') ?? 1)
        const size = Number(q.get('size') ?? 10)
        return json(res, 200, { items: ITEMS.slice((page - 1) * size, page * size) })
      }
      case '/cursor': {
        const at = Number(q.get('cursor') ?? 0)
        const next = at + 20 < ITEMS.length ? String(at + 20) : null
        return json(res, 200, { data: ITEMS.slice(at, at + 20), paging: { next } })
      }
      case '/linked': {
        const page = Number(q.get('page') ?? 1)
        const links: Record<string, string> =
          page * 30 < ITEMS.length
            ? { link: `</linked?page=${page + 1}>; rel="next", </linked?page=4>; rel="last"` }
            : {}
        return json(res, 200, ITEMS.slice((page - 1) * 30, page * 30), links)
      }
      case '/same-cursor':
        return json(res, 200, { data: [{ id: hit }], paging: { next: 'again' } })
      case '/xml':
        res.writeHead(200, { 'content-type': 'application/xml' })
        return res.end(
          '<?xml version="1.0"?><issues><issue id="1"><key>A-1</key></issue><issue id="2"><key>A-2</key></issue></issues>',
        )
      case '/html':
        res.writeHead(200, { 'content-type': 'text/html' })
        return res.end('<html><body><h1>Sign in</h1><p>Your session expired.</p></body></html>')
      case '/flaky':
        // Rate limited twice, with Retry-After: 0 (which still means: wait), then fine.
        if (hit <= 2) return json(res, 429, { message: 'slow down' }, { 'retry-after': '0' })
        return json(res, 200, { ok: true, attempts: hit })
      case '/always-429':
        return json(res, 429, { message: 'slow down' }, { 'retry-after': '1' })
      case '/echo-error':
        // Some APIs echo the request in their errors: credentials must not reach the user that way.
        return json(res, 400, { message: `bad request with ${req.headers.authorization ?? 'nothing'}` })
      case '/server-error':
        return json(res, 500, { errorMessages: ['Something broke upstream.'] })
      case '/redirect-out':
        res.writeHead(302, { location: `${options.redirectTarget ?? ''}/echo` })
        return res.end()
      case '/redirect-home':
        res.writeHead(302, { location: '/echo' })
        return res.end()
      case '/slow':
        // Answers after 3 s: longer than a 1 s datasource timeout.
        await new Promise((resolve) => setTimeout(resolve, 3000))
        return json(res, 200, [])
      case '/huge':
        return json(res, 200, { data: 'x'.repeat(200_000) })
      case '/token': {
        // OAuth 2.0 client credentials (RFC 6749 §4.4) with HTTP Basic client authentication.
        // RFC 6749 §2.3.1: id and secret are form-urlencoded inside the Basic credentials.
        const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
          .toString()
          .split(':')
          .map((part) => decodeURIComponent(part.replace(/\+/g, ' ')))
          .join(':')
        const form = new URLSearchParams(body)
        if (basic !== 'cc-client:cc-secret' || form.get('grant_type') !== 'client_credentials')
          return json(res, 401, { error: 'invalid_client', error_description: 'bad client credentials' })

        issuedTokens++
        return json(res, 200, {
          access_token: `cc-token-${issuedTokens}`,
          token_type: 'Bearer',
          expires_in: 3600,
        })
      }
      case '/cc-protected':
        if (!/^Bearer cc-token-\d+$/.test(req.headers.authorization ?? ''))
          return json(res, 401, { message: 'no token' })
        return json(res, 200, [{ token: req.headers.authorization }])
      default:
        return json(res, 404, { message: 'not found' })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
