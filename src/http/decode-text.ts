import { QuarryError } from '../domain/errors.js'
import { describeUrl } from '../domain/describe-url.js'

/**
 * Which encoding a body is in, by the WHATWG Encoding rules browsers use: a byte order mark first
 * (it overrides any label), then the Content-Type's charset, then an XML declaration's encoding,
 * and UTF-8 otherwise (RFC 8259 §8.1: JSON exchanged between systems is UTF-8).
 *
 * @example sniffEncoding(Buffer.from('café', 'latin1'), 'application/json; charset=iso-8859-1') // 'iso-8859-1'
 */
export function sniffEncoding(bytes: Uint8Array, contentType: string | undefined): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8'
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be'
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le'
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1]
  if (charset !== undefined) return charset.toLowerCase()
  // `<?xml version="1.0" encoding="ISO-8859-1"?>`: the declaration itself is ASCII in every such encoding.
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1')
  const declared = /^<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head)?.[1]
  return declared?.toLowerCase() ?? 'utf-8'
}

/**
 * A body's bytes as text in its declared encoding, the byte order mark dropped. Bytes that are not
 * valid in that encoding are an upstream error when `strict` (a 2xx body becomes data: a U+FFFD
 * in place of `é` would be silent corruption); an error body is only read for its message, so
 * there they become U+FFFD.
 *
 * @example decodeText(Buffer.from([0xef, 0xbb, 0xbf, 0x5b, 0x5d]), 'application/json', 'https://x/y', true) // '[]'
 */
export function decodeText(
  bytes: Uint8Array,
  contentType: string | undefined,
  url: string,
  strict: boolean,
): string {
  const encoding = sniffEncoding(bytes, contentType)
  let decoder: InstanceType<typeof TextDecoder>
  try {
    decoder = new TextDecoder(encoding, { fatal: strict })
  } catch {
    if (!strict) return new TextDecoder('utf-8').decode(bytes)
    throw new QuarryError(
      'QUARRY_UPSTREAM_NOT_JSON',
      `${describeUrl(url)} declared the charset "${encoding}", which Quarry cannot decode (it reads UTF-8, UTF-16, ISO-8859-1, Windows-1252 and the other WHATWG encodings).`,
    )
  }
  try {
    return decoder.decode(bytes)
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_STRING_TOO_LONG' || error instanceof RangeError) {
      throw new QuarryError(
        'QUARRY_UPSTREAM_TOO_LARGE',
        `${describeUrl(url)} sent a body too long to hold as text (V8's limit is 536870888 characters); ask for less.`,
        { cause: error },
      )
    }
    throw new QuarryError(
      'QUARRY_UPSTREAM_NOT_JSON',
      `${describeUrl(url)} sent bytes that are not valid ${decoder.encoding}; if the body is in another encoding, the API should say so in Content-Type's charset.`,
      { cause: error },
    )
  }
}
