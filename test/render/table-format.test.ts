import { describe, expect, it } from 'vitest'
import { render } from '../../src/render/index.js'
import type { Row } from '../../src/render/index.js'
import { MIN_COLUMN_WIDTH, fitColumns } from '../../src/render/table-format.js'
import { textWidth } from '../../src/render/text-width.js'
import { CASES, WIDE } from './cases.js'

function lines(text: string): string[] {
  expect(text.endsWith('\n')).toBe(true)
  return text.slice(0, -1).split('\n')
}

describe('table', () => {
  const everything: [string, readonly Row[]][] = [...Object.entries(CASES), ['wide', WIDE]]

  for (const width of [20, 30, 40, 60, 80, 100, 140]) {
    it.each(everything)(
      `fits %s rows into ${width} columns, every table line equally wide`,
      (_name, rows) => {
        const out = lines(render('table', rows, { width }))
        for (const line of out) expect(textWidth(line)).toBeLessThanOrEqual(width)
        const table = out.filter((line) => /^[┌│├└]/.test(line))
        expect(new Set(table.map(textWidth)).size).toBeLessThanOrEqual(1)
      },
    )
  }

  it('does not stretch a table that is narrower than the terminal', () => {
    expect(render('table', [{ a: 1 }], { width: 100 })).toBe('┌───┐\n│ a │\n├───┤\n│ 1 │\n└───┘\n')
  })

  it('uses the full width when it has to shrink', () => {
    for (const line of lines(render('table', WIDE, { width: 80 }))) expect(textWidth(line)).toBe(80)
  })

  it('right-aligns numbers, and the header of an all-number column', () => {
    const out = lines(
      render('table', [
        { name: 'a', n: 5 },
        { name: 'b', n: 120 },
        { name: 'c', n: null },
      ]),
    )
    expect(out[1]).toBe('│ name │   n │')
    expect(out[3]).toBe('│ a    │   5 │')
    expect(out[4]).toBe('│ b    │ 120 │')
  })

  it('left-aligns numeric text', () => {
    expect(lines(render('table', [{ n: '5' }, { n: '120' }]))[3]).toBe('│ 5   │')
  })

  it('prints no escape character from data, however hostile', () => {
    const out = render('table', CASES.hostile ?? [], { width: 200 })
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/)
    expect(out).toContain('␛[31mred␛[0m')
  })

  it('with colour, adds only bold around the headers', () => {
    const out = render('table', CASES.hostile ?? [], { width: 200, color: true })
    expect(out).toContain('\x1b[1mcase\x1b[22m')
    expect(out.replaceAll('\x1b[1m', '').replaceAll('\x1b[22m', '')).toBe(
      render('table', CASES.hostile ?? [], { width: 200 }),
    )
  })

  it('keeps one line per row: newlines in cells show as ␊', () => {
    const out = lines(render('table', [{ text: 'one\ntwo' }, { text: 'three' }]))
    expect(out).toHaveLength(6)
    expect(out[3]).toBe('│ one␊two │')
  })

  it('says (no rows) for an empty result', () => {
    expect(render('table', [])).toBe('(no rows)\n')
    expect(render('table', [], { columns: ['a'] })).toBe('(no rows)\n')
  })

  it('leaves out the rightmost columns when even the narrowest layout does not fit, and names them', () => {
    const row = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`column${i}`, 'x'.repeat(20)]))
    const out = lines(render('table', [row], { width: 40 }))
    expect(out[1]?.split('│')).toHaveLength(6) // four columns
    expect(out.at(-1)).toBe('(8 more columns not shown: column4, col…')
  })

  it('rejects a width that is not a positive number', () => {
    expect(() => render('table', [{ a: 1 }], { width: 0 })).toThrow(RangeError)
    expect(() => render('table', [{ a: 1 }], { width: Number.NaN })).toThrow(RangeError)
  })

  it('does not shrink at all with an infinite width', () => {
    const long = 'x'.repeat(500)
    expect(render('table', [{ long }], { width: Number.POSITIVE_INFINITY })).toContain(long)
  })
})

describe('fitColumns', () => {
  it('keeps natural widths that fit', () => {
    expect(fitColumns([4, 10, 6], 40)).toEqual([4, 10, 6])
  })

  it('shrinks the widest columns first, down to a common level', () => {
    expect(fitColumns([4, 30, 50], 40)).toEqual([4, 13, 13])
    expect(fitColumns([4, 8, 50], 40)).toEqual([4, 8, 18])
  })

  it('hands out the columns left below the next level from the left', () => {
    expect(fitColumns([20, 20, 20], 40)).toEqual([10, 10, 10])
    expect(fitColumns([20, 20, 20], 41)).toEqual([11, 10, 10])
  })

  it(`squeezes no column below ${MIN_COLUMN_WIDTH} unless narrower by nature`, () => {
    expect(fitColumns([2, 30, 30, 30], 30)).toEqual([2, 5, 5, 5])
    expect(fitColumns([2, 30, 30, 30], 32)).toEqual([2, 6, 6, 5])
    expect(fitColumns([2, 30, 30, 30, 30], 30)).toEqual([2, 5, 5, 5])
    expect(fitColumns([2, 30, 30, 30, 30], 29)).toEqual([2, 9, 8])
  })

  it('shows one column however narrow the terminal', () => {
    expect(fitColumns([30, 30], 8)).toEqual([4])
    expect(fitColumns([30], 3)).toEqual([0])
  })
})
