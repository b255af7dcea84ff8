import { Readable } from 'node:stream'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_CODES, QuarryError } from '../../src/domain/errors.js'
import { send, type HttpResponse } from '../../src/http/client.js'
import { decodeBody } from '../../src/http/decode.js'
import { decodeText } from '../../src/http/decode-text.js'
import { readBody } from '../../src/http/read-body.js'
import { startUpstream, sendOptions, type Upstream } from '../helpers/upstream.js'

/**
 * Random bytes, charsets, compressions and nesting fed to the upstream decoder (issue 12). Each
 * property has a fixed seed (the same cases in CI as here), a bounded number of runs and a time
 * limit per run, so a hang fails instead of stalling the suite. Invariants: only a QuarryError
 * with a registered code is ever thrown; valid text comes back exactly; the byte limit holds on
 * the decoded size; nesting is read or refused by depth, never a stack overflow.
 */

const URL_ = 'https://api.example.com/items'
const PER_RUN_MS = 5_000
const settings = (numRuns: number) => ({ seed: 12, numRuns, timeout: PER_RUN_MS, endOnFailure: true })

const CODINGS = ['gzip', 'deflate', 'br'] as const
type Coding = (typeof CODINGS)[number]
const compress: Record<Coding, (b: Buffer) => Buffer> = {
  gzip: (b) => gzipSync(b),
  deflate: (b) => deflateSync(b),
  br: (b) => brotliCompressSync(b),
}
/** Applies codings in order, as a server would; the header lists them in that order. */
function encode(bytes: Buffer, codings: readonly Coding[]): Buffer {
  return codings.reduce((b, coding) => compress[coding](b), bytes)
}

/** The whole decoder, as the client and engine run it: stream, decompress, decode text, parse. */
async function decodeAll(
  bytes: Buffer,
  headers: Record<string, string>,
  maxBytes = 1_000_000,
  status = 200,
): Promise<{ text: string; value: unknown }> {
  const raw = await readBody(Readable.from([bytes]), headers['content-encoding'], maxBytes, URL_)
  const body = decodeText(raw, headers['content-type'], URL_, status >= 200 && status < 300)
  const response: HttpResponse = { status, headers, body, url: URL_ }
  return decodeBody('GET', response)
}

/** Runs `work`; a failure must be a QuarryError with a registered code. */
async function onlyQuarryErrors(work: () => Promise<unknown>): Promise<QuarryError | undefined> {
  try {
    await work()
    return undefined
  } catch (error) {
    if (!(error instanceof QuarryError))
      throw new Error(`threw a non-Quarry error: ${String(error)}`, { cause: error })
    expect(ERROR_CODES[error.code]).toBeDefined()
    return error
  }
}

const contentType = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('application/json', 'text/xml', 'application/atom+xml', 'text/html', 'text/plain'),
  fc
    .tuple(
      fc.constantFrom('application/json', 'application/xml'),
      fc.constantFrom(
        'utf-8',
        'UTF-16LE',
        'utf-16be',
        'iso-8859-1',
        'windows-1252',
        'x-bogus',
        '"utf-8"',
        '',
      ),
    )
    .map(([type, charset]) => `${type}; charset=${charset}`),
)
const contentEncoding = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'gzip, br', 'zstd', 'GZIP', ' , '),
)

describe('random bytes', () => {
  it('never throw anything but a registered QuarryError, whatever the headers say', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        contentType,
        contentEncoding,
        fc.constantFrom(200, 404, 429, 500),
        async (bytes, type, coding, status) => {
          const headers: Record<string, string> = {}
          if (type !== undefined) headers['content-type'] = type
          if (coding !== undefined) headers['content-encoding'] = coding
          await onlyQuarryErrors(() => decodeAll(Buffer.from(bytes), headers, 1_000_000, status))
        },
      ),
      settings(400),
    )
  }, 120_000)

  it('never throw anything but a registered QuarryError when compressed correctly but not text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4096 }),
        fc.array(fc.constantFrom(...CODINGS), { minLength: 1, maxLength: 2 }),
        contentType,
        async (bytes, codings, type) => {
          const headers: Record<string, string> = { 'content-encoding': codings.join(', ') }
          if (type !== undefined) headers['content-type'] = type
          await onlyQuarryErrors(() => decodeAll(encode(Buffer.from(bytes), codings), headers))
        },
      ),
      settings(200),
    )
  }, 120_000)
})

/** Characters Windows-1252 has at 0x80–0x9F (WHATWG Encoding's index), beside ASCII and Latin-1. */
const CP1252_HIGH: Record<string, number> = {
  '€': 0x80,
  '‚': 0x82,
  ƒ: 0x83,
  '„': 0x84,
  '…': 0x85,
  '†': 0x86,
  '‡': 0x87,
  ˆ: 0x88,
  '‰': 0x89,
  Š: 0x8a,
  '‹': 0x8b,
  Œ: 0x8c,
  Ž: 0x8e,
  '‘': 0x91,
  '’': 0x92,
  '“': 0x93,
  '”': 0x94,
  '•': 0x95,
  '–': 0x96,
  '—': 0x97,
  '˜': 0x98,
  '™': 0x99,
  š: 0x9a,
  '›': 0x9b,
  œ: 0x9c,
  ž: 0x9e,
  Ÿ: 0x9f,
}
const latin1Chars = [
  ...Array.from({ length: 0x5f }, (_, i) => String.fromCharCode(0x20 + i)),
  ...Array.from({ length: 0x60 }, (_, i) => String.fromCharCode(0xa0 + i)),
]
const cp1252Text = fc.string({ unit: fc.constantFrom(...latin1Chars, ...Object.keys(CP1252_HIGH)) })
function toCp1252(text: string): Buffer {
  return Buffer.from([...text].map((c) => CP1252_HIGH[c] ?? c.charCodeAt(0)))
}

