import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { refreshGrant } from '../../src/auth/oauth/token-client.js'
import { datasourceFromFlags } from '../../src/cli/datasource-input.js'
import { DatasourceSchema } from '../../src/domain/datasource.js'
import { QuarryError } from '../../src/domain/errors.js'
import { send, type SendOptions } from '../../src/http/client.js'
import { startUpstream, sendOptions, type Upstream } from '../helpers/upstream.js'

/**
 * Failures on the wire read as sentences naming the host and the cause, and only transient ones
 * are retried (issue 12). Real servers on 127.0.0.1 refuse, reset, and present a self-signed
 * certificate; the DNS case uses the reserved `.invalid` top-level domain (RFC 6761 §6.4).
 */

const open: Upstream[] = []
afterEach(async () => {
  for (const upstream of open.splice(0)) await upstream.close()
})

async function upstreamOf(handler: Parameters<typeof startUpstream>[0]): Promise<Upstream> {
  const upstream = await startUpstream(handler)
  open.push(upstream)
  return upstream
}

async function failure(url: string, options: SendOptions): Promise<QuarryError> {
  const error = await send({ method: 'GET', url, headers: {} }, options).then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof QuarryError)) throw new Error(`expected a QuarryError, got ${String(error)}`)
  return error
}

describe('network failures', () => {
  it('says the host refused the connection', async () => {
    const gone = await startUpstream(() => {})
    await gone.close()
    const error = await failure(`${gone.url}/x`, sendOptions(gone))
    expect(error.code).toBe('QUARRY_UPSTREAM_NETWORK')
    expect(error.message).toBe(`GET ${gone.url}/x: ${gone.host} refused the connection (ECONNREFUSED).`)
  })

  it('says the connection was reset before the answer, and retries a GET', async () => {
    const upstream = await upstreamOf((req) => req.socket.destroy())
    const error = await failure(`${upstream.url}/x`, sendOptions(upstream))
    expect(error.message).toMatch(
      new RegExp(
        `^GET ${upstream.url}/x: the connection to ${upstream.host} was reset before it answered \\((UND_ERR_SOCKET|ECONNRESET)\\)\\.$`,
      ),
    )
    expect(upstream.hits).toBe(3)
  })

  it('says the connection was reset while reading the response', async () => {
    const upstream = await upstreamOf((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 })
      res.write('[{"id":1},', () => res.socket?.destroy())
    })
    const error = await failure(`${upstream.url}/x`, sendOptions(upstream))
    expect(error.message).toMatch(
      new RegExp(
        `^GET ${upstream.url}/x: the connection to ${upstream.host} was reset while reading the response \\((UND_ERR_SOCKET|ECONNRESET)\\)\\.$`,
      ),
    )
  })

  it('says the connection was reset while reading a gzip response, not that the body does not decompress', async () => {
    const upstream = await upstreamOf((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': 1000 })
      res.write(gzipSync('[{"id":1}]'.repeat(50)).subarray(0, 20), () => res.socket?.destroy())
    })
    const error = await failure(`${upstream.url}/x`, sendOptions(upstream))
    expect(error.message).toMatch(
      new RegExp(
        `^GET ${upstream.url}/x: the connection to ${upstream.host} was reset while reading the response \\((UND_ERR_SOCKET|ECONNRESET)\\)\\.$`,
      ),
    )
  })

  it('gives up on a body that drips forever, gzip or not, at the timeout', async () => {
    const timers: NodeJS.Timeout[] = []
    const upstream = await upstreamOf((req, res) => {
      res.writeHead(200, req.url === '/gzip' ? { 'content-encoding': 'gzip' } : {})
      const drip = gzipSync('[' + '1,'.repeat(10_000) + '1]')
      let at = 0
      timers.push(setInterval(() => res.write(drip.subarray(at, ++at)), 50))
    })
    try {
      for (const path of ['/plain', '/gzip']) {
        const error = await failure(`${upstream.url}${path}`, sendOptions(upstream, { timeoutMs: 400 }))
        expect(error.code, path).toBe('QUARRY_UPSTREAM_TIMEOUT')
        expect(error.message).toBe(`GET ${upstream.url}${path} did not answer within 400 ms.`)
      }
    } finally {
      for (const timer of timers) clearInterval(timer)
    }
  })

  it('says a host name could not be found, without retrying', async () => {
    const host = 'quarry-test.invalid'
    let retries = 0
    const error = await failure(`http://${host}/x`, sendOptions({ host }, { onRetry: () => retries++ }))
    expect(error.message).toBe(
      `GET http://${host}/x: ${host} could not be found (ENOTFOUND): check the host name.`,
    )
    expect(retries).toBe(0)
  })

  it('names a self-signed certificate, as a TLS error that is not retried', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quarry-tls-'))
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1'],
        ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      ],
      { stdio: 'ignore' },
    )
    const server = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_req, res) => res.end('[]'),
    )
    let connections = 0
    server.on('connection', () => connections++)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const error = await failure(`https://${host}/x`, sendOptions({ host }))
      expect(error.code).toBe('QUARRY_UPSTREAM_TLS')
      expect(error.status).toBe(502)
      expect(error.message).toBe(
        `GET https://${host}/x: ${host}'s TLS certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT); if it is trusted, give its authority to Quarry with NODE_EXTRA_CA_CERTS.`,
      )
      expect(connections).toBe(1)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('the OAuth token endpoint', () => {
  it('names the host and cause when it cannot be reached, not "fetch failed"', async () => {
    const gone = await startUpstream(() => {})
    await gone.close()
    const tokenUrl = `${gone.url}/oauth/token`
    const error = await refreshGrant(
      { tokenUrl, clientId: 'id', clientSecret: 'client-secret', clientAuth: 'body' },
      'refresh-token',
    ).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(QuarryError)
    expect((error as QuarryError).message).toBe(
      `The token endpoint ${tokenUrl} could not be reached: ${gone.host} refused the connection (ECONNREFUSED).`,
    )
  })
})

