import { describe, expect, it } from 'vitest'
import {
  formatDate,
  formatDuration,
  formatNumber,
  numberOf,
  statusOf,
} from '../../src/render/value-format.js'

/** Issue 17: how the stat and table panels write numbers, dates, durations and statuses. */

describe('numbers with a unit', () => {
  it('are grouped, with at most two decimals by default, or exactly the decimals given', () => {
    expect(formatNumber(1234567.891)).toBe('1,234,567.89')
    expect(formatNumber(3, { decimals: 2 })).toBe('3.00')
    expect(formatNumber(-0.5)).toBe('-0.5')
  })

  it('percent takes the value as a percentage; ratio as a fraction of one', () => {
    expect(formatNumber(42, { unit: 'percent' })).toBe('42%')
    expect(formatNumber(0.425, { unit: 'ratio' })).toBe('42.5%')
    expect(formatNumber(0.5, { unit: 'ratio', decimals: 0 })).toBe('50%')
  })

  it('short numbers: 1.2k, 3.4M, and a rounded 999,950 is 1M, not 1,000k', () => {
    expect(formatNumber(999, { unit: 'short' })).toBe('999')
    expect(formatNumber(1234, { unit: 'short' })).toBe('1.2k')
    expect(formatNumber(3_400_000, { unit: 'short' })).toBe('3.4M')
    expect(formatNumber(999_950, { unit: 'short' })).toBe('1M')
    expect(formatNumber(-2500, { unit: 'short' })).toBe('-2.5k')
    expect(formatNumber(7.2e12, { unit: 'short' })).toBe('7.2T')
  })

  it('bytes are 1,024-based', () => {
    expect(formatNumber(512, { unit: 'bytes' })).toBe('512 B')
    expect(formatNumber(1536, { unit: 'bytes' })).toBe('1.5 KiB')
    expect(formatNumber(5 * 1024 ** 3, { unit: 'bytes' })).toBe('5 GiB')
  })

  it('milliseconds and seconds take the largest time unit that fits', () => {
    expect(formatNumber(250, { unit: 'ms' })).toBe('250 ms')
    expect(formatNumber(1500, { unit: 'ms' })).toBe('1.5 s')
    expect(formatNumber(90, { unit: 's' })).toBe('1.5 min')
    expect(formatNumber(7200, { unit: 's' })).toBe('2 h')
  })

  it('duration writes seconds as days, hours, minutes and seconds', () => {
    expect(formatNumber(3723, { unit: 'duration' })).toBe('1h 2m 3s')
  })

  it('currency by its ISO code, in English', () => {
    expect(formatNumber(9.5, { unit: 'currency', currency: 'EUR' })).toBe('€9.50')
    expect(formatNumber(1234.5, { unit: 'currency', currency: 'USD', decimals: 0 })).toBe('$1,235')
  })
})

describe('numbers a cell holds', () => {
  it('numbers, bigints and decimal text are numbers; other text and non-finite values are not', () => {
    expect(numberOf(3)).toBe(3)
    expect(numberOf(12n)).toBe(12)
    expect(numberOf(' -12.50 ')).toBe(-12.5)
    expect(numberOf('1e3')).toBe(1000)
    expect(numberOf('12 apples')).toBeUndefined()
    expect(numberOf(Number.NaN)).toBeUndefined()
    expect(numberOf(null)).toBeUndefined()
  })
})

describe('durations', () => {
  it('leave out the zero parts and read other units', () => {
    expect(formatDuration(90_061)).toBe('1d 1h 1m 1s')
    expect(formatDuration(3600)).toBe('1h')
    expect(formatDuration(2.5, 'h')).toBe('2h 30m')
    expect(formatDuration(125_000, 'ms')).toBe('2m 5s')
    expect(formatDuration(45, 'min')).toBe('45m')
  })

  it('under a second are milliseconds; negative ones keep their sign', () => {
    expect(formatDuration(0.25)).toBe('250ms')
    expect(formatDuration(0)).toBe('0ms')
    expect(formatDuration(-61)).toBe('-1m 1s')
  })
})

describe('dates by a pattern in a time zone', () => {
  it('default to yyyy-MM-dd HH:mm in UTC', () => {
    expect(formatDate('2026-01-15T10:30:00.000Z')).toBe('2026-01-15 10:30')
  })

  it("read Jira's offsets without a colon and write the time in the zone asked for", () => {
    expect(
      formatDate('2026-01-15T10:30:00.000+0000', {
        pattern: 'EEE dd MMM yyyy HH:mm zzz',
        timeZone: 'Europe/Berlin',
      }),
    ).toBe('Thu 15 Jan 2026 11:30 GMT+1')
    expect(
      formatDate('2026-07-01T23:30:00-04:00', { pattern: 'yyyy-MM-dd HH:mm', timeZone: 'Asia/Tokyo' }),
    ).toBe('2026-07-02 12:30')
  })

  it('keep quoted text and every token', () => {
    expect(formatDate('2026-03-04T05:06:07.089Z', { pattern: "MMMM d'ay' dd, yy 'at' HH:mm:ss.SSS" })).toBe(
      'March day 04, 26 at 05:06:07.089',
    )
  })

  it('read a timestamp without a zone as UTC, and a date alone as that day in any zone', () => {
    expect(formatDate('2026-01-15 23:30:00', { timeZone: 'UTC' })).toBe('2026-01-15 23:30')
    expect(formatDate('2026-01-15', { pattern: 'dd MMM yyyy', timeZone: 'America/Los_Angeles' })).toBe(
      '15 Jan 2026',
    )
  })

  it('read milliseconds since 1970; text that is not a date is not one', () => {
    expect(formatDate(Date.UTC(2026, 0, 2, 3, 4), {})).toBe('2026-01-02 03:04')
    expect(formatDate('soon')).toBeUndefined()
    expect(formatDate('2026-02-30T10:00:00Z')).toBeUndefined()
  })
})

describe('status categories', () => {
  it("come from Jira's status object", () => {
    expect(statusOf({ name: 'Shipped', statusCategory: { key: 'done' } })).toEqual({
      name: 'Shipped',
      category: 'done',
    })
  })

  it('come from a category value, then the template, then the default workflow names', () => {
    expect(statusOf('Waiting', 'indeterminate')).toEqual({ name: 'Waiting', category: 'indeterminate' })
    expect(statusOf('Waiting', 'In Progress')).toEqual({ name: 'Waiting', category: 'indeterminate' })
    expect(statusOf('Shipped', undefined, { shipped: 'done' })).toEqual({ name: 'Shipped', category: 'done' })
    expect(statusOf('Closed')).toEqual({ name: 'Closed', category: 'done' })
    expect(statusOf('In Review')).toEqual({ name: 'In Review', category: 'indeterminate' })
    expect(statusOf('Backlog')).toEqual({ name: 'Backlog', category: 'new' })
  })

  it('is nothing for a value that has no name', () => {
    expect(statusOf(42)).toBeUndefined()
    expect(statusOf({ id: 3 })).toBeUndefined()
  })
})
