/**
 * Output formats for rows: `quarry run --format table|json|csv|ndjson|html`.
 *
 * `render` builds the whole output; `renderStream` yields it in chunks and, for CSV, JSON, NDJSON and
 * HTML, holds only the row at hand and one chunk of text (plus, for CSV and HTML without given
 * columns, the first COLUMN_LOOKAHEAD rows), so 100,000 rows go to a file without the whole result
 * in memory. Both give the same bytes for the same rows.
 */
import { QuarryError } from '../domain/errors.js'
import { columnsOf } from './cell.js'
import type { Row } from './cell.js'
import { csvFormat } from './csv-format.js'
import type { Format, FormatContext, FormatName, RenderOptions, RowFormat } from './format.js'
import { htmlFormat } from './html-format.js'
import { jsonFormat } from './json-format.js'
import { ndjsonFormat } from './ndjson-format.js'
import { tableFormat } from './table-format.js'

export type { Row } from './cell.js'
export { cellText, columnsOf } from './cell.js'
export type { FormatName, RenderOptions } from './format.js'
export { textWidth, truncateToWidth, terminalText } from './text-width.js'

const FORMAT_LIST: readonly Format[] = [tableFormat, jsonFormat, csvFormat, ndjsonFormat, htmlFormat]
const BY_NAME: ReadonlyMap<string, Format> = new Map(FORMAT_LIST.map((format) => [format.name, format]))

/** Every format name, in the order `--help` lists them. */
export const FORMATS: readonly FormatName[] = Object.freeze(FORMAT_LIST.map((format) => format.name))

/**
 * Whether `name` is a format name (for parsing `--format`).
 *
 * @example
 * isFormatName('csv') // true
 * isFormatName('xlsx') // false
 */
export function isFormatName(name: string): name is FormatName {
  return BY_NAME.has(name)
}

function formatOf(name: FormatName): Format {
  const format = BY_NAME.get(name)
  // The type says this cannot happen; a CLI flag passed through unchecked can.
  if (format === undefined)
    throw new RangeError(`Unknown format "${name}"; use one of ${FORMATS.join(', ')}.`)
  return format
}

/**
 * When streaming CSV or HTML without explicit columns, the header is taken from the rows seen in this
 * many first rows (held back until then). A later row with a column none of them had makes the stream
 * fail rather than lose that column without a word; pass `columns` for results shaped like that.
 */
export const COLUMN_LOOKAHEAD = 1000

/** Text is handed on in chunks of about this many UTF-16 units: few enough writes, little memory. */
export const CHUNK_SIZE = 64 * 1024

/**
 * All rows rendered to one string (ending with a newline where the format has lines).
 *
 * @example
 * render('csv', [{ key: 'QA-1', summary: 'Fix login' }]) // 'key,summary\r\nQA-1,Fix login\r\n'
 * render('table', rows, { width: process.stdout.columns, color: process.stdout.isTTY })
 */
export function render(format: FormatName, rows: readonly Row[], options: RenderOptions = {}): string {
  const spec = formatOf(format)
  if (spec.kind === 'whole') return spec.render(rows, options.columns ?? columnsOf(rows), options)
  const context: FormatContext = {
    columns: options.columns ?? (spec.needsColumns ? columnsOf(rows) : undefined),
    options,
  }
  if (rows.length === 0) return spec.empty(context)
  const parts = [spec.open(context)]
  rows.forEach((row, index) => parts.push(spec.row(row, index, context)))
  parts.push(spec.close(context))
  return parts.join('')
}

async function collect(rows: Iterable<Row> | AsyncIterable<Row>): Promise<Row[]> {
  if (Array.isArray(rows)) return rows as Row[]
  const all: Row[] = []
  for await (const row of rows) all.push(row)
  return all
}

function unknownColumn(row: Row, known: ReadonlySet<string>): string | undefined {
  for (const key of Object.keys(row)) if (!known.has(key)) return key
  return undefined
}