describe('local limits', () => {
  it('never retries a body over the byte limit', async () => {
    const upstream = await upstreamOf((_req, res) => res.end(JSON.stringify('x'.repeat(5000))))
    const error = await failure(`${upstream.url}/x`, sendOptions(upstream, { maxBytes: 1024 }))
    expect(error.code).toBe('QUARRY_UPSTREAM_TOO_LARGE')
    expect(upstream.hits).toBe(1)
  })

  it('never retries a body that does not decode', async () => {
    const upstream = await upstreamOf((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' })
      res.end('not gzip at all')
    })
    const error = await failure(`${upstream.url}/x`, sendOptions(upstream))
    expect(error.code).toBe('QUARRY_UPSTREAM_NOT_JSON')
    expect(upstream.hits).toBe(1)
  })

  it('refuses a response limit above what a string can hold, naming the number', () => {
    expect(() =>
      datasourceFromFlags('api', { url: 'https://api.example.com', maxBytes: String(2 ** 31) }),
    ).toThrow(
      `--max-bytes must be at most 536870888 (about 512 MiB, V8's longest string): a larger response could not be held; got ${2 ** 31}.`,
    )
    const parsed = DatasourceSchema.safeParse({
      name: 'api',
      type: 'rest',
      baseUrl: 'https://api.example.com',
      maxResponseBytes: 536_870_889,
    })
    expect(parsed.error?.issues[0]?.message).toBe(
      "must be at most 536870888 bytes (about 512 MiB, V8's longest string): a larger response could not be held",
    )
    expect(
      datasourceFromFlags('api', { url: 'https://api.example.com', maxBytes: '536870888' }),
    ).toMatchObject({
      maxResponseBytes: 536_870_888,
    })
  })
})

describe('redirects', () => {
  it('refuses a redirect to a host not allowed, as the upstream’s doing, naming the flag and the UI field', async () => {
    const elsewhere = await upstreamOf((_req, res) => res.end('[]'))
    const upstream = await upstreamOf((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/landing?token=abc` })
      res.end()
    })
    const error = await failure(`${upstream.url}/start?key=secret`, sendOptions(upstream))
    expect(error.code).toBe('QUARRY_UPSTREAM_REDIRECT_REFUSED')
    expect(error.status).toBe(502)
    expect(error.fault).toBe('upstream')
    const problem = `The API redirected from ${upstream.url}/start to ${elsewhere.url}/landing; Quarry did not follow: the datasource allows only ${upstream.host}.`
    expect(error.messageFor('cli')).toBe(
      `${problem} If it is trusted, add it with --allow-host ${elsewhere.host}.`,
    )
    expect(error.messageFor('ui')).toBe(
      `${problem} If it is trusted, add ${elsewhere.host} to the datasource's "Allowed hosts".`,
    )
    expect(elsewhere.hits).toBe(0)
  })

  it('still calls a first request to a host not allowed the caller’s mistake (400)', async () => {
    const upstream = await upstreamOf((_req, res) => res.end('[]'))
    const error = await failure(`${upstream.url}/x`, sendOptions({ host: 'api.example.com' }))
    expect(error.code).toBe('QUARRY_HOST_NOT_ALLOWED')
    expect(error.status).toBe(400)
    expect(error.messageFor('cli')).toBe(
      `Refusing to send a request to ${upstream.host}: the datasource allows only api.example.com. If it is trusted, add it with --allow-host ${upstream.host}.`,
    )
  })
})
