/**
 * Builds text formats from their writers (format.ts): `rowFormat` for a format written row by row,
 * `wholeFormat` for one laid out from all rows at once. Both give a format whose `write` streams and
 * whose `text` renders at once, with the same bytes.
 *
 * A row-by-row format streamed holds only the row at hand and one chunk of text (plus, for a format
 * that needs its columns first — CSV, HTML — without given columns, the first COLUMN_LOOKAHEAD
 * rows), so 100,000 rows go to a file without the whole result in memory.
 */
import { QuarryError } from '../domain/errors.js'
import { columnsOf } from './cell.js'
import { RowQueue } from './row-queue.js'
import type { Row } from './cell.js'
import type {
  FormatAbout,
  FormatContext,
  RenderOptions,
  RowSource,
  RowWriter,
  TextFormat,
  WholeWriter,
} from './format.js'

/**
 * When streaming CSV or HTML without explicit columns, the header is taken from the rows seen in this
 * many first rows (held back until then). A later row with a column none of them had makes the stream
 * fail rather than lose that column without a word; pass `columns` for results shaped like that.
 */
export const COLUMN_LOOKAHEAD = 1000

/** Text is handed on in chunks of about this many UTF-16 units: few enough writes, little memory. */
export const CHUNK_SIZE = 64 * 1024

/**
 * A text format written one row at a time.
 *
 * @example
 * export const ndjsonFormat = rowFormat(
 *   { name: 'ndjson', label: 'NDJSON', mediaType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson' },
 *   { needsColumns: false, open: () => '', row: (row) => JSON.stringify(row) + '\n', close: () => '', empty: () => '' },
 * )
 */
export function rowFormat(about: FormatAbout, writer: RowWriter): TextFormat {
  return Object.freeze({
    ...about,
    binary: false,
    write: (rows: RowSource, options: RenderOptions) => writeRows(about.name, writer, rows, options),
    text(rows: readonly Row[], options: RenderOptions): string {
      const context: FormatContext = {
        columns: options.columns ?? (writer.needsColumns ? columnsOf(rows) : undefined),
        options,
      }
      if (rows.length === 0) return writer.empty(context)
      const parts = [writer.open(context)]
      rows.forEach((row, index) => parts.push(writer.row(row, index, context)))
      parts.push(writer.close(context))
      return parts.join('')
    },
  })
}

/**
 * A text format that needs every row before its first byte; streamed, it comes as one chunk once all
 * rows are in.
 *
 * @example
 * export const tableFormat = wholeFormat({ name: 'table', label: 'Text', mediaType: 'text/plain; charset=utf-8', extension: 'txt' }, renderTable)
 */
export function wholeFormat(about: FormatAbout, writer: WholeWriter): TextFormat {
  const text = (rows: readonly Row[], options: RenderOptions): string =>
    writer(rows, options.columns ?? columnsOf(rows), options)
  return Object.freeze({
    ...about,
    binary: false,
    text,
    async *write(rows: RowSource, options: RenderOptions): AsyncIterable<string> {
      yield text(await collect(rows), options)
    },
  })
}

/**
 * Every row of a source in one array (an array is taken as it is).
 *
 * @example
 * const all = await collect(rowsFromJira())
 */
export async function collect(rows: RowSource): Promise<readonly Row[]> {
  if (Array.isArray(rows)) return rows as readonly Row[]
  const all: Row[] = []
  for await (const row of rows) all.push(row)
  return all
}

function writeRows(
  name: string,
  writer: RowWriter,
  rows: RowSource,
  options: RenderOptions,
): AsyncIterable<string> {
  if (Array.isArray(rows)) {
    // Already in memory: the columns can come from every row, exactly as text() takes them.
    const all = rows as readonly Row[]
    return streamRows(writer, all, {
      columns: options.columns ?? (writer.needsColumns ? columnsOf(all) : undefined),
      options,
    })
  }
  if (rows instanceof RowQueue) return streamPages(name, writer, rows as RowQueue<Row>, options)
  if (options.columns !== undefined || !writer.needsColumns)
    return streamRows(writer, rows, { columns: options.columns, options })
  return streamWithLookahead(name, writer, rows, options)
}

function lateColumn(name: string, column: string, index: number): QuarryError {
  return new QuarryError(
    'QUARRY_CONFIG_INVALID',
    `Row ${index + 1} has a column "${column}" that none of the first ${COLUMN_LOOKAHEAD} rows had, ` +
      `and ${name.toUpperCase()} must name its columns before the first row. ` +
      'Choose the columns explicitly to render this result.',
  )
}

function unknownColumn(row: Row, known: ReadonlySet<string>): string | undefined {
  // for…in rather than Object.keys: no array per row (every row of a large result comes through here).
  for (const key in row) if (Object.hasOwn(row, key) && !known.has(key)) return key
  return undefined
}

