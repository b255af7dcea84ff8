/**
 * The host's check of what leaves the sandbox. A page's rows arrive as JSON
 * text built inside the isolate; the host does not trust it: one pass over
 * the characters checks that it is a JSON array of objects, that no value is
 * nested deeper than MAX_CELL_DEPTH inside a row, and counts the rows. It
 * parses nothing (no objects are built), so it costs a few milliseconds per
 * megabyte — far less than JSON.parse plus a walk.
 */
import { MAX_CELL_DEPTH } from './limits.js'

export type RowsCheck =
  /** `text.slice(start, end)` is the array's content without its brackets. */
  | { readonly ok: true; readonly rows: number; readonly start: number; readonly end: number }
  | { readonly ok: false; readonly problem: string }

const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const MINUS = 0x2d

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

/** Any raw control character: never in compact JSON, and not allowed inside a string. */
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const CONTROL = /[\u0000-\u001f]/

/**
 * Where the next backslash is, or Infinity. Strings without one (most of them) are skipped with
 * one native indexOf for their closing quote; only those with escapes are read character by
 * character. Raw control characters are looked for once, in the whole text, before the scan.
 */
interface Scan {
  nextBackslash: number
  readonly careful: boolean
}

function nextBackslash(text: string, from: number): number {
  const at = text.indexOf('\\', from)
  return at < 0 ? Infinity : at
}

/** Index after the string that opens at `i`, or -1 when it is not a valid JSON string. */
function skipString(text: string, i: number, scan: Scan): number {
  if (!scan.careful) {
    const close = text.indexOf('"', i + 1)
    if (close < 0) return -1
    if (close < scan.nextBackslash) return close + 1
  }
  const end = endOfString(text, i)
  if (end > 0 && !scan.careful) scan.nextBackslash = nextBackslash(text, end)
  return end
}

/** Index after the string that opens at `i`, read character by character; -1 when it is not a valid JSON string. */
function endOfString(text: string, i: number): number {
  for (let j = i + 1; ; j++) {
    const c = text.charCodeAt(j)
    if (c === QUOTE) return j + 1
    if (c === BACKSLASH) {
      const e = text.charCodeAt(j + 1)
      if (e === 0x75) {
        for (let k = j + 2; k < j + 6; k++) if (!isHex(text.charCodeAt(k))) return -1
        j += 5
      } else if (
        e === QUOTE ||
        e === BACKSLASH ||
        e === 0x2f ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      ) {
        j += 1
      } else {
        return -1
      }
    } else if (!(c >= 0x20)) {
      return -1
    } // a control character, or the end of the text (NaN)
  }
}

/** Index after the number that starts at `i`, or -1 (JSON's grammar: no `+`, no leading zeros, no bare `.`). */
function endOfNumber(text: string, i: number): number {
  let j = i
  if (text.charCodeAt(j) === MINUS) j++
  if (text.charCodeAt(j) === 0x30) j++
  else if (isDigit(text.charCodeAt(j))) while (isDigit(text.charCodeAt(j))) j++
  else return -1
  if (text.charCodeAt(j) === 0x2e) {
    j++
    if (!isDigit(text.charCodeAt(j))) return -1
    while (isDigit(text.charCodeAt(j))) j++
  }
  const e = text.charCodeAt(j)
  if (e === 0x65 || e === 0x45) {
    j++
    const sign = text.charCodeAt(j)
    if (sign === 0x2b || sign === MINUS) j++
    if (!isDigit(text.charCodeAt(j))) return -1
    while (isDigit(text.charCodeAt(j))) j++
  }
  return j
}

function literalAt(text: string, i: number): number {
  for (const word of ['true', 'false', 'null']) if (text.startsWith(word, i)) return i + word.length
  return -1
}

/**
 * Checks one page's rows text and counts its rows.
 *
 * @example checkRows('[{"a":1},{"b":[2]}]') // { ok: true, rows: 2 }
 * @example checkRows('[1]') // { ok: false, problem: 'item 1 is not a row object' }
 */
