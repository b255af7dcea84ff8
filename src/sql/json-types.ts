/**
 * How database values become JSON, the same for every dialect:
 *
 * | database                          | JSON                                                             |
 * |-----------------------------------|------------------------------------------------------------------|
 * | 8-byte integers (bigint)          | a number when |n| ≤ 2^53−1 (exact), else the exact digits as a string |
 * | numeric / decimal                 | a number when it has ≤ 15 significant digits (a double holds those exactly) and prints without an exponent (0, or ≥ 1e-6 in size), else the exact text (issue 12: -0.0000000001 stays that, never -1e-10) |
 * | float NaN / ±Infinity             | the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers) |
 * | single-precision float (FLOAT)    | the shortest number that is the same float: 3.14, not 3.140000104904175 |
 * | timestamp with time zone          | ISO 8601 in UTC, all fractional digits kept: 2026-01-15T10:30:00.123456Z |
 * | timestamp without time zone       | ISO 8601 without a zone: 2026-01-15T10:30:00                    |
 * | date, time, interval              | the database's text: 2026-01-15                                  |
 * | json / jsonb                      | the JSON value itself                                            |
 * | bytes (bytea, blob, binary)       | base64                                                           |
 *
 * So a value is never rounded: a consumer that needs exact arithmetic on
 * large values gets text, everything else gets numbers a chart can plot.
 */

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * An integer from its decimal text (or a bigint): a number when exact, else the text.
 *
 * @example exactInteger('9007199254740993') // '9007199254740993'
 */
export function exactInteger(value: string | bigint): number | string {
  const big = typeof value === 'bigint' ? value : BigInt(value)
  return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(big) : big.toString()
}

/**
 * A decimal from its text: a number when it has at most 15 significant digits and JavaScript writes
 * it without an exponent, else the exact text. (Below 1e-6 JavaScript writes `1e-7`: the number
 * would print as other text than the database's, in every format.)
 *
 * @example exactDecimal('12.50') // 12.5
 * @example exactDecimal('12345678901234567.89') // '12345678901234567.89'
 * @example exactDecimal('-0.0000000001') // '-0.0000000001'
 */
export function exactDecimal(text: string): number | string {
  // Fast path: 15 characters hold at most 15 digits.
  if (text.length <= 15) return text === 'NaN' ? text : plainNumber(text)
  // Count significant digits (leading and trailing zeros aside) in one pass: this runs once per cell.
  let digits = 0
  let zeros = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 48) {
      if (digits > 0) zeros++ // counts only if a non-zero digit follows
    } else if (c > 48 && c <= 57) {
      digits += zeros + 1
      zeros = 0
    } else if (c !== 46 && !(i === 0 && (c === 43 || c === 45))) {
      return text // NaN, Infinity, an exponent: as the database wrote it
    }
  }
  return digits <= 15 ? plainNumber(text) : text
}

/** JavaScript writes numbers below 1e-6 (other than 0) with an exponent (ECMA-262 Number::toString). */
const SMALLEST_PLAIN = 1e-6

/** The number of a decimal text, or the text when the number would print with an exponent. */
function plainNumber(text: string): number | string {
  const number = Number(text)
  return number !== 0 && Math.abs(number) < SMALLEST_PLAIN ? text : number
}

/**
 * A single-precision float (MySQL/MariaDB FLOAT, sent as 4 bytes) as the shortest decimal that reads
 * back as the same float — what the database's own client prints — instead of the double it widens
 * to: 3.14, not 3.140000104904175 (issue 12). PostgreSQL's real arrives as such text already.
 *
 * @example shortFloat32(Math.fround(3.14)) // 3.14
 */
export function shortFloat32(value: number): number | string {
  if (!Number.isFinite(value)) return String(value)
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(value.toPrecision(digits))
    if (Math.fround(shorter) === value) return shorter
  }
  return value
}

/** A float that JSON can hold, or its name. */
export function jsonFloat(value: number): number | string {
  return Number.isFinite(value) ? value : String(value)
}

/**
 * A `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]]` timestamp (PostgreSQL's or MySQL's text) as ISO 8601;
 * with a zone offset, converted to UTC (`Z`), keeping every fractional digit.
 *
 * @example isoTimestamp('2026-01-15 12:30:00.123456+02') // '2026-01-15T10:30:00.123456Z'
 */
export function isoTimestamp(text: string): string {
  // Fast path: PostgreSQL's UTC text, `2026-01-15 10:30:00[.ffffff]+00`.
  if (text.endsWith('+00') && text.charCodeAt(10) === 32 && text.length >= 22 && text.length <= 29)
    return `${text.slice(0, 10)}T${text.slice(11, -3)}Z`
  // Fast path: a timestamp without a zone, `2026-01-15 10:30:00[.ffffff]` (MySQL's DATETIME, PostgreSQL's timestamp).
  if (plainTimestamp(text)) return `${text.slice(0, 10)}T${text.slice(11)}`
  const match =
    /^(\d{4,}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)?( BC)?$/.exec(
      text,
    )
  if (!match || match[8] !== undefined) return text // infinity, BC dates: as the database wrote them
  const [, date, time, fraction = '', sign, hh, mm = '00', ss = '00'] = match
  const zoned = text.endsWith('Z') || sign !== undefined
  if (!zoned) return `${date}T${time}${fraction}`
  if (sign === undefined || (hh === '00' && mm === '00' && ss === '00')) return `${date}T${time}${fraction}Z`
  const offsetMs = (sign === '-' ? -1 : 1) * ((Number(hh) * 60 + Number(mm)) * 60 + Number(ss)) * 1000
  const ms = Date.parse(`${date}T${time}Z`)
  if (Number.isNaN(ms)) return text
  const utc = new Date(ms - offsetMs).toISOString() // …T10:30:00.000Z
  return `${utc.slice(0, 19)}${fraction}Z`
}

const DIGITS = /^\.\d+$/

/** `YYYY-MM-DD HH:MM:SS` with digits where digits go, then nothing or a fraction: what the regex reads zoneless. */
function plainTimestamp(text: string): boolean {
  if (text.length < 19 || text.charCodeAt(10) !== 32) return false
  for (let i = 0; i < 19; i++) {
    const c = text.charCodeAt(i)
    const want = i === 4 || i === 7 ? 45 : i === 13 || i === 16 ? 58 : i === 10 ? 32 : -1
    if (want === -1 ? c < 48 || c > 57 : c !== want) return false
  }
  return text.length === 19 || DIGITS.test(text.slice(19))
}

/**
 * The JSON form of a value a driver handed over (after its own type parsing):
 * bytes as base64, bigint exactly, Dates as ISO text, non-finite floats named.
 */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return jsonFloat(value)
    case 'bigint':
      return exactInteger(value)
    case 'object':
      if (value instanceof Uint8Array)
        return Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64')
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
      if (Array.isArray(value)) return value.map(jsonValue)
      return value
    default:
      return String(value)
  }
}
