/**
 * JQL date values: absolute dates (`2026-01-15`, `2026/01/15 10:30`), periods
 * relative to the simulator's clock (`-7d`, `"4w 2d"`), and the date functions
 * (`now()`, `startOfDay(-1)`, `endOfMonth()` …). Everything is UTC; Jira weeks
 * start on Sunday (the en_US locale).
 */
import { JqlError } from './errors.js'

export const MINUTE_MS = 60_000
export const HOUR_MS = 60 * MINUTE_MS
export const DAY_MS = 24 * HOUR_MS
export const WEEK_MS = 7 * DAY_MS

/** Jira's period units: y(ear), M(onth), w(eek), d(ay), h(our), m(inute). */
export type PeriodUnit = 'y' | 'M' | 'w' | 'd' | 'h' | 'm'

type Period = 'day' | 'week' | 'month' | 'year'

/** How coarse a unit is, so an offset finer than a function's period shifts the boundary itself. */
const UNIT_SIZE: Readonly<Record<PeriodUnit, number>> = { m: 0, h: 1, d: 2, w: 3, M: 4, y: 5 }
const PERIOD_UNIT: Readonly<Record<Period, PeriodUnit>> = { day: 'd', week: 'w', month: 'M', year: 'y' }

/**
 * The message Jira gives for a date it cannot read.
 *
 * @example invalidDateMessage('2026-13-45', 'created')
 */
export function invalidDateMessage(value: string, field: string): string {
  return (
    `Date value '${value}' for field '${field}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', ` +
    `'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`
  )
}

/**
 * Reads `yyyy-MM-dd`, `yyyy/MM/dd`, optionally followed by ` HH:mm`, as a UTC instant.
 * Returns undefined for anything else, including impossible dates (`2026-02-30`).
 *
 * @example parseAbsoluteDate('2026/01/15 10:30') // Date.UTC(2026, 0, 15, 10, 30)
 */
export function parseAbsoluteDate(text: string): number | undefined {
  const m = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$/.exec(text.trim())
  if (m === null) return undefined
  const [year, month, day, hour, minute] = [m[1], m[3], m[4], m[5] ?? '0', m[6] ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ]
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1)) return undefined
  if (hour > 23 || minute > 59) return undefined
  return Date.UTC(year, month - 1, day, hour, minute)
}

/**
 * Reads a period relative to `now`: an optional sign, then one or more `<n><unit>`
 * parts with units w, d, h, m (minutes), e.g. `-7d`, `+1d`, `-1w2d`, `"4w 2d"`.
 * No sign means the future, as in Jira.
 *
 * @example parseRelativeDate('-2w', now) // now - 14 days
 */
export function parseRelativeDate(text: string, now: number): number | undefined {
  const m = /^([-+]?)\s*((?:\d+\s*[wWdDhHm]\s*)+)$/.exec(text.trim())
  if (m === null) return undefined
  let total = 0
  for (const part of (m[2] as string).matchAll(/(\d+)\s*([wWdDhHm])/g)) {
    const n = Number(part[1])
    const unit = (part[2] as string) === 'm' ? 'm' : (part[2] as string).toLowerCase()
    total += n * (unit === 'w' ? WEEK_MS : unit === 'd' ? DAY_MS : unit === 'h' ? HOUR_MS : MINUTE_MS)
  }
  return m[1] === '-' ? now - total : now + total
}

/**
 * A date operand's instant: an absolute date, a relative period, or — for an
 * unquoted integer — epoch milliseconds (Jira reads a bare number as a Java long).
 *
 * @example parseDateValue('2026-01-15', false, now) // Date.UTC(2026, 0, 15)
 */
export function parseDateValue(text: string, quoted: boolean, now: number): number | undefined {
  if (!quoted && /^-?[0-9]+$/.test(text)) return Number(text)
  return parseAbsoluteDate(text) ?? parseRelativeDate(text, now)
}

interface DateFunction {
  readonly period: Period | undefined
  readonly edge: 'start' | 'end'
}

