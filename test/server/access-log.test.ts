import { Writable } from 'node:stream'
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
})
