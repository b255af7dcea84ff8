import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { rowsOf } from './fixtures.js'

/**
 * The row serializer against a model (issue 12): random values, written as JavaScript source, are
 * returned by a converter in the real pool; the cell must hold what src/convert/README.md ("What the
 * rows may hold") says each type becomes — the model below, built alongside the source.
 */

const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

/** A value as converter source, and the JSON value its cell must hold. */
interface Case {
  readonly source: string
  readonly expected: unknown
}

const leaf: fc.Arbitrary<Case> = fc.oneof(
  fc.string({ unit: 'binary' }).map((s) => ({ source: JSON.stringify(s), expected: s })),
  fc.double().map((d) => ({
    source: Object.is(d, -0) ? '-0' : String(d),
    expected: Number.isFinite(d) ? (Object.is(d, -0) ? 0 : d) : null,
  })),
  fc.boolean().map((b) => ({ source: String(b), expected: b })),
  fc.constant({ source: 'null', expected: null }),
  fc.constant({ source: 'undefined', expected: null }),
  fc.constant({ source: "Symbol('s')", expected: null }),
  fc.constant({ source: '() => 1', expected: null }),
  fc.bigInt().map((b) => ({ source: `${b}n`, expected: String(b) })),
  fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => ({
    source: `new Date(${ms})`,
    expected: new Date(ms).toISOString(),
  })),
  fc.constant({ source: "new Date('not a date')", expected: null }),
  fc.constantFrom('/a+b/gi', '/x/', '/[0-9]{2}/m', '/\\//u').map((re) => ({ source: re, expected: re })),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => ({
    source: `new Number(${Object.is(d, -0) ? '-0' : String(d)})`,
    expected: Object.is(d, -0) ? 0 : d,
  })),
  fc.string().map((s) => ({ source: `new String(${JSON.stringify(s)})`, expected: s })),
)

/** Object keys: any text but `__proto__`, which an object literal takes for the prototype. */
const key = fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__')

const { value } = fc.letrec<{ value: Case }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }).map((items) => ({
      source: `[${items.map((item) => item.source).join(', ')}]`,
      expected: items.map((item) => item.expected),
    })),
    fc.uniqueArray(fc.tuple(key, tie('value')), { maxLength: 4, selector: ([k]) => k }).map((entries) => ({
      source: `{ ${entries.map(([k, item]) => `${JSON.stringify(k)}: ${item.source}`).join(', ')} }`,
      expected: Object.fromEntries(entries.map(([k, item]) => [k, item.expected])),
    })),
    fc.uniqueArray(fc.tuple(key, tie('value')), { maxLength: 3, selector: ([k]) => k }).map((entries) => ({
      source: `new Map([${entries.map(([k, item]) => `[${JSON.stringify(k)}, ${item.source}]`).join(', ')}])`,
      expected: Object.fromEntries(entries.map(([k, item]) => [k, item.expected])),
    })),
    fc.uniqueArray(fc.string({ maxLength: 6 }), { maxLength: 4 }).map((items) => ({
      source: `new Set(${JSON.stringify(items)})`,
      expected: items,
    })),
  ),
}))

describe('the row serializer', () => {
  it('maps every value as README.md says, at any depth (random values against the model)', async () => {
    await fc.assert(
      fc.asyncProperty(value, async ({ source, expected }) => {
        const rows = await rowsOf(pool, `function convert() {\n  return [{ cell: ${source} }]\n}`)
        expect(rows).toEqual([{ cell: expected }])
      }),
      { seed: 12, numRuns: 200, interruptAfterTimeLimit: 40_000 },
    )
  }, 60_000)
})
