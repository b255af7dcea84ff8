import type { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { QuarryError } from '../domain/errors.js'
import { describeUrl } from '../domain/describe-url.js'

/** Decoders per Content-Encoding token (RFC 9110 §8.4.1); `identity` needs none. */
const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: () => createGunzip(),
  'x-gzip': () => createGunzip(),
  // RFC 9110 §8.4.1.2: "deflate" is the zlib format (RFC 1950), not raw deflate.
  deflate: () => createInflate(),
  br: () => createBrotliDecompress(),
}

/** A body over the datasource's limit: said the same way for the wire and the decoded size. */
export function tooLarge(url: string, maxBytes: number, decoded: boolean): QuarryError {
  const what = decoded ? 'decompressed to more than' : 'sent more than'
  return new QuarryError(
    'QUARRY_UPSTREAM_TOO_LARGE',
    `${describeUrl(url)} ${what} ${maxBytes} bytes, the datasource's response limit; raise maxResponseBytes (--max-bytes) or ask for less.`,
  )
}

/**
 * Reads a response body, undoing its Content-Encoding as it streams, and stops as soon as either
 * the bytes on the wire or the decoded bytes pass `maxBytes`: a 1 GB gzip bomb costs at most the
 * limit plus one zlib chunk of memory.
 *
 * @example await readBody(response.body, 'gzip', 1e7, 'https://api.example.com/x') // Buffer of the unzipped bytes
 */
export async function readBody(
  body: Readable,
  contentEncoding: string | undefined,
  maxBytes: number,
  url: string,
): Promise<Buffer> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
  const decoders: Transform[] = []
  // Codings are listed in the order they were applied; undo them from the last.
  for (const coding of [...codings].reverse()) {
    const make = DECODERS[coding]
    if (make === undefined) {
      discard(body)
      throw new QuarryError(
        'QUARRY_UPSTREAM_NOT_JSON',
        `${describeUrl(url)} sent a body with Content-Encoding "${contentEncoding}", which Quarry cannot decode (it reads gzip, deflate and br).`,
      )
    }
    decoders.push(make())
  }
  // Whoever fails first is the cause: a decoder (the body does not decompress) or the connection.
  // The pipeline then destroys every other stage with that same error.
  let undecodable: unknown
  let first = true
  body.once('error', () => (first = false))
  for (const decoder of decoders) {
    decoder.once('error', (error) => {
      if (first) undecodable = error
      first = false
    })
  }

  let wire = 0
  const countWire = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      wire += chunk.length
      if (wire > maxBytes) throw tooLarge(url, maxBytes, false)
      yield chunk
    }
  }
  const chunks: Buffer[] = []
  let size = 0
  const collect = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      size += chunk.length
      if (size > maxBytes) throw tooLarge(url, maxBytes, decoders.length > 0)
      chunks.push(chunk)
    }
  }
  try {
    // A variable number of stages has no typed overload of pipeline().
    await (pipeline as (...stages: unknown[]) => Promise<void>)(body, countWire, ...decoders, collect)
  } catch (error) {
    if (error instanceof QuarryError) throw error
    // No bytes at all (a 204, a HEAD) is an empty body, whatever Content-Encoding says.
    if (undecodable !== undefined && error === undecodable && wire === 0) return Buffer.alloc(0)
    if (undecodable !== undefined && error === undecodable) {
      throw new QuarryError(
        'QUARRY_UPSTREAM_NOT_JSON',
        `${describeUrl(url)} sent a ${codings.join(', ')} body that does not decompress: ${(error as Error).message}.`,
        { cause: error },
      )
    }
    // A network failure while reading: the caller names it.
    throw error
  }
  return Buffer.concat(chunks)
}

/** Stops reading a body: undici reports destroying an unread body as an error, which nobody waits for. */
export function discard(body: Readable): void {
  body.on('error', () => {})
  body.destroy()
}