/**
 * The rows rendered in chunks, for results too large to hold as one string. CSV, JSON, NDJSON and
 * HTML are written row by row as the rows arrive; the table needs every row for its column widths
 * and comes as one chunk at the end. The chunks joined are exactly `render(format, rows, options)` —
 * for CSV and HTML without `columns` from a source that is not an array, as long as every column
 * appears within the first COLUMN_LOOKAHEAD rows (otherwise the stream throws, naming the column).
 *
 * @example
 * for await (const chunk of renderStream('csv', rowsFromJira())) process.stdout.write(chunk)
 * await pipeline(Readable.from(renderStream('ndjson', rows)), createWriteStream('out.ndjson'))
 */
export async function* renderStream(
  format: FormatName,
  rows: Iterable<Row> | AsyncIterable<Row>,
  options: RenderOptions & { columns?: readonly string[] } = {},
): AsyncIterable<string> {
  const spec = formatOf(format)
  if (spec.kind === 'whole') {
    const all = await collect(rows)
    yield spec.render(all, options.columns ?? columnsOf(all), options)
    return
  }
  if (Array.isArray(rows)) {
    // Already in memory: the columns can come from every row, exactly as render() takes them.
    const all = rows as readonly Row[]
    yield* streamRows(spec, all, {
      columns: options.columns ?? (spec.needsColumns ? columnsOf(all) : undefined),
      options,
    })
    return
  }
  if (options.columns !== undefined || !spec.needsColumns) {
    yield* streamRows(spec, rows, { columns: options.columns, options })
    return
  }
  yield* streamWithLookahead(spec, rows, options)
}

/** Holds back the first COLUMN_LOOKAHEAD rows to learn the columns, then streams, checking later rows. */
async function* streamWithLookahead(
  spec: RowFormat,
  rows: Iterable<Row> | AsyncIterable<Row>,
  options: RenderOptions,
): AsyncIterable<string> {
  const iterator = Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : rows[Symbol.iterator]()
  const head: Row[] = []
  let done = false
  while (head.length < COLUMN_LOOKAHEAD) {
    const next = await iterator.next()
    if (next.done === true) {
      done = true
      break
    }
    head.push(next.value)
  }
  const columns = columnsOf(head)
  const known = new Set(columns)
  async function* all(): AsyncIterable<Row> {
    let finished = done
    try {
      yield* head
      head.length = 0
      let index = COLUMN_LOOKAHEAD
      while (!finished) {
        const next = await iterator.next()
        if (next.done === true) {
          finished = true
          break
        }
        const extra = unknownColumn(next.value, known)
        if (extra !== undefined) {
          throw new QuarryError(
            'QUARRY_CONFIG_INVALID',
            `Row ${index + 1} has a column "${extra}" that none of the first ${COLUMN_LOOKAHEAD} rows had, ` +
              `and ${spec.name.toUpperCase()} must name its columns before the first row. ` +
              'Choose the columns explicitly to render this result.',
          )
        }
        index++
        yield next.value
      }
    } finally {
      // Stopped early (the reader broke off, or a late column): let the source close its pages.
      if (!finished) await iterator.return?.()
    }
  }
  yield* streamRows(spec, all(), { columns, options })
}

/** `open + row… + close` (or `empty`), batched into chunks of about CHUNK_SIZE. */
async function* streamRows(
  spec: RowFormat,
  rows: Iterable<Row> | AsyncIterable<Row>,
  context: FormatContext,
): AsyncIterable<string> {
  let buffer = ''
  let index = 0
  for await (const row of rows) {
    buffer += index === 0 ? spec.open(context) : ''
    buffer += spec.row(row, index, context)
    index++
    if (buffer.length >= CHUNK_SIZE) {
      yield buffer
      buffer = ''
    }
  }
  buffer += index === 0 ? spec.empty(context) : spec.close(context)
  if (buffer !== '') yield buffer
}
