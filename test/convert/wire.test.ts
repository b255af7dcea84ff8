import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import type { WireTexts } from '../../src/convert/protocol.js'
import { decodeTexts, encodeTexts } from '../../src/convert/wire.js'
import { input } from './fixtures.js'

const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

describe('texts over the worker channel', () => {
  it('carry ASCII texts one byte a character', () => {
    const wire = encodeTexts(['[{"a":1}]', '', '[]'])
    expect(wire.wide).toBe(false)
    expect(wire.bytes.byteLength).toBe(11)
    expect(decodeTexts(wire)).toEqual(['[{"a":1}]', '', '[]'])
  })

  it('carry any other text unchanged, lone surrogates included', () => {
    const texts = ['[{"a":"é"}]', 'ascii', '\u{1F600} \uD800 Ā \u0100 ÿ']
    const wire = encodeTexts(texts)
    expect(wire.wide).toBe(true)
    expect(decodeTexts(wire)).toEqual(texts)
  })

  it('refuse bytes that do not add up to their lengths', () => {
    const wire = encodeTexts(['abc'])
    const forged: WireTexts = { ...wire, lengths: [4] }
    expect(() => decodeTexts(forged)).toThrow(TypeError)
    expect(() => decodeTexts({ ...wire, lengths: [-1, 4] })).toThrow(TypeError)
    expect(() => decodeTexts({ bytes: 'abc', lengths: [3], wide: false } as unknown as WireTexts)).toThrow(
      TypeError,
    )
  })

  it('bring a worker every character of its pages and back every character of its rows', async () => {
    const pages = ['{"t":"ascii"}', '{"t":"é \u{1F600} Ā"}', `{"t":"lone ${'\uD800'}"}`]
    const source = 'function convert(json) { return [{ page: json, parsed: JSON.parse(json).t }] }'
    // The default limits: a cold worker on a busy machine may take seconds to start.
    const result = await pool.run(input(source, pages, { limits: undefined }))
    expect(JSON.parse(result.rowsJson)).toEqual(
      pages.map((page) => ({ page, parsed: (JSON.parse(page) as { t: string }).t })),
    )
  })
})