const DATE_FUNCTIONS: ReadonlyMap<string, DateFunction> = new Map([
  ['now', { period: undefined, edge: 'start' }],
  ['startofday', { period: 'day', edge: 'start' }],
  ['endofday', { period: 'day', edge: 'end' }],
  ['startofweek', { period: 'week', edge: 'start' }],
  ['endofweek', { period: 'week', edge: 'end' }],
  ['startofmonth', { period: 'month', edge: 'start' }],
  ['endofmonth', { period: 'month', edge: 'end' }],
  ['startofyear', { period: 'year', edge: 'start' }],
  ['endofyear', { period: 'year', edge: 'end' }],
])

/**
 * True for the date functions this module evaluates (case-insensitive).
 *
 * @example isDateFunction('StartOfWeek') // true
 */
export function isDateFunction(name: string): boolean {
  return DATE_FUNCTIONS.has(name.toLowerCase())
}

/**
 * Evaluates a date function against the clock. `startOfX(n)` / `startOfX("+nU")`:
 * an offset in the function's own unit or a coarser one moves the period
 * (`startOfMonth(-1)` = start of last month); a finer one moves the boundary
 * (`startOfMonth("+14d")` = the 15th of this month).
 *
 * @example evaluateDateFunction('startOfDay', ['-1'], Date.UTC(2026, 2, 18, 12)) // Date.UTC(2026, 2, 17)
 */
export function evaluateDateFunction(name: string, args: readonly string[], now: number): number {
  const fn = DATE_FUNCTIONS.get(name.toLowerCase())
  if (fn === undefined) throw new Error(`not a date function: ${name}`)
  if (fn.period === undefined) {
    if (args.length > 0)
      throw new JqlError(`Function '${name}' expected '0' arguments but received '${args.length}'.`)
    return now
  }
  if (args.length > 1) {
    throw new JqlError(
      `Function '${name}' expected between '0' and '1' arguments but received '${args.length}'.`,
    )
  }
  const period = fn.period
  const boundary = (at: number): number => (fn.edge === 'start' ? startOf(at, period) : endOf(at, period))
  const arg = args[0]
  if (arg === undefined) return boundary(now)
  const m = /^([-+]?)(\d+)([yMwdhm]?)$/.exec(arg.trim())
  if (m === null) {
    throw new JqlError(
      `Duration for function '${name}' should have the format (+/-)n(yMwdm), e.g -1M for 1 month earlier.`,
    )
  }
  const amount = (m[1] === '-' ? -1 : 1) * Number(m[2])
  const unit = ((m[3] as string) || PERIOD_UNIT[period]) as PeriodUnit
  return UNIT_SIZE[unit] >= UNIT_SIZE[PERIOD_UNIT[period]]
    ? boundary(shift(now, unit, amount))
    : shift(boundary(now), unit, amount)
}

/**
 * Moves an instant by calendar units in UTC; months and years clamp the day
 * (Jan 31 + 1M = Feb 28), as java.util.Calendar does.
 *
 * @example shift(Date.UTC(2026, 0, 31), 'M', 1) // Date.UTC(2026, 1, 28)
 */
export function shift(at: number, unit: PeriodUnit, amount: number): number {
  switch (unit) {
    case 'm':
      return at + amount * MINUTE_MS
    case 'h':
      return at + amount * HOUR_MS
    case 'd':
      return at + amount * DAY_MS
    case 'w':
      return at + amount * WEEK_MS
    case 'M':
    case 'y': {
      const d = new Date(at)
      const months = d.getUTCFullYear() * 12 + d.getUTCMonth() + (unit === 'y' ? amount * 12 : amount)
      const year = Math.floor(months / 12)
      const month = months - year * 12
      const day = Math.min(d.getUTCDate(), daysInMonth(year, month))
      return Date.UTC(year, month, day) + (at - startOf(at, 'day'))
    }
  }
}

function startOf(at: number, period: Period): number {
  const d = new Date(at)
  switch (period) {
    case 'day':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    case 'week':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - d.getUTCDay())
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
    case 'year':
      return Date.UTC(d.getUTCFullYear(), 0, 1)
  }
}

/** The last millisecond of the period. */
function endOf(at: number, period: Period): number {
  const start = startOf(at, period)
  const d = new Date(start)
  switch (period) {
    case 'day':
      return start + DAY_MS - 1
    case 'week':
      return start + WEEK_MS - 1
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - 1
    case 'year':
      return Date.UTC(d.getUTCFullYear() + 1, 0, 1) - 1
  }
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
}