/** A source's rows with the columns to write them under, its first rows read already. */
export interface RowsAhead {
  /** The given columns, else those of the first COLUMN_LOOKAHEAD rows (of every row, for an array). */
  readonly columns: readonly string[]
  /** The first COLUMN_LOOKAHEAD rows (an XLSX sizes its columns from them): read it before `rows`, which empties it once handed on. */
  readonly head: readonly Row[]
  /** Every row, the head's first. */
  readonly rows: AsyncIterable<Row>
}

/**
 * Reads the first COLUMN_LOOKAHEAD rows of a source to learn its columns (unless given), then
 * hands on every row. Columns learned from the head are checked on each later row: one with a
 * column none of the head had makes the stream fail rather than lose that column without a word.
 *
 * @example
 * const { columns, rows: all } = await readAhead('csv', rowsFromJira())
 */
export async function readAhead(
  name: string,
  rows: RowSource,
  given?: readonly string[],
): Promise<RowsAhead> {
  if (Array.isArray(rows)) {
    // Already in memory: the columns can come from every row, exactly as text() takes them.
    const all = rows as readonly Row[]
    return { columns: given ?? columnsOf(all), head: all.slice(0, COLUMN_LOOKAHEAD), rows: fromArray(all) }
  }
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
  const columns = given ?? columnsOf(head)
  const known = given === undefined ? new Set(columns) : undefined
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
        const extra = known && unknownColumn(next.value, known)
        if (extra !== undefined) throw lateColumn(name, extra, index)
        index++
        yield next.value
      }
    } finally {
      // Stopped early (the reader broke off, or a late column): let the source close its pages.
      if (!finished) await iterator.return?.()
    }
  }
  return { columns, head, rows: all() }
}

async function* fromArray(rows: readonly Row[]): AsyncIterable<Row> {
  yield* rows
}

/** Holds back the first COLUMN_LOOKAHEAD rows to learn the columns, then streams, checking later rows. */
async function* streamWithLookahead(
  name: string,
  writer: RowWriter,
  rows: RowSource,
  options: RenderOptions,
): AsyncIterable<string> {
  const ahead = await readAhead(name, rows)
  yield* streamRows(writer, ahead.rows, { columns: ahead.columns, options })
}

/**
 * The same bytes as streamWithLookahead/streamRows, from a queue read a page at a time: one await
 * per page rather than a few per row, which is most of the time 100,000 SQL rows took to CSV.
 */
async function* streamPages(
  name: string,
  writer: RowWriter,
  queue: RowQueue<Row>,
  options: RenderOptions,
): AsyncIterable<string> {
  const pages = queue.pages()[Symbol.asyncIterator]()
  let finished = false
  const nextPage = async (): Promise<readonly Row[] | undefined> => {
    const next = await pages.next()
    if (next.done === true) finished = true
    return next.done === true ? undefined : next.value
  }
  try {
    // The head: pages read until COLUMN_LOOKAHEAD rows are in, to learn the columns (unless given).
    const held: (readonly Row[])[] = []
    let known: ReadonlySet<string> | undefined
    let columns = options.columns
    if (columns === undefined && writer.needsColumns) {
      const head: Row[] = []
      while (head.length < COLUMN_LOOKAHEAD) {
        const page = await nextPage()
        if (page === undefined) break
        held.push(page)
        for (let i = 0; i < page.length && head.length < COLUMN_LOOKAHEAD; i++) head.push(page[i] as Row)
      }
      columns = columnsOf(head)
      known = new Set(columns)
    }
    const context: FormatContext = { columns, options }
    let buffer = ''
    let index = 0
    for (;;) {
      const page = held.shift() ?? (finished ? undefined : await nextPage())
      if (page === undefined) break
      for (const row of page) {
        const extra = known && index >= COLUMN_LOOKAHEAD ? unknownColumn(row, known) : undefined
        if (extra !== undefined) throw lateColumn(name, extra, index)
        if (index === 0) buffer += writer.open(context)
        buffer += writer.row(row, index, context)
        index++
        if (buffer.length >= CHUNK_SIZE) {
          yield buffer
          buffer = ''
        }
      }
    }
    buffer += index === 0 ? writer.empty(context) : writer.close(context)
    if (buffer !== '') yield buffer
  } finally {
    // Stopped early (the reader broke off, or a late column): let the queue's iterator end.
    if (!finished) await pages.return?.(undefined)
  }
}

/** `open + row… + close` (or `empty`), batched into chunks of about CHUNK_SIZE. */
async function* streamRows(
  writer: RowWriter,
  rows: RowSource,
  context: FormatContext,
): AsyncIterable<string> {
  let buffer = ''
  let index = 0
  for await (const row of rows) {
    buffer += index === 0 ? writer.open(context) : ''
    buffer += writer.row(row, index, context)
    index++
    if (buffer.length >= CHUNK_SIZE) {
      yield buffer
      buffer = ''
    }
  }
  buffer += index === 0 ? writer.empty(context) : writer.close(context)
  if (buffer !== '') yield buffer
}