/** JSON text and its bytes in one of the encodings Quarry must read, with the headers that say so. */
const encodedJson = fc.oneof(
  fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 4 }).chain((value) => {
    const text = JSON.stringify(value) ?? 'null'
    return fc.constantFrom(
      { text, bytes: Buffer.from(text, 'utf8'), type: 'application/json' },
      {
        text,
        bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
        type: 'application/json',
      },
      {
        text,
        bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
        type: 'application/json',
      },
      {
        text,
        bytes: Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]),
        type: 'application/json; charset=utf-16be',
      },
    )
  }),
  fc.array(cp1252Text, { maxLength: 5 }).map((strings) => {
    const text = JSON.stringify(strings)
    return { text, bytes: toCp1252(text), type: 'application/json; charset=windows-1252' }
  }),
  fc.array(fc.string({ unit: fc.constantFrom(...latin1Chars) }), { maxLength: 5 }).map((strings) => {
    const text = JSON.stringify(strings)
    return { text, bytes: Buffer.from(text, 'latin1'), type: 'application/json; charset=ISO-8859-1' }
  }),
)

describe('valid encodings', () => {
  it('decode to exactly the original text and value, through any compression', async () => {
    await fc.assert(
      fc.asyncProperty(
        encodedJson,
        fc.array(fc.constantFrom(...CODINGS), { maxLength: 2 }),
        async ({ text, bytes, type }, codings) => {
          const headers: Record<string, string> = { 'content-type': type }
          if (codings.length > 0) headers['content-encoding'] = codings.join(', ')
          const decoded = await decodeAll(encode(bytes, codings), headers)
          expect(decoded.text).toBe(text)
          expect(decoded.value).toEqual(JSON.parse(text))
        },
      ),
      settings(300),
    )
  }, 120_000)
})

describe('the byte limit', () => {
  it('holds on the decoded size, whatever the compression', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 300_000 }),
        fc.integer({ min: 1024, max: 200_000 }),
        fc.array(fc.constantFrom(...CODINGS), { maxLength: 2 }),
        async (size, limit, codings) => {
          const plain = Buffer.alloc(size, 0x20)
          const raw = await readBody(
            Readable.from([encode(plain, codings)]),
            codings.join(', '),
            limit,
            URL_,
          ).then(
            (buffer) => buffer,
            (error: unknown) => error,
          )
          if (size > limit) expect((raw as QuarryError).code).toBe('QUARRY_UPSTREAM_TOO_LARGE')
          else expect((raw as Buffer).length).toBe(size)
        },
      ),
      settings(200),
    )
  }, 120_000)
})

describe('nesting', () => {
  /** JSON of random arrays and objects nested `depth` levels, with bracket-laden strings along the way. */
  const deepJson = fc
    .tuple(
      fc.integer({ min: 0, max: 3000 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
      fc.string(),
    )
    .map(([depth, kinds, noise]) => {
      let text = JSON.stringify(`${noise}[{"`)
      for (let i = 0; i < depth; i++)
        text = kinds[i % kinds.length] ? `[${text}]` : `{${JSON.stringify(`${noise}]}`)}:${text}}`
      return { depth, text }
    })

  it('reads JSON up to 1000 levels and refuses deeper as QUARRY_UPSTREAM_TOO_DEEP, never overflowing', async () => {
    await fc.assert(
      fc.asyncProperty(deepJson, async ({ depth, text }) => {
        const error = await onlyQuarryErrors(() =>
          decodeAll(Buffer.from(text), { 'content-type': 'application/json' }),
        )
        if (depth > 1000) expect(error?.code).toBe('QUARRY_UPSTREAM_TOO_DEEP')
        else expect(error).toBeUndefined()
      }),
      settings(150),
    )
  }, 120_000)

  it('reads XML up to 1000 levels and refuses deeper, never overflowing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3000 }),
        fc.constantFrom('', '<!-- <x> -->', '<![CDATA[<y>]]>', '<z a=">"/>'),
        async (depth, noise) => {
          const text = `<?xml version="1.0"?>${'<a>'.repeat(depth)}${noise}<b>1</b>${'</a>'.repeat(depth)}`
          const error = await onlyQuarryErrors(() =>
            decodeAll(Buffer.from(text), { 'content-type': 'application/xml' }),
          )
          // The innermost <b> is one more level.
          if (depth + 1 > 1000) expect(error?.code).toBe('QUARRY_UPSTREAM_TOO_DEEP')
          else expect(error).toBeUndefined()
        },
      ),
      settings(100),
    )
  }, 120_000)
})

describe('over a real connection', () => {
  let upstream: Upstream
  let answer: { headers: Record<string, string>; body: Buffer } = { headers: {}, body: Buffer.alloc(0) }
  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.writeHead(200, answer.headers).end(answer.body))
  })
  afterAll(() => upstream.close())

  it('random bodies and headers end in a decoded body or a registered QuarryError, in time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4096 }),
        contentType,
        contentEncoding,
        fc.boolean(),
        async (bytes, type, coding, compressFirst) => {
          const headers: Record<string, string> = {}
          if (type !== undefined) headers['content-type'] = type
          if (coding !== undefined) headers['content-encoding'] = coding
          const body =
            compressFirst && coding !== undefined && coding in compress
              ? compress[coding as Coding](Buffer.from(bytes))
              : Buffer.from(bytes)
          answer = { headers, body }
          await onlyQuarryErrors(async () => {
            const response = await send(
              { method: 'GET', url: `${upstream.url}/x`, headers: {} },
              sendOptions(upstream),
            )
            return decodeBody('GET', response)
          })
        },
      ),
      settings(60),
    )
  }, 120_000)
})
