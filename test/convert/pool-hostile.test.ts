/**
 * A converter that replaces the built-ins the sandbox's driver or serializer
 * could touch must not decide what the host receives: for each built-in,
 * replaced on its own, the host sees exactly the rows the converter returned,
 * or the run fails with a converter error. Never forged rows, a forged count,
 * invalid JSON or a crash.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { ConverterError, ConverterPool } from '../../src/convert/index.js'
import { checkRows } from '../../src/convert/check-rows.js'
import { input } from './fixtures.js'

const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

/** Rows built from literals only, so the converter needs no built-in after its sabotage. */
const ROWS = "[{ a: 1, b: 'x', c: [1, { d: null }], e: true }, { a: 2, b: 'y', c: [], e: false }]"
const EXPECTED = [
  { a: 1, b: 'x', c: [1, { d: null }], e: true },
  { a: 2, b: 'y', c: [], e: false },
]

/** Every function-valued property of each owner, as the sandbox has them (same V8 as this process). */
const OWNERS: Record<string, object> = {
  'Function.prototype': Function.prototype,
  JSON,
  'Array.prototype': Array.prototype,
  'String.prototype': String.prototype,
  Object,
  'Object.prototype': Object.prototype,
  Symbol,
  Reflect,
}

function builtins(owner: string): string[] {
  const target = OWNERS[owner] as Record<string, unknown>
  return Object.getOwnPropertyNames(target).filter((name) => {
    const descriptor = Object.getOwnPropertyDescriptor(target, name)
    return descriptor !== undefined && typeof descriptor.value === 'function' && name !== 'constructor'
  })
}

/** What the host saw: the rows, or how the run failed. */
async function outcome(
  sabotage: string,
): Promise<{ rows?: unknown; error?: ConverterError; count?: number }> {
  const source = `function convert() {\n  ${sabotage}\n  return ${ROWS}\n}`
  try {
    const result = await pool.run(input(source, ['{}', '{}']))
    // The text the host hands on is a checked JSON array, and its count is the real count.
    const check = checkRows(result.rowsJson)
    return {
      rows: check.ok ? JSON.parse(result.rowsJson) : result.rowsJson,
      count: check.ok ? check.rows : -1,
    }
  } catch (error) {
    if (error instanceof ConverterError && error.kind !== 'crashed') return { error }
    throw error
  }
}

/** A replacement that lies: it returns forged values of every kind the driver might take. */
const LIAR = "(function () { return '1000:[1,2' })"

describe('a converter that replaces a built-in cannot change what the host receives', () => {
  it.each(Object.keys(OWNERS))('replacing each function of %s, one at a time', async (owner) => {
    const unexpected: string[] = []
    for (const name of builtins(owner)) {
      for (const replacement of [LIAR, '(function () { throw new Error("sabotage") })']) {
        const path = `${owner}[${JSON.stringify(name)}]`
        const seen = await outcome(
          `Object.defineProperty(${owner}, ${JSON.stringify(name)}, { value: ${replacement}, writable: true, configurable: true })`,
        )
        const fine =
          seen.error !== undefined ||
          (JSON.stringify(seen.rows) === JSON.stringify([...EXPECTED, ...EXPECTED]) && seen.count === 4)
        if (!fine) unexpected.push(`${path}: ${JSON.stringify(seen)}`)
      }
    }
    expect(unexpected).toEqual([])
    expect(builtins(owner).length).toBeGreaterThan(0)
  })

  it('keeps the rows unchanged when Function.prototype.call, apply and bind all lie at once', async () => {
    const seen = await outcome(
      ['call', 'apply', 'bind'].map((name) => `Function.prototype.${name} = ${LIAR}`).join('\n  '),
    )
    expect(seen).toEqual({ rows: [...EXPECTED, ...EXPECTED], count: 4 })
  })

  it('keeps the rows unchanged when JSON.stringify and JSON.parse are replaced', async () => {
    const seen = await outcome("JSON.stringify = () => '[1]'; JSON.parse = () => [1]")
    expect(seen).toEqual({ rows: [...EXPECTED, ...EXPECTED], count: 4 })
  })

  it('is not fooled by toJSON or index setters added to Object.prototype and Array.prototype', async () => {
    const seen = await outcome(
      [
        "Object.prototype.toJSON = () => 'forged'",
        "Array.prototype.toJSON = () => 'forged'",
        "Object.defineProperty(Array.prototype, '0', { set() { throw new Error('setter') }, get() { return 'forged' }, configurable: true })",
        "Object.defineProperty(Object.prototype, 'kind', { set() { throw new Error('setter') }, configurable: true })",
      ].join('\n  '),
    )
    // Every object now inherits a toJSON, so each row goes through the mapping (which never calls it).
    expect(seen).toEqual({ rows: [...EXPECTED, ...EXPECTED], count: 4 })
  })

  it('counts rows itself: a Proxy whose length changes with every read cannot forge the row count', async () => {
    const source = `function convert() {
  const rows = [{ a: 1 }, { a: 2 }, { a: 3 }]
  let reads = 0
  return new Proxy(rows, { get: (t, k) => (k === 'length' ? [2, 1000, 0][reads++ % 3] : Reflect.get(t, k)) })
}`
    const result = await pool.run(input(source))
    expect(result.rowCount).toBe((JSON.parse(result.rowsJson) as unknown[]).length)
    expect(result).toEqual({ rowsJson: '[{"a":1},{"a":2}]', rowCount: 2 })
  })
})
