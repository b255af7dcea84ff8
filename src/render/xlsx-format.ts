/**
 * XLSX (Office Open XML SpreadsheetML, ECMA-376): one sheet, named after the query, a bold header
 * row frozen above the rows, column widths from the content, typed cells (src/render/README.md has
 * the table). Written as the rows arrive: the sheet's XML goes through a streaming deflate into the
 * zip (zip-writer.ts), every string inline (`t="inlineStr"`), so no shared-string table grows with the
 * rows. What is held is the first COLUMN_LOOKAHEAD rows (the widths — and, without given columns,
 * the columns — come from them, as CSV's header does), one row and about CHUNK_BYTES of XML (as UTF-8 bytes, never as strings: see XmlBytes).
 *
 * Why hand-written SpreadsheetML rather than exceljs's streaming WorkbookWriter: measured on 100,000
 * issue-shaped rows (5 fields) on a shared, loaded 2-core machine, 6 runs each, this writer took
 * 4.6–10.2 s at ~100 MB peak RSS, exceljs 6.0–23 s at 123–135 MB for a 30% larger file, and it
 * brings nine dependencies; exceljs stays a dev dependency, as the independent reader in tests.
 *
 * Never a formula: the writer has no `<f>` element at all, so a text cell `=1+1` is the text
 * `=1+1`. A text cell that CSV would guard (runsAsFormula) also gets Excel's own quote prefix
 * (`quotePrefix="1"` on its style): shown as it is, and still text after someone edits it, without
 * a `'` added to the data.
 */
import { QuarryError } from '../domain/errors.js'
import { cellText, cellValue, type Row } from './cell.js'
import { runsAsFormula } from './csv-format.js'
import type { BinaryFormat, Chunk, RenderOptions, RowSource } from './format.js'
import { readAhead, type RowsAhead } from './row-format.js'
import { textWidth } from './text-width.js'
import { zipStream } from './zip-writer.js'

/** Excel's limits (Microsoft, "Excel specifications and limits"). */
export const XLSX_MAX_ROWS = 1_048_576
export const XLSX_MAX_COLUMNS = 16_384
export const XLSX_MAX_CELL_TEXT = 32_767
export const XLSX_MAX_SHEET_NAME = 31

/** Column widths, in Excel's units (the width of a `0`): never narrower or wider than this. */
const MIN_WIDTH = 6
const MAX_WIDTH = 60
/** Room for the header's bold face and a cell's margins. */
const WIDTH_PADDING = 2

/** Indexes into styles.xml's cellXfs, in its order. */
const STYLE = {
  header: 1,
  headerQuoted: 2,
  quoted: 3,
  date: 4,
  dateTime: 5,
  dateTimeMillis: 6,
} as const

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

/** A cell as it goes into the sheet; undefined for an empty one (null, a missing column). */
type SheetCell =
  | { readonly kind: 'number'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'date'; readonly serial: number; readonly style: number; readonly width: number }
  | { readonly kind: 'text'; readonly text: string }

const MS_PER_DAY = 86_400_000
/** Day 0 of Excel's 1900 date system (serial 1 is 1900-01-01, counting Excel's 1900-02-29). */
const EPOCH_1900 = Date.UTC(1899, 11, 30)
/** Before this, Excel's serials are off by the 1900-02-29 that never was: such dates stay text. */
const FIRST_DATE = Date.UTC(1900, 2, 1)
/** The last day Excel can show. */
const END_OF_DATES = Date.UTC(10_000, 0, 1)

const DASH = 0x2d
const COLON = 0x3a
const DOT = 0x2e
const PLUS = 0x2b
const LETTER_T = 0x54
const LETTER_Z = 0x5a
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const

/** The number written in `count` ASCII digits from `start`; -1 if any of them is not a digit (or is past the end). */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0
  for (let at = start; at < start + count; at++) {
    const digit = text.charCodeAt(at) - 0x30
    // Past the end charCodeAt is NaN, which fails this too.
    if (!(digit >= 0 && digit <= 9)) return -1
    value = value * 10 + digit
  }
  return value
}

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0)
}

/**
 * Milliseconds east of UTC of the offset at `at` to the end of the text (`Z`, `+02:00`, `-0530`,
 * `+01`, or nothing); undefined when the rest of the text is anything else.
 */
