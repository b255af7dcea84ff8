/**
 * The shape every output format has (one `*-format.ts` file each, listed in formats.ts): what it is
 * called and how it is served (name, label, media type, file extension, text or binary) and how it
 * writes rows — as a stream of chunks, strings for a text format, bytes or strings for a binary one
 * (xlsx-format.ts, issue 16, is one: the CLI and the server only ever see chunks).
 *
 * Text formats are built from one of two writers (row-format.ts): row by row (CSV, JSON, NDJSON,
 * HTML — these stream, holding one row at a time) or all rows at once (the terminal table, whose
 * column widths depend on every cell).
 */
import type { Row } from './cell.js'

/** A format's name, as `quarry run --format` takes it: one of the registered formats (formats.ts). */
export type FormatName = string

/** A piece of output: text (written as UTF-8) or bytes. */
export type Chunk = string | Uint8Array

/** Where rows come from: an array in memory, or a source that yields them as they arrive. */
export type RowSource = Iterable<Row> | AsyncIterable<Row>

export interface RenderOptions {
  /** Column order; default: keys in order of first appearance across all rows. */
  readonly columns?: readonly string[]
  /** Terminal width for `table` (default 100); tables must fit it. */
  readonly width?: number
  /** Use ANSI colour/bold in `table` headers (default false). */
  readonly color?: boolean
  /** Title for `html` (escaped). */
  readonly title?: string
  /** The query's name: an `xlsx` sheet is called after it (within Excel's rules for sheet names). */
  readonly name?: string
}

/** What a format is called and how it is served; the same fields for every format. */
export interface FormatAbout {
  /** `quarry run --format NAME`. */
  readonly name: FormatName
  /** What a download link says: `CSV`. */
  readonly label: string
  /** The Content-Type of a download: `text/csv; charset=utf-8`. */
  readonly mediaType: string
  /** A download's file name ending, without the dot (`/v/QUERY/rows.csv`, `QUERY.csv`); unique. */
  readonly extension: string
}

/** A format whose output is text: its chunks are strings, and it can also render all rows at once. */
export interface TextFormat extends FormatAbout {
  readonly binary: false
  /** The rows as text chunks, in order, as the rows arrive (see row-format.ts for what is held back). */
  write(rows: RowSource, options: RenderOptions): AsyncIterable<string>
  /** All rows at once: exactly the chunks of `write` joined. */
  text(rows: readonly Row[], options: RenderOptions): string
}

/** A format whose output is bytes (a spreadsheet, an archive): only ever streamed. */
export interface BinaryFormat extends FormatAbout {
  readonly binary: true
  /** The rows as chunks, in order; strings among them are written as UTF-8. */
  write(rows: RowSource, options: RenderOptions): AsyncIterable<Chunk>
}

export type OutputFormat = TextFormat | BinaryFormat

/** What a row-by-row format is told once, before and after the rows. */
export interface FormatContext {
  /**
   * The columns to write. Always set for formats with `needsColumns`; for the others (JSON,
   * NDJSON) only when the caller chose columns, and then each object is cut down to them.
   */
  readonly columns: readonly string[] | undefined
  readonly options: RenderOptions
}

/**
 * How a text format writes one row at a time. The output is `open + row(0) + row(1) + … + close`,
 * or `empty` when there are no rows; rowFormat (row-format.ts) builds exactly that string at once
 * (`text`) or in chunks (`write`), so both give the same bytes.
 */
export interface RowWriter {
  /** Whether the column list must be known before the first row (a header line). */
  readonly needsColumns: boolean
  open(context: FormatContext): string
  row(row: Row, index: number, context: FormatContext): string
  close(context: FormatContext): string
  empty(context: FormatContext): string
}

/** How a text format lays out all rows at once. */
export type WholeWriter = (rows: readonly Row[], columns: readonly string[], options: RenderOptions) => string
