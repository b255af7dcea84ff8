import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { failureOf, input, rowsOf } from './fixtures.js'

const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

/** A converter whose only line is `statement`, run on one page. */
const attempt = (statement: string): string => `function convert(json) {\n  ${statement}\n}`

describe('the sandbox gives a converter nothing but JavaScript', () => {
  it('has no require', async () => {
    const error = await failureOf(pool, input(attempt("return [{ fs: require('node:fs') }]")))
    expect(error.message).toBe(
      'Converter failed at line 2, column 17: ReferenceError: require is not defined',
    )
  })

  it('has no process', async () => {
    const error = await failureOf(pool, input(attempt('return [{ env: process.env }]')))
    expect(error.message).toBe(
      'Converter failed at line 2, column 18: ReferenceError: process is not defined',
    )
  })

  it('has no dynamic import', async () => {
    const error = await failureOf(pool, input(attempt("import('node:fs'); return []")))
    expect(error.kind).toBe('runtime')
    expect(error.line).toBe(2)
  })

  it('has no timers, microtask queue, fetch or XMLHttpRequest', async () => {
    const names = ['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'fetch', 'XMLHttpRequest']
    const source = attempt(
      `return ${JSON.stringify(names)}.map((name) => ({ name, type: typeof globalThis[name] }))`,
    )
    expect(await rowsOf(pool, source)).toEqual(names.map((name) => ({ name, type: 'undefined' })))
  })

  it('fails with a clear error when a converter calls setTimeout', async () => {
    const error = await failureOf(pool, input(attempt('setTimeout(() => {}, 0); return []')))
    expect(error.message).toBe(
      'Converter failed at line 2, column 3: ReferenceError: setTimeout is not defined',
    )
  })

  it('removes WebAssembly, SharedArrayBuffer, Atomics, FinalizationRegistry and WeakRef', async () => {
    const names = ['WebAssembly', 'SharedArrayBuffer', 'Atomics', 'FinalizationRegistry', 'WeakRef']
    const source = attempt(
      `return [Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, typeof globalThis[n]]))]`,
    )
    expect(await rowsOf(pool, source)).toEqual([Object.fromEntries(names.map((name) => [name, 'undefined']))])
  })

  it("finds no process through this.constructor.constructor('return process')()", async () => {
    const error = await failureOf(
      pool,
      input(attempt("return [{ p: this.constructor.constructor('return process')() }]")),
    )
    expect(error.message).toMatch(/ReferenceError: process is not defined$/)
  })

  it('gives a Function-built global that holds only the sandbox globals', async () => {
    const source = attempt(
      "const g = Function('return this')(); return [{ keys: Object.keys(g).join(), node: ['process', 'require', 'module', 'Buffer'].filter((k) => k in g).join() }]",
    )
    expect(await rowsOf(pool, source)).toEqual([{ keys: 'convert', node: '' }])
  })
})
