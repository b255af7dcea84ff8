import { describe, expect, it } from 'vitest'
import { dates } from '../../src/convert/sandbox/in-process.js'

const { formatDate } = dates

describe('formatDate', () => {
  it("reads Jira's offset without a colon and writes yyyy-MM-dd HH:mm in UTC by default", () => {
    expect(formatDate('2026-01-15T10:30:00.000+0200')).toBe('2026-01-15 08:30')
  })

  it('reads ISO dates, date-only values, epoch milliseconds and Dates', () => {
    expect(formatDate('2026-01-15T10:30:00Z', 'yyyy-MM-dd HH:mm:ss')).toBe('2026-01-15 10:30:00')
    expect(formatDate('2026-01-15', 'd MMMM yyyy')).toBe('15 January 2026')
    expect(formatDate(Date.UTC(2026, 0, 15, 23, 5), 'HH:mm')).toBe('23:05')
    expect(formatDate(new Date(Date.UTC(2026, 1, 1)), 'EEE d MMM')).toBe('Sun 1 Feb')
  })

  it('formats every pattern letter', () => {
    expect(formatDate('2026-03-05T14:07:09.045Z', "EEEE yy M d H h hh m s SSS a XXX Z 'at' ''")).toBe(
      "Thursday 26 3 5 14 2 02 7 9 045 PM Z +0000 at '",
    )
  })

  it('converts to an IANA time zone, daylight saving included', () => {
    expect(formatDate('2026-01-15T10:30:00Z', 'HH:mm XXX', 'Europe/Berlin')).toBe('11:30 +01:00')
    expect(formatDate('2026-07-15T10:30:00Z', 'HH:mm XXX', 'Europe/Berlin')).toBe('12:30 +02:00')
  })

  it('converts to a fixed offset', () => {
    expect(formatDate('2026-01-15T10:30:00Z', 'yyyy-MM-dd HH:mm Z', '+05:30')).toBe('2026-01-15 16:00 +0530')
  })

  it('gives empty text for nothing and returns what it cannot read unchanged', () => {
    expect(formatDate(null)).toBe('')
    expect(formatDate('')).toBe('')
    expect(formatDate('next Tuesday')).toBe('next Tuesday')
  })
})
