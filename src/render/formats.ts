/**
 * The registry of output formats: every `*-format.ts` is listed here once, and everything that
 * offers formats asks this list — `quarry run --format`, the view's download links and routes
 * (`/v/QUERY/rows.EXT`). Adding a format is one new `*-format.ts` file (shaped like csv-format.ts,
 * or a BinaryFormat) and one line in BUILT_IN.
 */
import { csvFormat } from './csv-format.js'
import type { FormatName, OutputFormat } from './format.js'
import { htmlFormat } from './html-format.js'
import { jsonFormat } from './json-format.js'
import { ndjsonFormat } from './ndjson-format.js'
import { tableFormat } from './table-format.js'
import { xlsxFormat } from './xlsx-format.js'

/** The formats Quarry ships, in the order `--help` and the view's download links list them. */
const BUILT_IN: readonly OutputFormat[] = [
  tableFormat,
  jsonFormat,
  csvFormat,
  xlsxFormat,
  ndjsonFormat,
  htmlFormat,
]

const registered: OutputFormat[] = [...BUILT_IN]

/** The names of the formats Quarry ships, in the order `--help` lists them. */
export const FORMATS: readonly FormatName[] = Object.freeze(BUILT_IN.map((format) => format.name))

/**
 * Every registered format, in order.
 *
 * @example
 * outputFormats().map((format) => format.label) // ['Text', 'JSON', 'CSV', 'XLSX', 'NDJSON', 'HTML']
 */
export function outputFormats(): readonly OutputFormat[] {
  return [...registered]
}

/**
 * Adds a format (after the built-in ones); returns what removes it again. Its name and its
 * extension must be new: a download is found by its extension, a `--format` by its name.
 *
 * @example
 * const unregister = registerFormat(parquetFormat)
 */
export function registerFormat(format: OutputFormat): () => void {
  const clash = registered.find((known) => known.name === format.name || known.extension === format.extension)
  if (clash !== undefined) {
    throw new RangeError(
      `A format named "${clash.name}" (extension "${clash.extension}") is registered already.`,
    )
  }
  registered.push(format)
  return () => {
    const at = registered.indexOf(format)
    if (at >= 0 && !BUILT_IN.includes(format)) registered.splice(at, 1)
  }
}

/**
 * Whether `name` is a registered format's name (for parsing `--format`).
 *
 * @example
 * isFormatName('csv') // true
 * isFormatName('xlsx') // true
 * isFormatName('parquet') // false, until a Parquet format is registered
 */
export function isFormatName(name: string): name is FormatName {
  return registered.some((format) => format.name === name)
}

/** The names of every registered format, in order (for messages and `--help`). */
export function formatNames(): readonly FormatName[] {
  return registered.map((format) => format.name)
}

/**
 * The format of that name.
 *
 * @example
 * formatNamed('csv').mediaType // 'text/csv; charset=utf-8'
 */
export function formatNamed(name: FormatName): OutputFormat {
  const format = registered.find((known) => known.name === name)
  // The type cannot say which names are registered; a CLI flag passed through unchecked can be anything.
  if (format === undefined)
    throw new RangeError(`Unknown format "${name}"; use one of ${formatNames().join(', ')}.`)
  return format
}

/**
 * The format whose downloads end in `extension`, if one is registered.
 *
 * @example
 * formatWithExtension('txt')?.name // 'table'
 */
export function formatWithExtension(extension: string): OutputFormat | undefined {
  return registered.find((format) => format.extension === extension)
}
