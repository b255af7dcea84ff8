/**
 * CSV as RFC 4180 defines it: CRLF after every record (the last one too), a header record first,
 * a field in double quotes when it contains `"`, `,`, CR or LF, with each `"` inside doubled
 * (RFC 4180 §2). UTF-8 without a byte order mark (RFC 7111 registers text/csv with a charset).
 *
 * Two additions, both still valid RFC 4180:
 * - A field with leading or trailing whitespace is quoted too, so tools that trim unquoted fields
 *   keep the spaces.
 * - CSV injection (OWASP, "CSV Injection"): a spreadsheet opening the file runs a cell that starts
 *   with `=`, `+`, `-` or `@` as a formula (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`), and a leading tab
 *   or CR can hide such a start. Following OWASP's advice, such a text cell gets a leading `'`, which
 *   spreadsheets read as "this is text"; a program reading the CSV sees the `'`. The data itself is
 *   never altered (issue 12): real numbers are never prefixed, and neither is text of a `+` or `-`
 *   followed only by digits, letters, spaces, `.`, `,`, `:`, `+` and `-` — a negative BIGINT or
 *   NUMERIC as text (`-9223372036854775808`, `-0.0000000001`), an interval (`-1 mons`,
 *   `-1 days -02:03:04`), an offset (`+02:00`), a list of numbers (`-1, 2`). Such a "formula" can only add and subtract cells: without a parenthesis
 *   it calls no function (HYPERLINK, WEBSERVICE), without `|` no other program (DDE), without `!`
 *   no other sheet. Column names are treated as text.
 */
import { cellText, cellValue, isNumeric } from './cell.js'
import type { FormatContext } from './format.js'
import { rowFormat } from './row-format.js'

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/
const FORMULA_START = /^[=+\-@\t\r]/
/** A sign and what cannot make a formula reach anything: see the module comment. */
const HARMLESS_SIGNED = /^[+-][0-9A-Za-z .,:+-]*$/

/**
 * Whether a spreadsheet could run this text as a formula that does something.
 *
 * @example
 * runsAsFormula('=1+1') // true
 * runsAsFormula('-9223372036854775808') // false
 * runsAsFormula("-2+3+cmd|' /C calc'!A0") // true
 */
export function runsAsFormula(text: string): boolean {
  // The first character alone rules out almost every cell, without a regex call.
  const first = text.charCodeAt(0)
  if (
    first !== 0x3d &&
    first !== 0x2b &&
    first !== 0x2d &&
    first !== 0x40 &&
    first !== 0x09 &&
    first !== 0x0d
  )
    return false
  return FORMULA_START.test(text) && !HARMLESS_SIGNED.test(text)
}

/**
 * One CSV field for a cell value: text as {@link cellText} gives it, prefixed against formula
 * injection, quoted when needed.
 *
 * @example
 * csvField('plain') // 'plain'
 * csvField('say "hi", then go') // '"say ""hi"", then go"'
 * csvField('=1+1') // "'=1+1"
 * csvField(-5) // '-5'
 * csvField('-1 mons') // '-1 mons'
 * csvField(' padded') // '" padded"'
 */
export function csvField(value: unknown): string {
  // What most cells are, the same text as below at less cost: a number's or a boolean's text never needs quotes.
  if (value == null) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  let text = cellText(value)
  if (!isNumeric(value) && runsAsFormula(text)) text = `'${text}`
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

function record(fields: readonly string[]): string {
  return fields.join(',') + '\r\n'
}

function columnsIn(context: FormatContext): readonly string[] {
  // The drivers always resolve columns for this format (needsColumns); [] is only a type fallback.
  return context.columns ?? []
}

/** Header line, or nothing at all when there are no columns (an empty line would be one empty field). */
function header(context: FormatContext): string {
  const columns = columnsIn(context)
  return columns.length === 0 ? '' : record(columns.map(csvField))
}

/**
 * CSV output.
 *
 * @example
 * render('csv', [{ key: 'QA-1', points: 3 }]) // 'key,points\r\nQA-1,3\r\n'
 */
export const csvFormat = rowFormat(
  // RFC 7111 registers text/csv; the charset says how to read the bytes.
  { name: 'csv', label: 'CSV', mediaType: 'text/csv; charset=utf-8', extension: 'csv' },
  {
    needsColumns: true,
    open: header,
    row: (row, _index, context) => {
      // A loop rather than map + join: this runs once per row of a result of any size.
      const columns = columnsIn(context)
      let line = ''
      for (let i = 0; i < columns.length; i++)
        line += (i === 0 ? '' : ',') + csvField(cellValue(row, columns[i] as string))
      return line + '\r\n'
    },
    close: () => '',
    empty: header,
  },
)
