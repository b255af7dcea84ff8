import { describe, expect, it } from 'vitest'
import { cellText, cellValue, columnsOf, isNumeric, toJson } from '../../src/render/cell.js'

describe('cellText', () => {
  it.each([
    ['null', null, ''],
    ['undefined', undefined, ''],
    ['a string, as is', '  as is\n', '  as is\n'],
    ['an integer', 42, '42'],
    ['a negative float', -0.5, '-0.5'],
    ['NaN, as JSON does (null)', Number.NaN, ''],
    ['Infinity, as JSON does (null)', Number.POSITIVE_INFINITY, ''],
    ['-Infinity, as JSON does (null)', Number.NEGATIVE_INFINITY, ''],
    ['a boolean', false, 'false'],
    ['a bigint', 12345678901234567890n, '12345678901234567890'],
    ['a Date, as ISO 8601', new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), '2026-01-02T03:04:05.006Z'],
    ['an invalid Date, as JSON does (null)', new Date(Number.NaN), ''],
    ['an array of strings, joined', ['backend', 'urgent'], 'backend, urgent'],
    ['an array of mixed primitives', [1, 'two', true, null], '1, two, true, '],
    ['an empty array', [], ''],
    ['an array of objects, as JSON', [{ name: 'API' }], '[{"name":"API"}]'],
    ['nested arrays, as JSON', [[1, 2], [3]], '[[1,2],[3]]'],
    ['an object, as compact JSON', { name: 'Ada', id: 7 }, '{"name":"Ada","id":7}'],
    ['an object holding a bigint', { id: 10n }, '{"id":"10"}'],
    ['an object holding a Date', { at: new Date(Date.UTC(2026, 0, 1)) }, '{"at":"2026-01-01T00:00:00.000Z"}'],
    ['a function', () => 1, ''],
    ['a symbol', Symbol('s'), ''],
  ])('turns %s into text', (_what, value, expected) => {
    expect(cellText(value)).toBe(expected)
  })

  it('survives a value JSON cannot hold', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(cellText(cyclic)).toBe('[object Object]')
  })
})

describe('columnsOf', () => {
  it('lists keys in order of first appearance across all rows', () => {
    expect(columnsOf([{ b: 1, a: 2 }, { c: 3, a: 4 }, {}, { d: 5, b: 6 }])).toEqual(['b', 'a', 'c', 'd'])
  })

  it('gives no columns for no rows', () => {
    expect(columnsOf([])).toEqual([])
  })
})

describe('cellValue', () => {
  it('reads only the row’s own keys, never Object.prototype', () => {
    expect(cellValue({}, 'toString')).toBeUndefined()
    expect(cellValue({}, 'constructor')).toBeUndefined()
    expect(cellValue({}, '__proto__')).toBeUndefined()
    expect(cellValue(JSON.parse('{"__proto__":"own"}') as Record<string, unknown>, '__proto__')).toBe('own')
    expect(cellValue({ toString: 'x' }, 'toString')).toBe('x')
  })
})

describe('isNumeric', () => {
  it('accepts finite numbers and bigints, not numeric strings', () => {
    expect([-5, 0.5, 10n, '-5', Number.POSITIVE_INFINITY, Number.NaN, null].map(isNumeric)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ])
  })
})

describe('toJson', () => {
  it('writes bigints as strings of digits', () => {
    expect(toJson({ id: 10n, tags: ['a'] })).toBe('{"id":"10","tags":["a"]}')
  })
})
