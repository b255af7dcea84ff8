/**
 * The shape every output format has. A format either writes row by row (`kind: 'rows'`: CSV, JSON,
 * NDJSON, HTML — these stream, holding one row at a time) or needs every row before its first byte
 * (`kind: 'whole'`: the terminal table, whose column widths depend on all cells).
 */
import type { Row } from './cell.js'

export type FormatName = 'table' | 'json' | 'csv' | 'ndjson' | 'html'

export interface RenderOptions {
  /** Column order; default: keys in order of first appearance across all rows. */
  readonly columns?: readonly string[]
  /** Terminal width for `table` (default 100); tables must fit it. */
  readonly width?: number
  /** Use ANSI colour/bold in `table` headers (default false). */
  readonly color?: boolean
  /** Title for `html` (escaped). */
  readonly title?: string
}

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
 * A format written one row at a time. The output is `open + row(0) + row(1) + … + close`, or
 * `empty` when there are no rows; the drivers in index.ts build exactly that string at once
 * (`render`) or in chunks (`renderStream`), so both give the same bytes.
 */
export interface RowFormat {
  readonly kind: 'rows'
  readonly name: FormatName
  /** Whether the column list must be known before the first row (a header line). */
  readonly needsColumns: boolean
  open(context: FormatContext): string
  row(row: Row, index: number, context: FormatContext): string
  close(context: FormatContext): string
  empty(context: FormatContext): string
}

/** A format that lays out all rows at once. */
export interface WholeFormat {
  readonly kind: 'whole'
  readonly name: FormatName
  render(rows: readonly Row[], columns: readonly string[], options: RenderOptions): string
}

export type Format = RowFormat | WholeFormat
