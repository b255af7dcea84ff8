import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { failureOf, input, rowsOf } from './fixtures.js'

// One worker: A and B run in the same warm isolate, one after the other.
const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

/** A Function body both converters compile; it throws, so its error says where it was built. */
const BODY = JSON.stringify("throw new Error('from the body')")

describe('no state from one run is visible to the next', () => {
  it("gives B's error B's own line and column when A compiled the same Function body at the same offset", async () => {
    // V8 caches compiled Function bodies per isolate by text and character offset; the error's line and
    // column are worked out from the source of whoever compiled it first. A breaks lines where B has spaces.
    const a = `function convert() {\n\n\n\n\n  const f = new Function(${BODY})\n  return f()\n}`
    const b = `function convert() {       const f = new Function(${BODY})\n  return f()\n}`
    expect(a.indexOf('new Function')).toBe(b.indexOf('new Function'))
    const first = await failureOf(pool, input(a))
    const second = await failureOf(pool, input(b))
    expect([first.line, first.column]).toEqual([6, 13])
    expect([second.line, second.column]).toEqual([1, 38])
    expect(second.message).toBe('Converter failed at line 1, column 38: Error: from the body')
  })

  it('does not let B see a built-in that A replaced, or a global A set, or a prototype A extended', async () => {
    await rowsOf(
      pool,
      "JSON.parse = () => 'A'; Array.prototype.fromA = 1; globalThis.leaked = 42; function convert() { return [] }",
    )
    const seen = await rowsOf(
      pool,
      "function convert() { return [{ parse: JSON.parse('[1]').length, fromA: typeof [].fromA, leaked: typeof leaked }] }",
    )
    expect(seen).toEqual([{ parse: 1, fromA: 'undefined', leaked: 'undefined' }])
  })

  it("does not let B call a function A compiled and left on a shared built-in's closure", async () => {
    await rowsOf(pool, "Math.secret = () => 'A'; function convert() { return [] }")
    expect(await rowsOf(pool, 'function convert() { return [{ secret: typeof Math.secret }] }')).toEqual([
      { secret: 'undefined' },
    ])
  })
})

describe('import() inside a converter', () => {
  it('fails with a converter error that says converters cannot import modules', async () => {
    const error = await failureOf(pool, input("function convert() {\n  return import('node:fs')\n}"))
    expect(error.kind).toBe('runtime')
    expect(error.message).toBe(
      'Converter failed at line 2, column 3: converters cannot import modules (import() is not available in the sandbox; use the helpers and standard JavaScript only)',
    )
  })

  it('says the same for an import() in the top-level code', async () => {
    const error = await failureOf(pool, input("const fs = import('fs')\nfunction convert() { return [] }"))
    expect(error.message).toMatch(/^Converter failed at line 1, column 12: converters cannot import modules/)
  })
})

describe('a huge error message', () => {
  it('is cut to 2,000 characters and says how many more there were', async () => {
    const error = await failureOf(
      pool,
      input("function convert() { throw new Error('x'.repeat(60e6)) }", ['{}'], {
        limits: { memoryMb: 512, timeoutMs: 5000 },
      }),
    )
    expect(error.kind).toBe('runtime')
    expect(error.message).toBe(
      `Converter failed at line 1, column 28: Error: ${'x'.repeat(2000)}… (${60e6 - 2000} more characters)`,
    )
  })

  it('is cut as well when the top-level code throws it', async () => {
    const error = await failureOf(
      pool,
      input("throw new Error('y'.repeat(60e6))\nfunction convert() { return [] }", ['{}'], {
        limits: { memoryMb: 512, timeoutMs: 5000 },
      }),
    )
    expect(error.message.length).toBeLessThan(2200)
    expect(error.message).toMatch(/… \(59998000 more characters\)$/)
  })
})
