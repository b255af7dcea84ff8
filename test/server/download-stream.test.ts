import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { closeSqlPools } from '../../src/engine/index.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'
import { xlsxPart } from '../helpers/xlsx.js'

/**
 * Issue 16: the view's downloads stream. The real app listens on a loopback port over a real store;
 * a paged upstream on another port holds its later pages back until the client has the download's
 * first bytes, so a route that collected the rows first never gets them (and the test fails) — the
 * order of events proves the streaming, not a clock. A failure before the first byte is the usual
 * JSON error; one after it aborts the response. Memory: test/server/download-memory.test.ts.
 */

const PAGES = 12
const PAGE_ROWS = 1000
/** Pages the upstream answers at once; the later ones wait for the client's first bytes. */
const FREE_PAGES = 3
const FORMATS = ['csv', 'ndjson', 'json', 'xlsx'] as const

let server: TestServer
let upstream: Upstream
let base: string
let viewer: Browser
/** What happened, in order: `page N` (the upstream was asked for it), `first bytes`. */
let events: string[]
let firstBytes: () => void
let clientHasBytes: Promise<void>
/** The page the upstream fails (a 404), if any. */
let failingPage: number | undefined
/** The page the upstream never answers, if any: `page N abandoned` is noted when its asker hangs up. */
let heldPage: number | undefined

function resetEvents(): void {
  events = []
  clientHasBytes = new Promise((resolve) => (firstBytes = resolve))
}

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'))
    events.push(`page ${page}`)
    const answer = () => {
      if (page === failingPage) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"gone"}')
        return
      }
      const items =
        page > PAGES
          ? []
          : Array.from({ length: PAGE_ROWS }, (_, i) => {
              const n = (page - 1) * PAGE_ROWS + i + 1
              return { key: `DEMO-${n}`, summary: `Issue ${n} about the login page`, points: n / 2 }
            })
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items }))
    }
    if (page === heldPage) {
      res.on('close', () => events.push(`page ${page} abandoned`))
      return
    }
    // A page past the free ones waits for the client's first bytes: a collecting route would never
    // send them, and the download fails on the test's timeout instead of passing.
    if (page <= FREE_PAGES) answer()
    else void clientHasBytes.then(answer)
  })
  server = await startTestServer()
  await server.engine.addDatasource({ name: 'paged', type: 'rest', baseUrl: upstream.url })
  const query = {
    datasource: 'paged',
    path: '/issues',
    pagination: { type: 'page-number' as const, pageParam: 'page', firstPage: 1, itemsPath: 'items' },
    maxPages: PAGES + 1,
  }
  await server.engine.addQuery({ ...query, name: 'issues' })
  await server.engine.addQuery({ ...query, name: 'cached-issues', cacheTtlSeconds: 3600 })
  viewer = await server.signIn('vic', 'viewer')
  await server.app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`
}, 30_000)
afterAll(async () => {
  await server.close()
  await upstream.close()
  await closeSqlPools()
})
beforeEach(() => {
  resetEvents()
  failingPage = undefined
  heldPage = undefined
})

/** Downloads a view's rows; notes `first bytes` in the events when they arrive. */
async function download(
  path: string,
): Promise<{ response: Response; body: Buffer | undefined; failure: unknown; received: number }> {
  const response = await fetch(`${base}${path}`, { headers: { cookie: viewer.cookie } })
  const chunks: Buffer[] = []
  let received = 0
  let failure: unknown
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (received === 0) {
        events.push('first bytes')
        firstBytes()
      }
      received += chunk.length
      chunks.push(Buffer.from(chunk))
    }
  } catch (error) {
    failure = error
  }
  return { response, body: failure === undefined ? Buffer.concat(chunks) : undefined, failure, received }
}

/** How many rows a download holds, read as its format is. */
function rowCount(format: (typeof FORMATS)[number], body: Buffer): number {
  const text = format === 'xlsx' ? xlsxPart(body, 'xl/worksheets/sheet1.xml') : body.toString()
  if (format === 'csv') return text.split('\r\n').length - 2
  if (format === 'ndjson') return text.split('\n').length - 1
  if (format === 'json') return (JSON.parse(text) as unknown[]).length
  return (text.match(/<row /g)?.length ?? 0) - 1
}

describe('a view download', () => {
  it.each(FORMATS)(
    'sends its first %s bytes before the upstream is asked for its last page',
    async (format) => {
      const { response, body, failure } = await download(`/v/issues/rows.${format}`)
      expect(failure).toBeUndefined()
      expect(response.status).toBe(200)
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="issues.${format}"`)
      expect(rowCount(format, body as Buffer)).toBe(PAGES * PAGE_ROWS)
      // The first bytes came while pages were still to be fetched: streamed, not collected.
      expect(events.indexOf('first bytes')).toBeGreaterThan(-1)
      expect(events.indexOf('first bytes')).toBeLessThan(events.indexOf(`page ${PAGES}`))
    },
    30_000,
  )

  it('answers a failure before its first byte as the API does: the code, its status, a JSON body', async () => {
    failingPage = 1
    const { response, body } = await download('/v/issues/rows.csv')
    expect(response.status).toBe(502)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('content-disposition')).toBeNull()
    const error = (JSON.parse((body as Buffer).toString()) as { error: { code: string } }).error
    expect(error.code).toMatch(/^QUARRY_UPSTREAM/)
  })

  it.each(['csv', 'xlsx'] as const)(
    'aborts a %s download that fails after its first bytes, never ending it as a whole file',
    async (format) => {
      failingPage = PAGES - 1
      const { response, failure, received } = await download(`/v/issues/rows.${format}`)
      // The file had begun (status and headers sent), then broke off: the client sees an error.
      expect(response.status).toBe(200)
      expect(received).toBeGreaterThan(0)
      expect(failure).toBeInstanceOf(Error)
      expect(events).toContain(`page ${PAGES - 1}`)
      expect(events).not.toContain(`page ${PAGES}`)
    },
    30_000,
  )

  it('stops its run when the client leaves before the first bytes, while the first page is fetched', async () => {
    heldPage = 1
    const leave = new AbortController()
    const asked = fetch(`${base}/v/issues/rows.csv`, {
      headers: { cookie: viewer.cookie },
      signal: leave.signal,
    }).catch((error: unknown) => error)
    await expect.poll(() => events).toContain('page 1')
    leave.abort()
    expect(await asked).toBeInstanceOf(Error)
    // The run let go of the upstream request it was waiting on: it stopped, not waiting for ever.
    await expect.poll(() => events, { timeout: 10_000 }).toContain('page 1 abandoned')
  })

  it('streams from the cache: the same file again without the upstream', async () => {
    const fresh = await download('/v/cached-issues/rows.csv')
    expect(fresh.failure).toBeUndefined()
    const asked = upstream.hits
    resetEvents()
    const cached = await download('/v/cached-issues/rows.csv')
    expect(cached.failure).toBeUndefined()
    expect(upstream.hits).toBe(asked)
    expect(cached.body?.equals(fresh.body as Buffer)).toBe(true)
    expect(rowCount('csv', cached.body as Buffer)).toBe(PAGES * PAGE_ROWS)
  }, 30_000)
})
