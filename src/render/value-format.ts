/**
 * How the stat and table panels write a value (issue 17): numbers with a unit, dates by a pattern
 * in a time zone, durations, and a Jira status's category. Output is plain text (the panels escape
 * it) and the same on every machine: English (en-US) number and month names, UTC unless a time
 * zone is given.
 */
import type { DurationUnit, NumberUnit, StatusCategory } from '../domain/panel-choices.js'

export interface NumberSettings {
  readonly unit?: NumberUnit | undefined
  readonly decimals?: number | undefined
  readonly currency?: string | undefined
}

// An exact decimal as the SQL drivers hand it (src/sql/json-types.ts): "12345.6", "-0.5", "1e3".
const NUMERIC_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * The number a cell holds, if it holds one: a finite number, a bigint, or text that is a decimal.
 *
 * @example
 * numberOf('12.5') // 12.5
 * numberOf('Done') // undefined
 */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'string' && NUMERIC_TEXT.test(value.trim())) return Number(value.trim())
  return undefined
}

function plain(value: number, decimals: number | undefined, fallbackDecimals: number): string {
  return new Intl.NumberFormat('en-US', {
    minimumFractionDigits: decimals ?? 0,
    maximumFractionDigits: decimals ?? fallbackDecimals,
  }).format(value)
}

/** A value in the largest of these steps it reaches, e.g. 1536 bytes → 1.5 KiB. */
function scaled(
  value: number,
  steps: readonly (readonly [number, string])[],
  decimals: number | undefined,
  separator: string,
): string {
  const size = Math.abs(value)
  let index = 0
  for (let i = steps.length - 1; i > 0; i--) {
    if (size >= (steps[i]?.[0] ?? Infinity)) {
      index = i
      break
    }
  }
  let [factor, name] = steps[index] ?? [1, '']
  let text = plain(value / factor, decimals, 1)
  // 999,950 is "1,000k" once rounded: it belongs to the next step.
  const next = steps[index + 1]
  if (next !== undefined && Math.abs(Number(text.replace(/,/g, ''))) * factor >= next[0]) {
    ;[factor, name] = next
    text = plain(value / factor, decimals, 1)
  }
  return `${text}${separator}${name}`.trimEnd()
}

const SHORT_STEPS = [
  [1, ''],
  [1e3, 'k'],
  [1e6, 'M'],
  [1e9, 'B'],
  [1e12, 'T'],
] as const
const BYTE_STEPS = [
  [1, 'B'],
  [1024, 'KiB'],
  [1024 ** 2, 'MiB'],
  [1024 ** 3, 'GiB'],
  [1024 ** 4, 'TiB'],
  [1024 ** 5, 'PiB'],
] as const
const TIME_STEPS = [
  [1, 'ms'],
  [1000, 's'],
  [60_000, 'min'],
  [3_600_000, 'h'],
  [86_400_000, 'd'],
] as const

/**
 * A number with its unit.
 *
 * @example
 * formatNumber(1234, { unit: 'short' }) // '1.2k'
 * formatNumber(0.425, { unit: 'ratio' }) // '42.5%'
 * formatNumber(1536, { unit: 'bytes' }) // '1.5 KiB'
 * formatNumber(1500, { unit: 'ms' }) // '1.5 s'
 * formatNumber(3723, { unit: 'duration' }) // '1h 2m 3s'
 * formatNumber(9.5, { unit: 'currency', currency: 'EUR' }) // '€9.50'
 */
