/**
 * A ZIP archive written as a stream (PKWARE's APPNOTE.TXT, the subset Office Open XML uses): each
 * entry deflated by Node's zlib (native code, on the thread pool, so a large sheet does not hold up
 * the event loop) as its data arrives, its CRC-32 and sizes in a data descriptor after it, the
 * central directory at the end. Names are UTF-8 (flag bit 11).
 *
 * No Zip64: an entry or an archive past 4 GiB fails (a sheet of Excel's 1,048,576 rows stays far
 * below that unless its cells are huge) instead of writing sizes that wrap around.
 *
 * Why not a library: fflate's streaming ZipDeflate (JavaScript) spent 3.0 s of the main thread
 * deflating 100,000 rows' 34 MB of sheet XML, where zlib here takes ~0.7 s, off the main thread.
 */
import { Readable, pipeline } from 'node:stream'
import { crc32, createDeflateRaw } from 'node:zlib'
import { QuarryError } from '../domain/errors.js'

/** What fits a 32-bit size or offset field. */
const MAX_32 = 0xffff_ffff
/** Version needed to extract: 2.0, deflate and data descriptors. */
const VERSION = 20
/** Bit 3: sizes and CRC in a data descriptor after the data; bit 11: the name is UTF-8. */
const FLAGS = 0x0008 | 0x0800
const DEFLATE = 8
/** MS-DOS date of 1980-01-01 00:00 (the earliest ZIP can say): the same rows give the same bytes. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1
const DOS_TIME = 0

interface Written {
  readonly name: Uint8Array
  readonly offset: number
  readonly crc: number
  readonly compressed: number
  readonly size: number
}

const encoder = new TextEncoder()

function tooLarge(): QuarryError {
  return new QuarryError(
    'QUARRY_CONFIG_INVALID',
    'The file would be larger than 4 GiB, more than this ZIP writer takes. Narrow the query or choose fewer columns, or download it as CSV or NDJSON.',
  )
}

/**
 * The fields a local header (from byte 4) and a central directory record (from byte 6) share, in
 * the same order: version needed, flags, method, time, date, CRC-32, sizes, the name's length.
 */
function writeShared(record: Buffer, at: number, entry: Omit<Written, 'offset'>): void {
  record.writeUInt16LE(VERSION, at)
  record.writeUInt16LE(FLAGS, at + 2)
  record.writeUInt16LE(DEFLATE, at + 4)
  record.writeUInt16LE(DOS_TIME, at + 6)
  record.writeUInt16LE(DOS_DATE, at + 8)
  record.writeUInt32LE(entry.crc, at + 10)
  record.writeUInt32LE(entry.compressed, at + 14)
  record.writeUInt32LE(entry.size, at + 18)
  record.writeUInt16LE(entry.name.length, at + 22)
}

function localHeader(name: Uint8Array): Uint8Array {
  const header = Buffer.alloc(30)
  header.writeUInt32LE(0x04034b50, 0)
  // CRC-32 and sizes stay 0 here: the data descriptor after the data has them.
  writeShared(header, 4, { name, crc: 0, compressed: 0, size: 0 })
  return Buffer.concat([header, name])
}

function dataDescriptor(entry: Written): Uint8Array {
  const descriptor = Buffer.alloc(16)
  descriptor.writeUInt32LE(0x08074b50, 0)
  descriptor.writeUInt32LE(entry.crc, 4)
  descriptor.writeUInt32LE(entry.compressed, 8)
  descriptor.writeUInt32LE(entry.size, 12)
  return descriptor
}

function centralDirectory(entries: readonly Written[], offset: number): Uint8Array {
  const records = entries.map((entry) => {
    const record = Buffer.alloc(46)
    record.writeUInt32LE(0x02014b50, 0)
    record.writeUInt16LE(VERSION, 4)
    writeShared(record, 6, entry)
    // Extra field, comment, disk number, attributes (30–41) stay 0.
    record.writeUInt32LE(entry.offset, 42)
    return Buffer.concat([record, entry.name])
  })
  const directory = Buffer.concat(records)
  if (offset + directory.length > MAX_32) throw tooLarge()
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([directory, end])
}

/** One entry's data: what a whole part is (text) or what a streamed part yields (text or bytes). */
export type EntryData = string | AsyncIterable<string | Uint8Array>

/**
 * The archive of these entries, in order, as chunks of bytes; each entry's data is read only when
 * its turn comes, and deflated as it is read.
 *
 * @example
 * for await (const chunk of zipStream([['a.txt', 'hello'], ['b.xml', xmlChunks()]])) out.write(chunk)
 */
export async function* zipStream(entries: Iterable<readonly [string, EntryData]>): AsyncIterable<Uint8Array> {
  const written: Written[] = []
  let offset = 0
  for (const [fileName, data] of entries) {
    const name = encoder.encode(fileName)
    const header = localHeader(name)
    const entry = { name, offset, crc: 0, compressed: 0, size: 0 }
    yield header
    offset += header.length
    async function* counted(): AsyncIterable<Uint8Array> {
      const parts = typeof data === 'string' ? [data] : data
      for await (const part of parts) {
        const bytes = typeof part === 'string' ? encoder.encode(part) : part
        entry.crc = crc32(bytes, entry.crc)
        entry.size += bytes.length
        if (entry.size > MAX_32) throw tooLarge()
        yield bytes
      }
    }
    // A failure in the data (a row source that throws) ends the deflate with that same error.
    const deflated = pipeline(
      Readable.from(counted(), { objectMode: false }),
      createDeflateRaw({ level: 6 }),
      () => undefined,
    )
    for await (const chunk of deflated as AsyncIterable<Buffer>) {
      entry.compressed += chunk.length
      offset += chunk.length
      if (offset > MAX_32) throw tooLarge()
      yield chunk
    }
    const descriptor = dataDescriptor(entry)
    yield descriptor
    offset += descriptor.length
    written.push(entry)
  }
  yield centralDirectory(written, offset)
}
