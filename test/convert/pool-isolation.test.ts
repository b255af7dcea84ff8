import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { failureOf, input, rowsOf } from './fixtures.js'

// One worker: A and B run in the same warm isolate, one after the other.
const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

/** A Function body both converters compile; it throws, so its error says where it was built. */
const BODY = JSON.stringify("throw new Error('from the body')")
/** A Function body that reports where it was built without failing: its stack names the call site. */
const PROBE = JSON.stringify("return new Error('probe').stack")

/**
 * V8 keeps `new Function` and eval bodies in a cache that belongs to the isolate, not the context,
 * keyed by the body's text alone (not by who compiles it or where). A body goes in the second time
 * the same text is compiled (the first only marks it), and a later compile of that text gets the
 * cached Script back: with the source position of its first caller, so a converter compiling the
 * body once after another compiled it twice reports the other's line and column. A compiles every
 * body twice (a loop), B once; with the cache on (worker-entry.ts without `--no-compilation-cache`)
 * both tests below fail.
 */
describe('no state from one run is visible to the next', () => {
  it("gives B's error B's own line and column when A compiled the same Function body before", async () => {
    const a = [
      'function convert() {',
      '  for (let i = 0; i < 2; i++) {',
      `    try { new Function(${BODY})() } catch (error) { if (i === 1) throw error }`,
      '  }',
      '}',
    ].join('\n')
    const b = `function convert() { const f = new Function(${BODY})\n  return f()\n}`
    const first = await failureOf(pool, input(a))
    const second = await failureOf(pool, input(b))
    expect(first.message).toBe('Converter failed at line 3, column 11: Error: from the body')
    expect(second.message).toBe('Converter failed at line 1, column 32: Error: from the body')
  })

  it('does not let B tell whether A compiled a Function body, or where', async () => {
    const a = `function convert() {\n\n  for (let i = 0; i < 2; i++) new Function(${PROBE})()\n  return []\n}`
    const b = `function convert() { return [{ stack: new Function(${PROBE})() }] }`
    expect(await rowsOf(pool, a)).toEqual([])
    const [seen] = (await rowsOf(pool, b)) as [{ stack: string }]
    // Where the body was built: B's own `new Function` (line 1, column 39), not A's (line 3, column 31).
    expect(/\(eval at convert \((converter\.js:\d+:\d+)\)/.exec(seen.stack)?.[1]).toBe('converter.js:1:39')
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
