/**
 * Output formats for rows: `quarry run --format table|json|csv|xlsx|ndjson|html`, and any other
 * format registered in formats.ts.
 *
 * `render` builds a text format's whole output; `renderStream` yields it in chunks and, for CSV,
 * JSON, NDJSON and HTML, holds only the row at hand and one chunk of text (plus, for CSV and HTML
 * without given columns, the first COLUMN_LOOKAHEAD rows), so 100,000 rows go to a file without the
 * whole result in memory. Both give the same bytes for the same rows. `writeFormat` streams any
 * format, binary ones too (XLSX, which streams the same way): what the CLI and the server write out.
 */
import type { Row } from './cell.js'
import type { Chunk, FormatName, RenderOptions, RowSource, TextFormat } from './format.js'
import { formatNamed } from './formats.js'

export type { Row } from './cell.js'
export { cellText, columnsOf } from './cell.js'
export type { Chunk, FormatName, OutputFormat, RenderOptions, RowSource } from './format.js'
export {
  FORMATS,
  formatNamed,
  formatNames,
  formatWithExtension,
  isFormatName,
  outputFormats,
  registerFormat,
} from './formats.js'
export { CHUNK_SIZE, COLUMN_LOOKAHEAD } from './row-format.js'
export { textWidth, truncateToWidth, terminalText } from './text-width.js'

function textFormat(name: FormatName): TextFormat {
  const format = formatNamed(name)
  if (format.binary)
    throw new RangeError(`The ${name} format writes bytes, not text; stream it with writeFormat.`)
  return format
}

/**
 * All rows rendered to one string (ending with a newline where the format has lines).
 *
 * @example
 * render('csv', [{ key: 'QA-1', summary: 'Fix login' }]) // 'key,summary\r\nQA-1,Fix login\r\n'
 * render('table', rows, { width: process.stdout.columns, color: process.stdout.isTTY })
 */
export function render(format: FormatName, rows: readonly Row[], options: RenderOptions = {}): string {
  return textFormat(format).text(rows, options)
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
  rows: RowSource,
  options: RenderOptions = {},
): AsyncIterable<string> {
  yield* textFormat(format).write(rows, options)
}

/**
 * The rows in any registered format, text or binary, as chunks to write out in order (strings as
 * UTF-8): what `quarry run` and the view's downloads send.
 *
 * @example
 * for await (const chunk of writeFormat('csv', rows)) process.stdout.write(chunk)
 */
export async function* writeFormat(
  format: FormatName,
  rows: RowSource,
  options: RenderOptions = {},
): AsyncIterable<Chunk> {
  yield* formatNamed(format).write(rows, options)
}
