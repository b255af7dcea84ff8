import type { AddressInfo } from 'node:net'
import { Readable, Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer } from '../../src/server/app.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

/**
 * A server's request log (src/server/access-log.ts): one line per answered request, an access log's,
 * at info; the line Fastify writes when a request comes in only at debug.
 */

let server: TestServer

/** What a test reads of a log line. */
interface LogLine {
  readonly level: number
  readonly msg: string
  readonly reqId?: string
  readonly req?: { readonly method: string; readonly url: string; readonly remoteAddress: string }
  readonly res?: { readonly statusCode: number }
  readonly responseTime?: number
}

beforeAll(async () => {
  server = await startTestServer()
})
afterAll(async () => server?.close())

/** A server over the test server's context whose log lines are kept, parsed. */
async function logging(
  level: 'info' | 'debug',
): Promise<{ app: FastifyInstance; lines: () => Array<LogLine> }> {
  const text: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text.push(String(chunk))
      done()
    },
  })
  const app = await buildServer(server.ctx, { logger: { level, stream } })
  return {
    app,
    lines: () =>
      text
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as LogLine),
  }
}

/** The address of a listening app's `path`. */
const at = (app: FastifyInstance, path: string) =>
  `http://127.0.0.1:${(app.server.address() as AddressInfo).port}${path}`

// The last two tests add a route of their own (public, for any visitor) to the real app: one that
// never answers, one that streams without end.
describe('the request log', () => {
  it('has one line per answered request: method, path without its query, client, status and time', async () => {
    const { app, lines } = await logging('info')
    await app.inject({ url: '/healthz?token=not-for-the-log', remoteAddress: '203.0.113.7' })
    await app.inject({ url: '/api/no-such-thing' }) // not signed in: 401
    await app.close()
    const requests = lines().filter((line) => line.req !== undefined)
    expect(requests.map((line) => line.msg)).toEqual(['request completed', 'request completed'])
    expect(requests[0]).toMatchObject({
      level: 30,
      req: { method: 'GET', url: '/healthz', remoteAddress: '203.0.113.7' },
      res: { statusCode: 200 },
    })
    expect(requests[0]?.reqId).toEqual(expect.any(String))
    expect(requests[0]?.responseTime).toEqual(expect.any(Number))
    expect(requests[1]).toMatchObject({ req: { url: '/api/no-such-thing' }, res: { statusCode: 401 } })
    expect(JSON.stringify(lines())).not.toContain('not-for-the-log')
  })

  it('writes the incoming request too at debug, under the same request id', async () => {
    const { app, lines } = await logging('debug')
    await app.inject({ url: '/healthz' })
    await app.close()
    const requests = lines().filter((line) => line.req !== undefined)
    expect(requests.map((line) => [line.level, line.msg])).toEqual([
      [20, 'incoming request'],
      [30, 'request completed'],
    ])
    expect(requests[0]?.reqId).toBe(requests[1]?.reqId)
  })

  it('notes a request whose client leaves before its answer, with the request’s fields', async () => {
    const { app, lines } = await logging('info')
    let arrived!: () => void
    const reached = new Promise<void>((resolve) => (arrived = resolve))
    app.get('/test/never', { config: { access: 'public' } }, () => {
      arrived()
      return new Promise(() => undefined)
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const leave = new AbortController()
    const asked = fetch(at(app, '/test/never?code=secret-code'), { signal: leave.signal }).catch(
      (error: unknown) => error,
    )
    await reached
    leave.abort()
    await asked
    await expect
      .poll(() => lines().find((line) => line.msg === 'request aborted'))
      .toMatchObject({ level: 30, req: { method: 'GET', url: '/test/never' } })
    await app.close()
    expect(JSON.stringify(lines())).not.toContain('secret-code')
  })

  it('notes a streamed answer the client leaves half-way, with the request’s fields', async () => {
    const { app, lines } = await logging('info')
    app.get('/test/endless', { config: { access: 'public' } }, (_request, reply) =>
      reply.type('text/plain').send(
        Readable.from(
          (async function* () {
            for (;;) yield 'line\n'.repeat(1000)
          })(),
        ),
      ),
    )
    await app.listen({ port: 0, host: '127.0.0.1' })
    const leave = new AbortController()
    const response = await fetch(at(app, '/test/endless'), { signal: leave.signal })
    await response.body?.getReader().read()
    leave.abort()
    await expect
      .poll(() =>
        lines()
          .filter((line) => line.req?.url === '/test/endless')
          .map((line) => line.msg),
      )
      .toContain('stream closed prematurely')
    await app.close()
  })
})