function offsetAt(text: string, at: number): number | undefined {
  const rest = text.length - at
  if (rest === 0) return 0
  if (rest === 1 && text.charCodeAt(at) === LETTER_Z) return 0
  const sign = text.charCodeAt(at)
  if (sign !== PLUS && sign !== DASH) return undefined
  const hours = digitsAt(text, at + 1, 2)
  let minutes = 0
  if (rest === 5) minutes = digitsAt(text, at + 3, 2)
  else if (rest === 6 && text.charCodeAt(at + 3) === COLON) minutes = digitsAt(text, at + 4, 2)
  else if (rest !== 3) return undefined
  if (hours < 0 || minutes < 0) return undefined
  return (sign === DASH ? -1 : 1) * (hours * 60 + minutes) * 60_000
}

/**
 * An ISO 8601 date or timestamp (as the databases and most APIs give them) as an Excel date cell;
 * undefined for any other text, an impossible date (`2026-02-30`) or one Excel cannot show.
 * A timestamp with an offset is taken to UTC (a cell has no time zone); one without stays as it
 * is. Excel keeps milliseconds at most: finer fractions are rounded to them.
 *
 * Read character by character rather than by a regular expression: every ISO date cell of a
 * large result came through here, and a match's array and substrings made this the XLSX
 * writer's largest allocation (bench/memory.mjs). The forms taken are `YYYY-MM-DD` and
 * `YYYY-MM-DDTHH:MM[:SS[.fraction of 1–9 digits]][Z|±HH[[:]MM]]`.
 */
function dateCell(text: string): SheetCell | undefined {
  const length = text.length
  if (length < 10 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return undefined
  const year = digitsAt(text, 0, 4)
  const month = digitsAt(text, 5, 2)
  const day = digitsAt(text, 8, 2)
  // Years before 1000 are not taken (Date.UTC would read 0000–0099 as 1900–1999).
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined
  let time = Date.UTC(year, month - 1, day)
  let style: number = STYLE.date
  let width = 10
  if (length > 10) {
    if (text.charCodeAt(10) !== LETTER_T || text.charCodeAt(13) !== COLON) return undefined
    const hour = digitsAt(text, 11, 2)
    const minute = digitsAt(text, 14, 2)
    let second = 0
    let millis = 0
    let at = 16
    if (text.charCodeAt(at) === COLON) {
      second = digitsAt(text, at + 1, 2)
      at += 3
      if (text.charCodeAt(at) === DOT) {
        let end = at + 1
        while (end < length && digitsAt(text, end, 1) >= 0) end++
        const fractionDigits = end - at - 1
        if (fractionDigits < 1 || fractionDigits > 9) return undefined
        millis = Math.round(Number(text.slice(at, end)) * 1000)
        at = end
      }
    }
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined
    const offset = offsetAt(text, at)
    if (offset === undefined) return undefined
    time += ((hour * 60 + minute) * 60 + second) * 1000 + millis - offset
    const whole = time % 1000 === 0
    style = whole ? STYLE.dateTime : STYLE.dateTimeMillis
    width = whole ? 19 : 23
  }
  if (time < FIRST_DATE || time >= END_OF_DATES) return undefined
  return { kind: 'date', serial: (time - EPOCH_1900) / MS_PER_DAY, style, width }
}

/**
 * A value as a sheet cell, by the one mapping of src/render/README.md: a number or a bigint that
 * a double holds exactly → a number; a boolean → a boolean; ISO date text → a date; any other
 * text, a bigger bigint, an array or an object → text as `cellText` gives it; null, NaN and
 * ±Infinity → empty.
 */
function sheetCell(value: unknown): SheetCell | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) ? { kind: 'number', value: numberText(value) } : undefined
  if (typeof value === 'boolean') return { kind: 'boolean', value }
  if (typeof value === 'bigint') {
    const safe = value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
    return safe ? { kind: 'number', value: value.toString() } : { kind: 'text', text: value.toString() }
  }
  if (typeof value === 'string')
    return dateCell(value) ?? (value === '' ? undefined : { kind: 'text', text: value })
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return undefined
    const iso = value.toISOString()
    return dateCell(iso) ?? { kind: 'text', text: iso }
  }
  const text = cellText(value)
  return text === '' ? undefined : { kind: 'text', text }
}

/** JavaScript's digits, with the `E` an xsd:double is usually written with (`1E+21`). */
function numberText(value: number): string {
  return Object.is(value, -0) ? '0' : String(value).toUpperCase()
}

