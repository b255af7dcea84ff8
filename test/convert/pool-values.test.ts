import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { MAX_CELL_DEPTH } from '../../src/convert/limits.js'
import { failureOf, input, rowsOf } from './fixtures.js'

const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

/** The one row a converter returns, with `cells` as its object literal's body. */
const one = (cells: string): string => `function convert() {\n  return [{ ${cells} }]\n}`

describe('every value a converter returns has one documented JSON mapping (README: "What the rows may hold")', () => {
  it('keeps strings, finite numbers, booleans, null and plain objects and arrays as they are', async () => {
    expect(
      await rowsOf(pool, one("s: 'é\\u0000\"', n: -0.5, b: false, z: null, o: { a: [1, { b: 'c' }] }")),
    ).toEqual([{ s: 'é\u0000"', n: -0.5, b: false, z: null, o: { a: [1, { b: 'c' }] } }])
  })

  it('writes a BigInt as its decimal text', async () => {
    expect(await rowsOf(pool, one('big: -9223372036854775808n, nested: [12345678901234567890n]'))).toEqual([
      { big: '-9223372036854775808', nested: ['12345678901234567890'] },
    ])
  })

  it('writes a Date as ISO text, and an invalid Date as null', async () => {
    expect(
      await rowsOf(pool, one("at: new Date(Date.UTC(2026, 0, 15, 10, 30)), bad: new Date('nope')")),
    ).toEqual([{ at: '2026-01-15T10:30:00.000Z', bad: null }])
  })

  it('writes NaN and ±Infinity as null', async () => {
    expect(await rowsOf(pool, one('nan: NaN, inf: Infinity, minus: -Infinity, list: [NaN]'))).toEqual([
      { nan: null, inf: null, minus: null, list: [null] },
    ])
  })

  it('keeps a cell holding undefined, a function or a Symbol, as an empty cell (null)', async () => {
    expect(
      await rowsOf(pool, one("u: undefined, f: () => 1, sym: Symbol('s'), list: [undefined, Symbol()]")),
    ).toEqual([{ u: null, f: null, sym: null, list: [null, null] }])
  })

  it('writes a Map as an object of its entries and a Set as an array', async () => {
    expect(
      await rowsOf(pool, one("m: new Map([['a', 1], [2, new Set(['x', 3n])]]), s: new Set([1, 1, 2])")),
    ).toEqual([{ m: { a: 1, '2': ['x', '3'] }, s: [1, 2] }])
  })

  it('writes a RegExp as its /source/flags text and a boxed primitive as the primitive', async () => {
    expect(
      await rowsOf(pool, one("r: /a+b/gi, n: new Number(4), t: new String('t'), b: new Boolean(true)")),
    ).toEqual([{ r: '/a+b/gi', n: 4, t: 't', b: true }])
  })

  it('writes other objects as their own enumerable properties, without calling toJSON', async () => {
    const source = one(
      'p: new (class Point { constructor() { this.x = 1; this.y = 2 } })(), j: { toJSON() { return 7 }, k: 1 }',
    )
    expect(await rowsOf(pool, source)).toEqual([{ p: { x: 1, y: 2 }, j: { toJSON: null, k: 1 } }])
  })
})

describe('an unrepresentable value fails in the sandbox, naming its row and column', () => {
  it('names the row and column of a value that refers to itself', async () => {
    const source =
      'function convert() {\n  const loop = { a: 1 }\n  loop.self = loop\n  return [{ ok: 1 }, { ok: 2, Links: loop }]\n}'
    const error = await failureOf(pool, input(source))
    expect(error.kind).toBe('contract')
    expect(error.message).toBe(
      'convert() returned a value in row 2, column "Links" that refers to itself (a cycle); flatten it or turn it into text first',
    )
  })

  it(`names the row and column of a value nested a few thousand levels deep (limit ${MAX_CELL_DEPTH})`, async () => {
    const source =
      "function convert() {\n  let deep = 'bottom'\n  for (let i = 0; i < 5000; i++) deep = [deep]\n  return [{ Key: 'A-1', Tree: deep }]\n}"
    const error = await failureOf(pool, input(source, ['{}', '{}']))
    expect(error.kind).toBe('contract')
    expect(error.message).toBe(
      `convert() returned a value in row 1, column "Tree" for page 1 of 2 that is nested deeper than ${MAX_CELL_DEPTH} levels; flatten it or turn it into text first`,
    )
  })

  it(`accepts a value nested exactly ${MAX_CELL_DEPTH} levels deep`, async () => {
    const source = `function convert() {\n  let deep = 1\n  for (let i = 0; i < ${MAX_CELL_DEPTH}; i++) deep = { d: deep }\n  return [{ deep }]\n}`
    const [row] = (await rowsOf(pool, source)) as { deep: unknown }[]
    let levels = 0
    for (let v = row?.deep; typeof v === 'object' && v !== null; v = (v as { d: unknown }).d) levels++
    expect(levels).toBe(MAX_CELL_DEPTH)
  })

  it('refuses a Date, Map or boxed value as a row (a row must be an object of cells)', async () => {
    const error = await failureOf(
      pool,
      input('function convert() { return [{ a: 1 }, new Map([["a", 1]])] }'),
    )
    expect(error.message).toBe('convert() returned an array whose item 1 is a Map, expected row objects')
  })
})