export function formatNumber(value: number, settings: NumberSettings = {}): string {
  const { unit = 'none', decimals } = settings
  switch (unit) {
    case 'none':
      return plain(value, decimals, 2)
    case 'percent':
      return `${plain(value, decimals, 1)}%`
    case 'ratio':
      return `${plain(value * 100, decimals, 1)}%`
    case 'short':
      return scaled(value, SHORT_STEPS, decimals, '')
    case 'bytes':
      return Math.abs(value) < 1024
        ? `${plain(value, decimals, 0)} B`
        : scaled(value, BYTE_STEPS, decimals, ' ')
    case 'ms':
      return scaled(value, TIME_STEPS, decimals, ' ')
    case 's':
      return scaled(value * 1000, TIME_STEPS, decimals, ' ')
    case 'duration':
      return formatDuration(value)
    case 'currency':
      return new Intl.NumberFormat('en-US', {
        style: 'currency',
        currency: settings.currency ?? 'USD',
        ...(decimals === undefined
          ? {}
          : { minimumFractionDigits: decimals, maximumFractionDigits: decimals }),
      }).format(value)
  }
}

const DURATION_FACTORS: Readonly<Record<DurationUnit, number>> = { ms: 0.001, s: 1, min: 60, h: 3600 }

/**
 * A length of time in seconds (or `unit`) as days, hours, minutes and seconds, largest first, the
 * zero parts left out; under a second, in milliseconds.
 *
 * @example
 * formatDuration(3723) // '1h 2m 3s'
 * formatDuration(90_061) // '1d 1h 1m 1s'
 * formatDuration(2.5, 'h') // '2h 30m'
 * formatDuration(0.25) // '250ms'
 */
export function formatDuration(value: number, unit: DurationUnit = 's'): string {
  const seconds = value * DURATION_FACTORS[unit]
  const sign = seconds < 0 ? '-' : ''
  const size = Math.abs(seconds)
  if (size < 1) return `${sign}${Math.round(size * 1000)}ms`
  let rest = Math.round(size)
  const parts: string[] = []
  for (const [length, name] of [
    [86_400, 'd'],
    [3600, 'h'],
    [60, 'm'],
    [1, 's'],
  ] as const) {
    const count = Math.floor(rest / length)
    rest -= count * length
    if (count > 0) parts.push(`${count}${name}`)
  }
  return sign + parts.join(' ')
}

// Jira writes offsets without a colon (+0000), which Date.parse does not read everywhere.
const OFFSET_WITHOUT_COLON = /([+-]\d{2})(\d{2})$/
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/