// eslint-disable-next-line no-control-regex -- characters XML 1.0 cannot hold are the point
const NOT_IN_XML = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g
/** Text a reader would take for Excel's `_xHHHH_` escape. */
const LOOKS_ESCAPED = /_(x[0-9A-Fa-f]{4}_)/g
const XML_SPECIAL = /[&<>\r]/g
/** Any character the three above would change (not global: `test` keeps no state). */
// eslint-disable-next-line no-control-regex -- characters XML 1.0 cannot hold are the point
const NEEDS_XML_CHANGE = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff&<>\r]|_x[0-9A-Fa-f]{4}_/
const XML_ENTITY: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' }

/**
 * Text cut to Excel's 32,767 characters: a longer text keeps its first 32,766 and ends in `…`
 * (never splitting a surrogate pair, so then one shorter). CSV and JSON have the whole text.
 *
 * @example
 * cellLimit('x'.repeat(40_000)).length // 32_767, ending in '…'
 */
export function cellLimit(text: string): string {
  if (text.length <= XLSX_MAX_CELL_TEXT) return text
  let end = XLSX_MAX_CELL_TEXT - 1
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return `${text.slice(0, end)}…`
}

/**
 * Text as a cell's XML content. Lone surrogates become U+FFFD; characters XML 1.0 cannot hold
 * (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF) are written in Excel's own escape,
 * `_x0001_`, which Excel (and other readers) turn back into the character; text that already
 * looks like such an escape gets its `_` escaped (`_x005F_`), so it reads back unchanged. A CR is
 * a character reference, which XML parsers do not turn into LF.
 *
 * @example
 * cellXml('a < b') // 'a &lt; b'
 * cellXml('bell\u0007') // 'bell_x0007_'
 * cellXml('_x0041_') // '_x005F_x0041_'
 */
export function cellXml(text: string): string {
  // Most text needs none of it: answered as it is, without three replace passes.
  if (text.length <= XLSX_MAX_CELL_TEXT && !NEEDS_XML_CHANGE.test(text) && text.isWellFormed()) return text
  const wellFormed = cellLimit(text.isWellFormed() ? text : text.toWellFormed())
  return wellFormed
    .replace(LOOKS_ESCAPED, '_x005F_$1')
    .replace(NOT_IN_XML, '\ufffd')
    .replace(XML_SPECIAL, (char) => XML_ENTITY[char] ?? char)
}

/** Text escaped for an XML attribute value (a sheet name). */
function attributeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;')
}

const NOT_IN_SHEET_NAME = /[[\]:*?/\\]/g

/**
 * A sheet name Excel takes, from a query's name: `[ ] : * ? / \` become `_`, control characters
 * go, a leading or trailing `'` goes, at most 31 characters (not splitting a surrogate pair), and
 * `History` (which Excel keeps for itself) or nothing left becomes `Sheet1`.
 *
 * @example
 * sheetName('sprint/42: open?') // 'sprint_42_ open_'
 * sheetName("'quoted'") // 'quoted'
 */
export function sheetName(name: string | undefined): string {
  let text = (name ?? '')
    .toWellFormed()
    // eslint-disable-next-line no-control-regex -- control characters are what goes
    .replace(/[\x00-\x1f\x7f\ufffe\uffff]/g, '')
    .replace(NOT_IN_SHEET_NAME, '_')
  if (text.length > XLSX_MAX_SHEET_NAME) {
    const end = /[\ud800-\udbff]/.test(text.charAt(XLSX_MAX_SHEET_NAME - 1))
      ? XLSX_MAX_SHEET_NAME - 1
      : XLSX_MAX_SHEET_NAME
    text = text.slice(0, end)
  }
  text = text.replace(/^'+|'+$/g, '').trim()
  return text === '' || text.toLowerCase() === 'history' ? 'Sheet1' : text
}

/**
 * A column's letters: 0 → `A`, 25 → `Z`, 26 → `AA`.
 *
 * @example
 * columnLetters(27) // 'AB'
 */
export function columnLetters(index: number): string {
  let letters = ''
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters
  return letters
}

/** The columns a cell takes on screen; a long text counts only as far as the widest column goes. */
function cellWidth(cell: SheetCell | undefined): number {
  if (cell === undefined) return 0
  if (cell.kind === 'number') return cell.value.length
  if (cell.kind === 'boolean') return 5
  if (cell.kind === 'date') return cell.width
  let widest = 0
  for (const line of cell.text.slice(0, MAX_WIDTH * 4).split('\n'))
    widest = Math.max(widest, textWidth(line.slice(0, MAX_WIDTH * 2)))
  return widest
}

/** Each column's width: its widest cell among the header and the rows given, within MIN..MAX_WIDTH. */
function columnWidths(columns: readonly string[], rows: readonly Row[]): number[] {
  return columns.map((column) => {
    let widest = cellWidth({ kind: 'text', text: column })
    for (const row of rows) widest = Math.max(widest, cellWidth(sheetCell(cellValue(row, column))))
    return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, widest + WIDTH_PADDING))
  })
}