export function checkRows(text: string, maxCellDepth: number = MAX_CELL_DEPTH): RowsCheck {
  // What comes next (local constants, so the optimiser folds them).
  const VALUE = 0
  const VALUE_OR_CLOSE = 1
  const KEY = 2
  const KEY_OR_CLOSE = 3
  const COLON_NEXT = 4
  const COMMA_OR_CLOSE = 5
  // Depth 1 is the array of rows, 2 a row, 3 and more the values in its cells.
  const maxDepth = maxCellDepth + 2
  const isObject = new Uint8Array(maxDepth + 1)
  let depth = 0
  let rows = 0
  let expect = VALUE
  let i = 0
  let start = 0
  let end = 0
  const n = text.length
  const fail = (problem: string): RowsCheck => ({ ok: false, problem })
  // Control characters somewhere (whitespace between tokens, or a raw one in a string): read every string in full.
  const careful = CONTROL.test(text)
  const scan: Scan = { careful, nextBackslash: careful ? Infinity : nextBackslash(text, 0) }
  const at = (): string => (depth >= 2 ? ` in row ${rows}` : '')
  for (;;) {
    let c = text.charCodeAt(i)
    if (c <= 0x20) while (isSpace(c)) c = text.charCodeAt(++i)
    if (i >= n)
      return depth === 0 && expect === COMMA_OR_CLOSE ? { ok: true, rows, start, end } : fail('ends early')

    if (expect === COMMA_OR_CLOSE) {
      if (depth === 0) return fail('has text after the array')
      if (c === COMMA) {
        i++
        expect = isObject[depth] === 1 ? KEY : VALUE
        continue
      }
      if (c === (isObject[depth] === 1 ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        if (depth === 1) end = i
        depth--
        i++
        continue
      }
      return fail(`is not valid JSON${at()}`)
    }
    if (expect === KEY || expect === KEY_OR_CLOSE) {
      if (expect === KEY_OR_CLOSE && c === CLOSE_OBJECT) {
        depth--
        i++
        expect = COMMA_OR_CLOSE
        continue
      }
      if (c !== QUOTE) return fail(`is not valid JSON${at()}`)
      i = skipString(text, i, scan)
      if (i < 0) return fail(`is not valid JSON${at()}`)
      // Compact JSON has the colon right after the key.
      if (text.charCodeAt(i) === COLON) {
        i++
        expect = VALUE
      } else {
        expect = COLON_NEXT
      }
      continue
    }
    if (expect === COLON_NEXT) {
      if (c !== COLON) return fail(`is not valid JSON${at()}`)
      i++
      expect = VALUE
      continue
    }
    // A value (or, after '[', the end of the array).
    if (expect === VALUE_OR_CLOSE && c === CLOSE_ARRAY) {
      if (depth === 1) end = i
      depth--
      i++
      expect = COMMA_OR_CLOSE
      continue
    }
    if (depth <= 1) {
      if (depth === 0 && c !== OPEN_ARRAY) return fail('is not a JSON array')
      if (depth === 1 && c !== OPEN_OBJECT) return fail(`item ${rows + 1} is not a row object`)
    }
    if (c === QUOTE) {
      i = skipString(text, i, scan)
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth === 0) start = i + 1
      depth++
      if (depth === 2) rows++
      if (depth > maxDepth) return fail(`has a value nested deeper than ${maxCellDepth} levels${at()}`)
      isObject[depth] = c === OPEN_OBJECT ? 1 : 0
      expect = c === OPEN_OBJECT ? KEY_OR_CLOSE : VALUE_OR_CLOSE
      i++
      continue
    } else if (c === MINUS || isDigit(c)) {
      i = endOfNumber(text, i)
    } else {
      i = literalAt(text, i)
    }
    if (i < 0) return fail(`is not valid JSON${at()}`)
    expect = COMMA_OR_CLOSE
  }
}