/** Whether `YYYY-MM-DD` is a day of the calendar (Date would take 2026-02-30 as 2 March). */
function isRealDay(day: string): boolean {
  if (!DATE_ONLY.test(day)) return false
  const date = new Date(`${day}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day
}

/**
 * The instant a cell holds: a Date, a number of milliseconds since 1970, or ISO 8601 text. Text
 * without a zone (a database's `timestamp`) is read as UTC, so the output does not depend on the
 * server's zone; a date alone (`2026-01-15`) is that day, whatever the time zone.
 */
export function instantOf(value: unknown): { readonly date: Date; readonly dateOnly: boolean } | undefined {
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? undefined : { date: value, dateOnly: false }
  if (typeof value === 'number' && Number.isFinite(value)) return { date: new Date(value), dateOnly: false }
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  if (!isRealDay(text.slice(0, 10))) return undefined
  if (DATE_ONLY.test(text)) return { date: new Date(`${text}T00:00:00Z`), dateOnly: true }
  if (!ISO_DATE_TIME.test(text)) return undefined
  let iso = text.replace(' ', 'T').replace(OFFSET_WITHOUT_COLON, '$1:$2')
  if (!HAS_ZONE.test(iso)) iso += 'Z'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? undefined : { date, dateOnly: false }
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

export const DEFAULT_DATE_PATTERN = 'yyyy-MM-dd HH:mm'
const TOKEN = /yyyy|yy|MMMM|MMM|MM|dd|HH|mm|ss|SSS|EEE|zzz|'([^']*)'/g

/**
 * A date by a pattern (tokens yyyy yy MMMM MMM MM dd HH mm ss SSS EEE zzz, quoted text as it is) in
 * a time zone (UTC by default); undefined when the value is not a date.
 *
 * @example
 * formatDate('2026-01-15T10:30:00.000+0000', { pattern: 'dd MMM yyyy HH:mm zzz', timeZone: 'Europe/Berlin' })
 * // '15 Jan 2026 11:30 GMT+1'
 */
export function formatDate(
  value: unknown,
  settings: { readonly pattern?: string | undefined; readonly timeZone?: string | undefined } = {},
): string | undefined {
  const instant = instantOf(value)
  if (instant === undefined) return undefined
  const timeZone = instant.dateOnly ? 'UTC' : (settings.timeZone ?? 'UTC')
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    weekday: 'short',
    timeZoneName: 'short',
    hourCycle: 'h23',
  }).formatToParts(instant.date)
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? ''
  const two = (text: string): string => text.padStart(2, '0')
  const month = Number(part('month'))
  const year = part('year').padStart(4, '0')
  const tokens: Readonly<Record<string, string>> = {
    yyyy: year,
    yy: year.slice(-2),
    MMMM: MONTHS[month - 1] ?? '',
    MMM: (MONTHS[month - 1] ?? '').slice(0, 3),
    MM: two(String(month)),
    dd: two(part('day')),
    HH: two(part('hour')),
    mm: two(part('minute')),
    ss: two(part('second')),
    SSS: String(instant.date.getUTCMilliseconds()).padStart(3, '0'),
    EEE: part('weekday'),
    zzz: part('timeZoneName'),
  }
  return (settings.pattern ?? DEFAULT_DATE_PATTERN).replace(
    TOKEN,
    (token: string, quoted: string | undefined) => quoted ?? tokens[token] ?? token,
  )
}

// Names Jira's default workflows use, by category; anything else is "To Do" unless the template says.
const DONE_NAMES = new Set([
  'done',
  'closed',
  'resolved',
  'complete',
  'completed',
  'fixed',
  'released',
  'cancelled',
])
const IN_PROGRESS_NAMES = new Set([
  'in progress',
  'in review',
  'review',
  'in development',
  'testing',
  'in testing',
  'in qa',
  'doing',
  'selected for development',
])
const CATEGORY_NAMES: Readonly<Record<string, StatusCategory>> = {
  new: 'new',
  'to do': 'new',
  undefined: 'new',
  indeterminate: 'indeterminate',
  'in progress': 'indeterminate',
  done: 'done',
}

function record(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

/**
 * A status cell's name and category: Jira's status object (`{ name, statusCategory: { key } }`) says
 * both; for a name alone the category comes from `category` (a category column's value: `done`,
 * `In Progress` …), then the template's `categories`, then the names Jira's default workflows use.
 *
 * @example
 * statusOf({ name: 'Shipped', statusCategory: { key: 'done' } }) // { name: 'Shipped', category: 'done' }
 * statusOf('In Review') // { name: 'In Review', category: 'indeterminate' }
 */
export function statusOf(
  value: unknown,
  category?: unknown,
  categories: Readonly<Record<string, StatusCategory>> = {},
): { readonly name: string; readonly category: StatusCategory } | undefined {
  const object = record(value)
  const name = object === undefined ? value : object['name']
  if (typeof name !== 'string' || name.trim() === '') return undefined
  const given = record(object?.['statusCategory'])?.['key'] ?? record(category)?.['key'] ?? category
  const fromGiven = typeof given === 'string' ? CATEGORY_NAMES[given.trim().toLowerCase()] : undefined
  if (fromGiven !== undefined) return { name, category: fromGiven }
  const lower = name.trim().toLowerCase()
  const listed = Object.entries(categories).find(([listedName]) => listedName.toLowerCase() === lower)?.[1]
  if (listed !== undefined) return { name, category: listed }
  if (DONE_NAMES.has(lower)) return { name, category: 'done' }
  if (IN_PROGRESS_NAMES.has(lower)) return { name, category: 'indeterminate' }
  return { name, category: 'new' }
}