/**
 * The sheet's XML as UTF-8 bytes, written straight into a buffer that is handed on once it holds
 * about CHUNK_BYTES. Why not strings: 100,000 rows built as `xml += …` template strings allocated
 * twice what CSV does (every cell's pieces, a cons-string tree per chunk, then its flattened copy
 * before encoding); that much garbage made V8 grow its young generation from 64 to 128 MB and put
 * `quarry run --format xlsx` over the memory bench's 300 MB (bench/RESULTS.md).
 */
class XmlBytes {
  #buffer = Buffer.allocUnsafe(CHUNK_BYTES + BUFFER_SLACK)
  #length = 0

  /** Appends text as UTF-8 (a text longer than the room left moves the bytes to a larger buffer). */
  add(text: string): void {
    // 3 bytes per UTF-16 unit at most: a surrogate pair is 4 bytes for 2 units.
    const need = text.length * 3
    if (this.#length + need > this.#buffer.length) {
      const larger = Buffer.allocUnsafe(this.#length + need + BUFFER_SLACK)
      this.#buffer.copy(larger, 0, 0, this.#length)
      this.#buffer = larger
    }
    this.#length += this.#buffer.write(text, this.#length)
  }

  get full(): boolean {
    return this.#length >= CHUNK_BYTES
  }

  /** The bytes written so far; the next ones go into a new buffer (the zip's deflate may still hold these). */
  take(): Uint8Array {
    const bytes = this.#buffer.subarray(0, this.#length)
    this.#buffer = Buffer.allocUnsafe(CHUNK_BYTES + BUFFER_SLACK)
    this.#length = 0
    return bytes
  }
}

/** The sheet's XML is handed on in chunks of about this many bytes. */
const CHUNK_BYTES = 64 * 1024
/** Room past CHUNK_BYTES, so that a row of short cells seldom needs a larger buffer. */
const BUFFER_SLACK = 16 * 1024

/** A regular expression literal is a new object each time it runs: kept here, it is made once. */
const EDGE_SPACE = /^\s|\s$/

/** Writes a cell; `ref` is its column's letters, `number` its row's number as text. */
function addTextCell(
  out: XmlBytes,
  letters: string,
  number: string,
  text: string,
  style: number | undefined,
): void {
  out.add('<c r="')
  out.add(letters)
  out.add(number)
  if (style !== undefined) {
    out.add('" s="')
    out.add(STYLE_TEXT[style] ?? String(style))
  }
  out.add(EDGE_SPACE.test(text) ? '" t="inlineStr"><is><t xml:space="preserve">' : '" t="inlineStr"><is><t>')
  out.add(cellXml(text))
  out.add('</t></is></c>')
}

/** STYLE's indexes as text, so that a styled cell allocates nothing for its `s`. */
const STYLE_TEXT: readonly string[] = Array.from({ length: 7 }, (_unused, index) => String(index))

function addCell(out: XmlBytes, letters: string, number: string, cell: SheetCell): void {
  if (cell.kind === 'text') {
    addTextCell(out, letters, number, cell.text, runsAsFormula(cell.text) ? STYLE.quoted : undefined)
    return
  }
  out.add('<c r="')
  out.add(letters)
  out.add(number)
  switch (cell.kind) {
    case 'number':
      out.add('"><v>')
      out.add(cell.value)
      break
    case 'boolean':
      out.add(cell.value ? '" t="b"><v>1' : '" t="b"><v>0')
      break
    case 'date':
      out.add('" s="')
      out.add(STYLE_TEXT[cell.style] ?? String(cell.style))
      out.add('"><v>')
      out.add(String(cell.serial))
      break
  }
  out.add('</v></c>')
}

function addHeader(out: XmlBytes, columns: readonly string[], letters: readonly string[]): void {
  out.add('<row r="1">')
  columns.forEach((column, index) =>
    addTextCell(
      out,
      letters[index] as string,
      '1',
      column,
      runsAsFormula(column) ? STYLE.headerQuoted : STYLE.header,
    ),
  )
  out.add('</row>')
}

function addRow(
  out: XmlBytes,
  row: Row,
  number: number,
  columns: readonly string[],
  letters: readonly string[],
): void {
  const numberText = String(number)
  out.add('<row r="')
  out.add(numberText)
  out.add('">')
  for (let index = 0; index < columns.length; index++) {
    const cell = sheetCell(cellValue(row, columns[index] as string))
    if (cell !== undefined) addCell(out, letters[index] as string, numberText, cell)
  }
  out.add('</row>')
}

/** The sheet's XML before its rows: the frozen header, the column widths. */
function sheetStart(widths: readonly number[]): string {
  const frozen =
    widths.length === 0
      ? '<sheetView workbookViewId="0"/>'
      : '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>'
  const cols =
    widths.length === 0
      ? ''
      : `<cols>${widths.map((width, index) => `<col min="${index + 1}" max="${index + 1}" width="${width}" customWidth="1"/>`).join('')}</cols>`
  return (
    `${XML_DECLARATION}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    `<sheetViews>${frozen}</sheetViews><sheetFormatPr defaultRowHeight="15"/>${cols}<sheetData>`
  )
}

const SHEET_END = '</sheetData></worksheet>'

const CONTENT_TYPES =
  `${XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
  '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
  '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
  '</Types>'

const PACKAGE_RELS =
  `${XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
  `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/>` +
  '</Relationships>'

const WORKBOOK_RELS =
  `${XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
  `<Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>` +
  `<Relationship Id="rId2" Type="${REL_NS}/styles" Target="styles.xml"/>` +
  '</Relationships>'

function workbookXml(name: string): string {
  return (
    `${XML_DECLARATION}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    `<bookViews><workbookView/></bookViews><sheets><sheet name="${attributeXml(name)}" sheetId="1" r:id="rId1"/></sheets>` +
    '</workbook>'
  )
}

const FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
/** The cell formats, in STYLE's order: plain, header, quoted header, quoted text, date, date-time, with milliseconds. */
const STYLES =
  `${XML_DECLARATION}<styleSheet xmlns="${MAIN_NS}">` +
  '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>' +
  '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/><numFmt numFmtId="166" formatCode="yyyy-mm-dd hh:mm:ss.000"/></numFmts>' +
  `<fonts count="2"><font>${FONT}</font><font><b/>${FONT}</font></fonts>` +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="7">' +
  '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>' +
  '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>' +
  '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>' +
  '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>'

/** The sheet's XML in chunks of about CHUNK_BYTES, as the rows arrive. */
async function* sheetXml(ahead: RowsAhead): AsyncIterable<Uint8Array> {
  const { columns } = ahead
  const letters = columns.map((_column, index) => columnLetters(index))
  const out = new XmlBytes()
  out.add(sheetStart(columns.length === 0 ? [] : columnWidths(columns, ahead.head)))
  if (columns.length > 0) addHeader(out, columns, letters)
  let number = 1
  for await (const row of ahead.rows) {
    if (++number > XLSX_MAX_ROWS) {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        `The result has more than ${(XLSX_MAX_ROWS - 1).toLocaleString('en')} rows, the most an Excel sheet holds below its header. ` +
          'Narrow the query, or download it as CSV or NDJSON.',
      )
    }
    addRow(out, row, number, columns, letters)
    if (out.full) yield out.take()
  }
  out.add(SHEET_END)
  yield out.take()
}

async function* writeXlsx(rows: RowSource, options: RenderOptions): AsyncIterable<Chunk> {
  // Before the first byte: a result Excel cannot hold fails while a server can still answer with an error.
  const ahead = await readAhead('xlsx', rows, options.columns)
  if (ahead.columns.length > XLSX_MAX_COLUMNS) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `The result has ${ahead.columns.length.toLocaleString('en')} columns and an Excel sheet holds at most ${XLSX_MAX_COLUMNS.toLocaleString('en')}. ` +
        'Choose fewer columns, or download it as CSV or JSON.',
    )
  }
  yield* zipStream([
    ['[Content_Types].xml', CONTENT_TYPES],
    ['_rels/.rels', PACKAGE_RELS],
    ['xl/workbook.xml', workbookXml(sheetName(options.name))],
    ['xl/_rels/workbook.xml.rels', WORKBOOK_RELS],
    ['xl/styles.xml', STYLES],
    ['xl/worksheets/sheet1.xml', sheetXml(ahead)],
  ])
}

/**
 * XLSX output: only ever streamed (a BinaryFormat), as the CLI and the view's downloads write it.
 *
 * @example
 * for await (const chunk of xlsxFormat.write(rows, { name: 'open-bugs' })) out.write(chunk)
 */
export const xlsxFormat: BinaryFormat = Object.freeze({
  name: 'xlsx',
  label: 'XLSX',
  mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  extension: 'xlsx',
  binary: true,
  write: writeXlsx,
})
