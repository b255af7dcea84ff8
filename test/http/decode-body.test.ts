import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_CODES, QuarryError } from '../../src/domain/errors.js'
import { send } from '../../src/http/client.js'
import { decodeBody, statusError } from '../../src/http/decode.js'
import { startUpstream, sendOptions, type Upstream } from '../helpers/upstream.js'

/**
 * What an upstream sends is read as it says it is (issue 12): its charset, its byte order mark,
 * its Content-Encoding, within the byte limit and the nesting limit, and XML without its
 * declaration. Each case is served by a real HTTP server on 127.0.0.1.
 */

interface Answer {
  readonly status?: number
  readonly headers: Record<string, string>
  readonly body: Buffer | string
}
const answers = new Map<string, Answer>()
let upstream: Upstream

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const answer = answers.get(req.url ?? '')
    if (!answer) return void res.writeHead(404).end()
    res.writeHead(answer.status ?? 200, answer.headers)
    res.end(answer.body)
  })
})
afterAll(() => upstream.close())

let next = 0
/** Serves one answer at a fresh path and reads it as the engine does. */
async function read(answer: Answer, maxBytes = 1_000_000) {
  const path = `/case-${next++}`
  answers.set(path, answer)
  const response = await send(
    { method: 'GET', url: `${upstream.url}${path}`, headers: {} },
    sendOptions(upstream, { maxBytes }),
  )
  if (response.status >= 300) throw statusError('GET', response)
  return { path, ...(await decodeBody('GET', response)) }
}

async function failure(answer: Answer, maxBytes?: number): Promise<{ error: QuarryError; path: string }> {
  const path = `/case-${next}`
  const error = await read(answer, maxBytes).then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof QuarryError)) throw new Error(`expected a QuarryError, got ${String(error)}`)
  expect(ERROR_CODES[error.code]).toBeDefined()
  return { error, path: `${upstream.url}${path}` }
}

const json = (charset?: string) => ({
  'content-type': charset ? `application/json; charset=${charset}` : 'application/json',
})

describe('charsets', () => {
  it('reads ISO-8859-1 as Content-Type says, so café stays café', async () => {
    const { value } = await read({
      headers: json('iso-8859-1'),
      body: Buffer.from('{"name":"café"}', 'latin1'),
    })
    expect(value).toEqual({ name: 'café' })
  })

  it('reads Windows-1252, where 0x80 is the euro sign', async () => {
    const body = Buffer.concat([Buffer.from('{"price":"'), Buffer.from([0x80]), Buffer.from('5"}')])
    expect((await read({ headers: json('windows-1252'), body })).value).toEqual({ price: '€5' })
  })

  it('reads UTF-16 little- and big-endian by their byte order mark', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"k":"ü☃"}', 'utf16le')])
    expect((await read({ headers: json(), body: le })).value).toEqual({ k: 'ü☃' })
    const be = Buffer.from(le.subarray(2)).swap16()
    const withBom = Buffer.concat([Buffer.from([0xfe, 0xff]), be])
    expect((await read({ headers: json('utf-16be'), body: withBom })).value).toEqual({ k: 'ü☃' })
  })

  it('drops a UTF-8 byte order mark instead of calling valid JSON "not JSON"', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"a":1}]')])
    const { text, value } = await read({ headers: json('utf-8'), body })
    expect(text).toBe('[{"a":1}]')
    expect(value).toEqual([{ a: 1 }])
  })

  it('reads the encoding of an XML declaration when Content-Type names none', async () => {
    const body = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><r><n>café</n></r>', 'latin1')
    expect((await read({ headers: { 'content-type': 'application/xml' }, body })).value).toEqual({
      r: { n: 'café' },
    })
  })

  it('refuses bytes that are not valid in the declared charset instead of turning them into U+FFFD', async () => {
    const { error, path } = await failure({ headers: json(), body: Buffer.from('{"name":"café"}', 'latin1') })
    expect(error.code).toBe('QUARRY_UPSTREAM_NOT_JSON')
    expect(error.message).toBe(
      `${path} sent bytes that are not valid utf-8; if the body is in another encoding, the API should say so in Content-Type's charset.`,
    )
  })

  it('names a charset it cannot decode', async () => {
    const { error, path } = await failure({ headers: json('x-klingon'), body: '{}' })
    expect(error.message).toBe(
      `${path} declared the charset "x-klingon", which Quarry cannot decode (it reads UTF-8, UTF-16, ISO-8859-1, Windows-1252 and the other WHATWG encodings).`,
    )
  })
})

