/**
 * Texts over the worker channel (pages in, rows out) as bytes, not strings.
 *
 * Node's advanced IPC serialization writes a string through V8's ValueSerializer at about
 * 13 ns a byte (100 ms for the bench's 7.4 MB of pages, 330 ms as UTF-16), while the bytes of a
 * Uint8Array go across as one copy (1.4 ms) and are read back as a view into the message. So
 * each message's texts travel as one byte array: one byte a character when every text is ASCII
 * (the usual JSON), else UTF-16LE (lossless for any string, lone surrogates included).
 *
 * worker.ts keeps its own copy of these two functions (it imports nothing relative at run
 * time, see worker-entry.ts); the pool tests drive both through real workers.
 */
import { isAscii } from 'node:buffer'
import type { WireTexts } from './protocol.js'

/**
 * The texts as one byte array. The bytes are a fresh buffer: the message may be queued.
 *
 * @example decodeTexts(encodeTexts(['[{"a":1}]', 'é'])) // ['[{"a":1}]', 'é']
 */
export function encodeTexts(texts: readonly string[]): WireTexts {
  const lengths = texts.map((text) => text.length)
  const chars = lengths.reduce((sum, length) => sum + length, 0)
  const ascii = Buffer.allocUnsafeSlow(chars)
  let at = 0
  for (const text of texts) {
    // All ASCII exactly when its UTF-8 fills its length in bytes below 0x80 (anything else takes more, or is 0x80 and up).
    const written = ascii.write(text, at, text.length, 'utf8')
    if (written !== text.length || !isAscii(ascii.subarray(at, at + written)))
      return { bytes: wide(texts, chars), lengths, wide: true }
    at += written
  }
  return { bytes: ascii, lengths, wide: false }
}

function wide(texts: readonly string[], chars: number): Uint8Array {
  const bytes = Buffer.allocUnsafeSlow(chars * 2)
  let at = 0
  for (const text of texts) at += bytes.write(text, at, 'utf16le')
  return bytes
}

/**
 * The texts of a WireTexts, in order. The worker's word is not taken for its shape: anything but
 * a byte array and lengths that add up to it throws a TypeError (the caller fails the run).
 */
export function decodeTexts(wire: WireTexts): string[] {
  const width = wire.wide === true ? 2 : 1
  if (
    !(wire.bytes instanceof Uint8Array) ||
    !Array.isArray(wire.lengths) ||
    !wire.lengths.every((length) => Number.isSafeInteger(length) && length >= 0) ||
    wire.lengths.reduce((sum, length) => sum + length, 0) * width !== wire.bytes.byteLength
  )
    throw new TypeError('texts that are not a byte array and their lengths')
  const bytes = Buffer.from(wire.bytes.buffer, wire.bytes.byteOffset, wire.bytes.byteLength)
  const encoding = wire.wide ? 'utf16le' : 'latin1'
  let at = 0
  return wire.lengths.map((length) => {
    const end = at + length * width
    const text = bytes.toString(encoding, at, end)
    at = end
    return text
  })
}
