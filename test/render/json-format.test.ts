import { describe, expect, it } from 'vitest'
import { render } from '../../src/render/index.js'
import type { Row } from '../../src/render/index.js'
import { CASES } from './cases.js'

/** What a row looks like after a trip through JSON (Dates as ISO strings, undefined dropped). */
function viaJson(rows: readonly Row[]): unknown {
  return JSON.parse(
    JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)),
  )
}

describe('json', () => {
  it('writes one compact object per line inside one array', () => {
    expect(render('json', [{ key: 'QA-1' }, { key: 'QA-2', n: 1 }])).toBe(
      '[\n{"key":"QA-1"},\n{"key":"QA-2","n":1}\n]\n',
    )
  })

  it('writes [] for no rows', () => {
    expect(render('json', [])).toBe('[]\n')
  })

  it.each(Object.keys(CASES))('parses back to the %s rows', (name) => {
    const rows = CASES[name] ?? []
    expect(JSON.parse(render('json', rows))).toEqual(viaJson(rows))
  })

  it('keeps only the chosen columns, in their order, leaving absent keys absent', () => {
    expect(render('json', [{ a: 1, b: 2, c: 3 }, { c: 4 }], { columns: ['c', 'a'] })).toBe(
      '[\n{"c":3,"a":1},\n{"c":4}\n]\n',
    )
  })

  it('keeps a column named __proto__ as a key', () => {
    const row = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Row
    expect(render('json', [row], { columns: ['__proto__', 'a'] })).toBe(
      '[\n{"__proto__":{"polluted":true},"a":1}\n]\n',
    )
  })
})

describe('ndjson', () => {
  it('writes one compact object per line', () => {
    expect(render('ndjson', [{ key: 'QA-1' }, { key: 'QA-2' }])).toBe('{"key":"QA-1"}\n{"key":"QA-2"}\n')
  })

  it('keeps newlines inside values escaped, so a row is always one line', () => {
    const text = render('ndjson', CASES.hostile ?? [])
    const lines = text.split('\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(CASES.hostile?.length ?? 0)
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(viaJson(CASES.hostile ?? []))
  })

  it('writes nothing for no rows', () => {
    expect(render('ndjson', [])).toBe('')
  })
})