describe('content encodings', () => {
  const rows = JSON.stringify([{ id: 1, name: 'é' }])

  it('decodes gzip, deflate and br bodies', async () => {
    for (const [coding, body] of [
      ['gzip', gzipSync(rows)],
      ['deflate', deflateSync(rows)],
      ['br', brotliCompressSync(rows)],
    ] as const) {
      const { text } = await read({ headers: { ...json(), 'content-encoding': coding }, body })
      expect(text, coding).toBe(rows)
    }
  })

  it('undoes several codings in the reverse of the order they were applied', async () => {
    const body = brotliCompressSync(gzipSync(rows))
    expect((await read({ headers: { ...json(), 'content-encoding': 'gzip, br' }, body })).text).toBe(rows)
  })

  it('applies the byte limit to the decoded size', async () => {
    const body = gzipSync(Buffer.alloc(200_000, 0x20))
    const { error, path } = await failure(
      { headers: { ...json(), 'content-encoding': 'gzip' }, body },
      100_000,
    )
    expect(error.code).toBe('QUARRY_UPSTREAM_TOO_LARGE')
    expect(error.message).toBe(
      `${path} decompressed to more than 100000 bytes, the datasource's response limit; raise maxResponseBytes (--max-bytes) or ask for less.`,
    )
  })

  it('says a body does not decompress, instead of showing escaped binary', async () => {
    const body = Buffer.concat([gzipSync(rows).subarray(0, 10), Buffer.from('garbage that is not deflate')])
    const { error, path } = await failure({ headers: { ...json(), 'content-encoding': 'gzip' }, body })
    expect(error.code).toBe('QUARRY_UPSTREAM_NOT_JSON')
    expect(error.message).toMatch(
      new RegExp(`^${escape(path)} sent a gzip body that does not decompress: [a-z ]+\\.$`),
    )
  })

  it('reads an empty body as empty, even when it claims a Content-Encoding', async () => {
    expect(
      (await read({ status: 200, headers: { ...json(), 'content-encoding': 'gzip' }, body: '' })).value,
    ).toBe(null)
  })

  it('names a coding it cannot decode', async () => {
    const { error, path } = await failure({ headers: { ...json(), 'content-encoding': 'zstd' }, body: rows })
    expect(error.message).toBe(
      `${path} sent a body with Content-Encoding "zstd", which Quarry cannot decode (it reads gzip, deflate and br).`,
    )
  })
})

describe('nesting', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

  it('reads JSON nested exactly to the limit of 1000 levels', async () => {
    const { value } = await read({ headers: json(), body: nested(1000) })
    expect(Array.isArray(value)).toBe(true)
  })

  it('refuses JSON nested 200,000 levels as an upstream error, before parsing it', async () => {
    const { error, path } = await failure({ headers: json(), body: nested(200_000) })
    expect(error.code).toBe('QUARRY_UPSTREAM_TOO_DEEP')
    expect(error.fault).toBe('upstream')
    expect(error.message).toBe(
      `GET ${path} sent JSON arrays and objects nested more than 1000 levels deep, deeper than Quarry reads.`,
    )
  })

  it('does not count brackets inside strings', async () => {
    const { value } = await read({ headers: json(), body: JSON.stringify({ s: '['.repeat(5000) + '\\"[' }) })
    expect(value).toEqual({ s: '['.repeat(5000) + '\\"[' })
  })

  it('refuses XML nested deeper than the limit', async () => {
    const body = '<a>'.repeat(5000) + '</a>'.repeat(5000)
    const { error, path } = await failure({ headers: { 'content-type': 'text/xml' }, body })
    expect(error.message).toBe(
      `GET ${path} sent XML elements nested more than 1000 levels deep, deeper than Quarry reads.`,
    )
  })
})

describe('XML', () => {
  it('does not turn the XML declaration or processing instructions into data', async () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet href="s.xsl"?><items><item id="1">A-1</item></items>'
    const { value } = await read({ headers: { 'content-type': 'application/xml' }, body })
    expect(value).toEqual({ items: { item: { '#text': 'A-1', '@id': '1' } } })
  })
})

describe('rate limits', () => {
  it('carries the upstream’s Retry-After on the error, for the server to pass on', async () => {
    const { error } = await failure({ status: 429, headers: { 'retry-after': '61' }, body: '' })
    expect(error.code).toBe('QUARRY_RATE_LIMITED')
    expect(error.retryAfterSeconds).toBe(61)
  })

  it('tells a default wait of 30 seconds when the upstream said none', async () => {
    const { error } = await failure({ status: 429, headers: {}, body: '' })
    expect(error.retryAfterSeconds).toBe(30)
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
