import { describe, expect, it } from 'vitest'
import { checkRows } from '../../src/convert/check-rows.js'
import { MAX_CELL_DEPTH } from '../../src/convert/limits.js'

/** Nested arrays `levels` deep around 1. */
const nested = (levels: number): string => '['.repeat(levels) + '1' + ']'.repeat(levels)

describe('the host checks the rows text the sandbox hands back', () => {
  it('accepts a JSON array of row objects, counts the rows and finds its content', () => {
    const text = ' [{"a":1,"b":[1,-2.5e+3,{"c":null}],"d":"x\\u00e9\\n\\"","e":true},{}] '
    const check = checkRows(text)
    expect(check).toMatchObject({ ok: true, rows: 2 })
    if (check.ok) expect(`[${text.slice(check.start, check.end)}]`).toBe(text.trim())
  })

  it('accepts an empty array', () => {
    expect(checkRows('[]')).toMatchObject({ ok: true, rows: 0 })
  })

  it.each([
    ['{"a":1}', 'is not a JSON array'],
    ['"1000:[1,2"', 'is not a JSON array'],
    ['[1]', 'item 1 is not a row object'],
    ['[{},"x"]', 'item 2 is not a row object'],
    ['[{},[]]', 'item 2 is not a row object'],
    ['[{},null]', 'item 2 is not a row object'],
    ['[{"a":1}', 'ends early'],
    ['[{"a":1}] [', 'has text after the array'],
    ['[{"a":01}]', 'is not valid JSON in row 1'],
    ['[{"a":"\u0001"}]', 'is not valid JSON in row 1'],
    ['[{"a":"\\x"}]', 'is not valid JSON in row 1'],
    ['[{"a":NaN}]', 'is not valid JSON in row 1'],
    ['[{"a":1,}]', 'is not valid JSON in row 1'],
    ['[{a:1}]', 'is not valid JSON in row 1'],
    ['[{},{"a":"unterminated}]', 'is not valid JSON in row 2'],
  ])('refuses %s: the text %s', (text, problem) => {
    expect(checkRows(text)).toEqual({ ok: false, problem })
  })

  it(`refuses a cell nested deeper than ${MAX_CELL_DEPTH} levels, and accepts one exactly that deep`, () => {
    expect(checkRows(`[{"a":${nested(MAX_CELL_DEPTH)}}]`)).toMatchObject({ ok: true, rows: 1 })
    expect(checkRows(`[{},{"a":${nested(MAX_CELL_DEPTH + 1)}}]`)).toEqual({
      ok: false,
      problem: `has a value nested deeper than ${MAX_CELL_DEPTH} levels in row 2`,
    })
  })

  it('refuses 200,000 levels of nesting without recursion (no stack overflow)', () => {
    expect(checkRows(`[{"a":${nested(200_000)}}]`)).toMatchObject({ ok: false })
  })
})
