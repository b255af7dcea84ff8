import { describe, expect, it } from 'vitest'
import type { WireTexts } from '../../src/convert/protocol.js'
import { decodeTexts, encodeTexts } from '../../src/convert/wire.js'

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
})
