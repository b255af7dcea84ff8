/**
 * The documented value mappings (src/render/README.md), written out for the round-trip tests that
 * compare Quarry's CSV with a database client's output: each turns the client's text for a value
 * into the text Quarry's documented mapping gives it.
 */

/**
 * NUMERIC/DECIMAL: a number when it has ≤ 15 significant digits and JavaScript writes it without an
 * exponent (the scale's trailing zeros go), else the database's text.
 *
 * @example plainDecimal('12.5000000000') // '12.5'
 * @example plainDecimal('-0.0000000001') // '-0.0000000001'
 */
export function plainDecimal(text: string): string {
  const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '')
  const value = Number(text)
  if (digits.length > 15 || (value !== 0 && Math.abs(value) < 1e-6)) return text
  return String(value)
}

/**
 * Floats: the same number, written as JavaScript writes it (an exponent below 1e-6 and from 1e21);
 * NaN and ±Infinity by name.
 *
 * @example jsFloat('1e-05') // '0.00001'
 */
export function jsFloat(text: string): string {
  const value = Number(text)
  return Number.isFinite(value) ? String(value) : text
}

/**
 * A JSON value as a cell: a string as it is, null empty, an array of scalars joined with ", ",
 * anything else compact JSON.
 *
 * @example jsonCell(JSON.parse('{"a": [1, "x"]}')) // '{"a":[1,"x"]}'
 */
export function jsonCell(value: unknown): string {
  if (value === null) return ''
  if (typeof value === 'string') return value
  const scalar = (item: unknown) => item === null || typeof item !== 'object'
  if (Array.isArray(value) && value.every(scalar)) return value.map((item) => jsonCell(item)).join(', ')
  return JSON.stringify(value)
}

/** The CSV formula guard: text a spreadsheet would run (see src/render/csv-format.ts) gets a "'". */
export function guarded(text: string): string {
  return /^[=@\t\r]/.test(text) ? `'${text}` : text
}
