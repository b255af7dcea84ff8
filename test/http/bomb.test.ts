import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QuarryError } from '../../src/domain/errors.js'
import { send } from '../../src/http/client.js'
import { startUpstream, sendOptions, type Upstream } from '../helpers/upstream.js'

/**
 * A compression bomb stops at the datasource's byte limit, counted on the decoded size, with memory
 * bounded by that limit (issue 12). The gzip bomb is real: 1024 gzip members of 1 MiB of zeros each
 * (RFC 1952 §2.2 allows several members), about 1 MB on the wire and 1 GiB decoded.
 */

const LIMIT = 16 * 1024 * 1024
const MiB = 1024 * 1024
let bombs: Record<'gzip' | 'deflate' | 'br', Buffer>
let upstream: Upstream

beforeAll(async () => {
  const member = gzipSync(Buffer.alloc(MiB))
  const sixtyFour = Buffer.alloc(64 * MiB)
  bombs = {
    gzip: Buffer.concat(Array.from({ length: 1024 }, () => member)),
    deflate: deflateSync(sixtyFour, { level: 9 }),
    br: brotliCompressSync(sixtyFour, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }),
  }
  upstream = await startUpstream((req, res) => {
    const coding = (req.url ?? '').slice(1)
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding })
    res.end(bombs[coding as keyof typeof bombs])
  })
})
afterAll(() => upstream.close())

/** Sends a request while sampling the process's resident memory; gives the error and the peak growth. */
async function underWatch(path: string): Promise<{ error: unknown; growth: number; peak: number }> {
  globalThis.gc?.()
  const before = process.memoryUsage.rss()
  let peak = before
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 2)
  try {
    const error = await send(
      { method: 'GET', url: `${upstream.url}${path}`, headers: {} },
      sendOptions(upstream, { maxBytes: LIMIT }),
    ).then(
      () => undefined,
      (e: unknown) => e,
    )
    peak = Math.max(peak, process.memoryUsage.rss())
    return { error, growth: peak - before, peak }
  } finally {
    clearInterval(sampler)
  }
}

describe('compression bombs', () => {
  it('stops a 1 GiB gzip bomb at the limit, with memory growth bounded by the limit', async () => {
    expect(bombs.gzip.length).toBeLessThan(2 * MiB)
    const { error, growth, peak } = await underWatch('/gzip')
    expect(error).toBeInstanceOf(QuarryError)
    expect((error as QuarryError).message).toBe(
      `${upstream.url}/gzip decompressed to more than ${LIMIT} bytes, the datasource's response limit; raise maxResponseBytes (--max-bytes) or ask for less.`,
    )
    console.info(
      `gzip bomb (1 GiB decoded, limit 16 MiB): RSS grew ${Math.round(growth / MiB)} MiB, peak ${Math.round(peak / MiB)} MiB`,
    )
    expect(growth).toBeLessThan(LIMIT + 64 * MiB)
  })

  it('stops deflate and br bombs at the limit too', async () => {
    for (const coding of ['deflate', 'br']) {
      const { error, growth, peak } = await underWatch(`/${coding}`)
      expect((error as QuarryError).code, coding).toBe('QUARRY_UPSTREAM_TOO_LARGE')
      console.info(
        `${coding} bomb (64 MiB decoded, limit 16 MiB): RSS grew ${Math.round(growth / MiB)} MiB, peak ${Math.round(peak / MiB)} MiB`,
      )
      expect(growth, coding).toBeLessThan(LIMIT + 64 * MiB)
    }
  })
})
