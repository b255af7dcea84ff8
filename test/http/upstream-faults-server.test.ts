import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

/**
 * What the server answers when an upstream misbehaves (issue 12): its rate limit reaches a viewer
 * with Retry-After, its redirect elsewhere and its over-deep JSON are upstream faults (502), and
 * the default converter reads JSON nested up to the limit. The upstream is a real HTTP server on
 * 127.0.0.1; the Quarry server is driven with inject().
 */

let upstream: Upstream
let elsewhere: Upstream
let server: TestServer
let viewer: Browser
let admin: Browser
const port = (server: Upstream) => new URL(server.url).port
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

beforeAll(async () => {
  elsewhere = await startUpstream((_req, res) => res.end('[]'))
  upstream = await startUpstream((req, res) => {
    const send = (body: string) => res.writeHead(200, { 'content-type': 'application/json' }).end(body)
    if (req.url === '/limited') return void res.writeHead(429, { 'retry-after': '61' }).end()
    if (req.url === '/moved')
      return void res.writeHead(302, { location: `http://localhost:${port(elsewhere)}/there` }).end()
    if (req.url === '/abyss') return send(`{"values":${nested(200_000)}}`)
    if (req.url === '/deep') return send(`{"values":[{"id":1,"tree":${nested(997)}}]}`) // 1000 levels in all
    res.writeHead(404).end()
  })
  server = await startTestServer()
  await server.engine.addDatasource({ name: 'up', type: 'rest', baseUrl: upstream.url })
  for (const name of ['limited', 'moved', 'abyss', 'deep'])
    await server.engine.addQuery({ name, datasource: 'up', path: `/${name}` })
  viewer = await server.signIn('vera', 'viewer')
  admin = await server.signIn('ada', 'admin')
}, 30_000)
afterAll(async () => {
  await server.close()
  await upstream.close()
  await elsewhere.close()
})

const run = (browser: Browser, name: string) =>
  server.as(browser, { method: 'POST', url: `/api/queries/${name}/run`, payload: { params: {} } })

describe('an upstream that keeps answering 429', () => {
  it('reaches a viewer as 429 with the upstream’s Retry-After, on the page, the download and the API', async () => {
    for (const response of [
      await server.as(viewer, { url: '/v/limited' }),
      await server.as(viewer, { url: '/v/limited/rows.json' }),
      await run(viewer, 'limited'),
    ]) {
      expect(response.statusCode).toBe(429)
      expect(response.headers['retry-after']).toBe('61')
    }
  })
})

describe('an upstream that redirects to a host not allowed', () => {
  it('is answered 502, saying it was a redirect and naming the UI field', async () => {
    const response = await run(admin, 'moved')
    expect(response.statusCode).toBe(502)
    expect(response.json().error).toEqual({
      code: 'QUARRY_UPSTREAM_REDIRECT_REFUSED',
      message: `The API redirected from ${upstream.url}/moved to http://localhost:${port(elsewhere)}/there; Quarry did not follow: the datasource allows only ${upstream.host}, 127.0.0.1. If it is trusted, add localhost:${port(elsewhere)} to the datasource's "Allowed hosts".`,
    })
  })
})

describe('JSON nesting', () => {
  it('answers JSON nested 200,000 levels as an upstream error (502), not a crash (500)', async () => {
    const response = await run(admin, 'abyss')
    expect(response.statusCode).toBe(502)
    expect(response.json().error).toEqual({
      code: 'QUARRY_UPSTREAM_TOO_DEEP',
      message: `GET ${upstream.url}/abyss sent JSON arrays and objects nested more than 1000 levels deep, deeper than Quarry reads.`,
    })
  })

  it('lets the default converter read JSON nested up to the limit', async () => {
    const response = await run(admin, 'deep')
    expect(response.statusCode).toBe(200)
    expect(response.json().rows).toHaveLength(1)
  })
})
