/**
 * The rows of a JSON array text, parsed a slice at a time: a page of a million rows is one text
 * of some 30 MB, but a million parsed objects take several times that; parsed a slice at a
 * time, only the slice the renderer is writing is held as objects (issue 12, bench/memory.mjs).
 *
 * The text is an array the engine produced (JSON.stringify, a database driver, a converter's
 * checked result), so the scanner only needs to find its top-level commas: outside strings,
 * at depth 0.
 *
 * @example for (const rows of rowSlices('[{"a":1},{"a":2},{"a":3}]', 2)) console.log(rows)
 * // [ { a: 1 }, { a: 2 } ] then [ { a: 3 } ]
 */
export function* rowSlices(json: string, size: number): Generator<unknown[]> {
  const end = json.lastIndexOf(']')
  const first = json.indexOf('[') + 1
  let start = first
  let depth = 0
  let count = 0
  for (let i = start; i < end; i++) {
    const c = json.charCodeAt(i)
    if (c === QUOTE) {
      i = closingQuote(json, i)
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
    } else if (c === COMMA && depth === 0 && ++count === size) {
      yield JSON.parse(`[${json.slice(start, i)}]`) as unknown[]
      start = i + 1
      count = 0
    }
  }
  // A text of one slice or less (a page of 100 issues) is parsed as it is, not copied first.
  if (start === first && first > 0) {
    const rows = JSON.parse(json) as unknown[]
    if (rows.length > 0) yield rows
    return
  }
  const rest = json.slice(start, end)
  if (rest.trim() !== '') yield JSON.parse(`[${rest}]`) as unknown[]
}

/** Rows parsed at a time from the engine's JSON text (a page, a cached result, a snapshot): a queue holds about this many. */
export const SLICE_ROWS = 1000

/**
 * Every row of a JSON array text, one at a time, parsed a slice at a time.
 *
 * @example [...jsonRows('[{"a":1},{"a":2}]')] // [{ a: 1 }, { a: 2 }]
 */
export function* jsonRows(json: string): Generator<unknown> {
  for (const slice of rowSlices(json, SLICE_ROWS)) yield* slice
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

/** The index of the quote that closes the string opening at `open` (one not escaped by an odd run of backslashes). */
function closingQuote(json: string, open: number): number {
  let at = open
  for (;;) {
    at = json.indexOf('"', at + 1)
    if (at === -1) return json.length
    let backslashes = 0
    while (json.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return at
  }
}
