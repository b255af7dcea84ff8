import { describe, expect, it } from 'vitest'
import { dates } from '../../src/convert/sandbox/in-process.js'

/** PocketQuery.formatDate: moment.js pattern tokens (issue 13). */
const { formatMoment } = dates

describe('PocketQuery.formatDate (moment.js tokens)', () => {
  it("formats PocketQuery's documented pattern", () => {
    expect(formatMoment('2013-05-17T14:02:11Z', 'YYYY-MM-DD (dddd), hh:mm')).toBe(
      '2013-05-17 (Friday), 02:02',
    )
  })

  it('formats every token', () => {
    expect(formatMoment('2026-03-05T14:07:09.045Z', 'YYYY YY MMMM MMM MM M Do DD D dddd ddd dd d')).toBe(
      '2026 26 March Mar 03 3 5th 05 5 Thursday Thu Th 4',
    )
    expect(formatMoment('2026-03-05T14:07:09.045Z', 'HH H hh h mm m ss s SSS A a Z ZZ X x')).toBe(
      '14 14 02 2 07 7 09 9 045 PM pm +00:00 +0000 1772719629 1772719629045',
    )
  })

  it('formats the day of the year and the quarter', () => {
    expect(formatMoment('2026-12-31T00:00:00Z', 'DDDD DDD Q')).toBe('365 365 4')
    expect(formatMoment('2026-02-01T00:00:00Z', 'DDDD DDD Q')).toBe('032 32 1')
  })

  it('writes ordinals as moment does', () => {
    const day = (d: number): string => formatMoment(`2026-01-${String(d).padStart(2, '0')}`, 'Do')
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31].map(day)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '31st',
    ])
  })

  it('keeps [escaped] text literal', () => {
    expect(formatMoment('2026-01-15T10:30:00Z', '[Today is] dddd [at] HH:mm')).toBe(
      'Today is Thursday at 10:30',
    )
  })

  it('shows the time at the offset the value carries, else in UTC', () => {
    expect(formatMoment('2026-01-15T10:30:00.000+0530', 'HH:mm Z')).toBe('10:30 +05:30')
    expect(formatMoment('2026-01-15T10:30:00', 'HH:mm Z')).toBe('10:30 +00:00')
    expect(formatMoment(Date.UTC(2026, 0, 15, 23, 5), 'YYYY-MM-DD HH:mm')).toBe('2026-01-15 23:05')
  })

  it("defaults to moment's format() pattern", () => {
    expect(formatMoment('2026-01-15T10:30:00Z')).toBe('2026-01-15T10:30:00+00:00')
  })

  it('gives empty text for no value and returns what it cannot read unchanged', () => {
    expect(formatMoment(null, 'YYYY')).toBe('')
    expect(formatMoment('', 'YYYY')).toBe('')
    expect(formatMoment('soon', 'YYYY')).toBe('soon')
  })
})
