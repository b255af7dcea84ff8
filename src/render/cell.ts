/**
 * Rows and cells: the shape every format reads, and the one rule for turning a value into text.
 */

/** One result row: column name → value, as the converter (or the database) produced it. */
export type Row = Readonly<Record<string, unknown>>

/**
 * Column names in order of first appearance across all rows. Within one row the order is
 * JavaScript's own key order: integer-like keys ("1", "2") come first, then the rest as inserted.
 *
 * @example
 * columnsOf([{ key: 'QA-1' }, { key: 'QA-2', summary: 'Fix it' }]) // ['key', 'summary']
 */
export function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>()
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key)
  return [...seen]
}

/**
 * The value of `column` in `row`, or undefined when the row does not have it as its own key. A
 * plain `row[column]` would find `Object.prototype` members: a missing `constructor` or `toString`
 * column would print a function, a missing `__proto__` column an empty object.
 *
 * @example
 * cellValue({ toString: 'x' }, 'toString') // 'x'
 * cellValue({}, 'toString') // undefined
 */
export function cellValue(row: Row, column: string): unknown {
  return Object.hasOwn(row, column) ? row[column] : undefined
}

function isPrimitive(value: unknown): value is string | number | boolean | bigint | null | undefined {
  return (
    value == null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')
  )
}

/** JSON.stringify's replacer for values JSON has no form for: a bigint keeps its digits as a string. */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

/**
 * Compact JSON for a value; bigints become strings of digits (JSON.stringify throws on them).
 *
 * @example
 * toJson({ id: 10n, tags: ['a'] }) // '{"id":"10","tags":["a"]}'
 */
export function toJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value)
  } catch (error) {
    // Only pay for the (slow) replacer when a bigint made the fast path throw.
    if (!(error instanceof TypeError)) throw error
    return JSON.stringify(value, jsonSafe)
  }
}

/**
 * How a cell value becomes text in table, CSV and HTML output (the table in src/render/README.md):
 * null/undefined → '', strings as they are, finite numbers, booleans and bigints via String, NaN
 * and ±Infinity → '' (JSON's null), a Date → ISO 8601 (an invalid one → ''), an array of primitives → its
 * items joined with ', ', any other object or array → compact JSON. Functions and symbols, which
 * JSON drops too, → ''. A value JSON cannot hold (a cycle) → String(value).
 *
 * @example
 * cellText(null) // ''
 * cellText(3.5) // '3.5'
 * cellText(new Date(Date.UTC(2026, 0, 2))) // '2026-01-02T00:00:00.000Z'
 * cellText(['backend', 'urgent']) // 'backend, urgent'
 * cellText({ name: 'Ada', id: 7 }) // '{"name":"Ada","id":7}'
 */
export function cellText(value: unknown): string {
  if (value == null) return ''
  if (typeof value === 'string') return value
  // NaN and ±Infinity are null in JSON, so an empty cell here: one mapping in every format (src/render/README.md).
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  if (typeof value === 'function' || typeof value === 'symbol') return ''
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString()
  if (Array.isArray(value) && value.every(isPrimitive)) return value.map(cellText).join(', ')
  try {
    return toJson(value) ?? ''
  } catch {
    return String(value)
  }
}

/**
 * Whether a value is a real number (not a numeric string): tables right-align it, and CSV never
 * treats its leading minus as the start of a formula.
 *
 * @example
 * isNumeric(-5) // true
 * isNumeric('-5') // false
 */
export function isNumeric(value: unknown): value is number | bigint {
  return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint'
}
