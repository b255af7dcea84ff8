import { describe, expect, it } from 'vitest'
import { charWidth, terminalText, textWidth, truncateToWidth } from '../../src/render/text-width.js'

describe('charWidth', () => {
  it.each([
    ['a', 1],
    ['é', 1],
    ['中', 2],
    ['語', 2],
    ['한', 2],
    ['カ', 2],
    ['ｶ', 1], // halfwidth katakana
    ['Ａ', 2], // fullwidth A
    ['、', 2],
    ['\u3000', 2], // ideographic space
    ['👍', 2],
    ['🎉', 2],
    ['❤', 1], // text presentation by default
    ['…', 1], // East Asian Ambiguous: narrow outside CJK locales
    ['─', 1],
    ['\u0301', 0], // combining acute accent
    ['\u200d', 0], // zero width joiner
    ['\u200b', 0], // zero width space
    ['\u1161', 0], // Hangul jungseong
    ['\u00ad', 1], // soft hyphen
    ['\x1b', 0],
    ['\u{20000}', 2], // CJK extension B
  ])('%s takes %i columns', (char, width) => {
    expect(charWidth(char.codePointAt(0) ?? 0)).toBe(width)
  })
})

describe('textWidth', () => {
  it.each([
    ['', 0],
    ['plain ASCII', 11],
    ['日本語', 6],
    ['中文 and ASCII', 14],
    ['Cafe\u0301', 4],
    ['n\u0303a\u0308', 2],
    ['👍🏽', 2], // skin tone modifier: one glyph
    ['🇺🇸', 2], // flag: two regional indicators, one glyph
    ['👨‍👩‍👧', 2], // ZWJ family
    ['❤️', 2], // VS16 asks for emoji presentation
    ['1️⃣', 2], // keycap
    ['\u1100\u1161\u11a8', 2], // 각 as conjoining jamo
    ['ＡＢＣ', 6],
  ])('%j takes %i columns', (text, width) => {
    expect(textWidth(text)).toBe(width)
  })
})

describe('truncateToWidth', () => {
  it('leaves text that fits alone', () => {
    expect(truncateToWidth('short', 5)).toBe('short')
    expect(truncateToWidth('日本', 4)).toBe('日本')
  })

  it('cuts ASCII and ends with …', () => {
    expect(truncateToWidth('Fix the login page', 10)).toBe('Fix the l…')
  })

  it('never splits a wide character: the result may be one column narrower', () => {
    expect(truncateToWidth('日本語テキスト', 6)).toBe('日本…')
    expect(textWidth(truncateToWidth('日本語テキスト', 6))).toBe(5)
    expect(truncateToWidth('日本語テキスト', 7)).toBe('日本語…')
  })

  it('never splits a grapheme cluster', () => {
    expect(truncateToWidth('🇺🇸🇩🇪🇫🇷', 4)).toBe('🇺🇸…')
    expect(truncateToWidth('e\u0301e\u0301e\u0301', 2)).toBe('e\u0301…')
  })

  it('gives nothing for no room, and … alone for one column', () => {
    expect(truncateToWidth('abc', 0)).toBe('')
    expect(truncateToWidth('abc', 1)).toBe('…')
  })
})

describe('terminalText', () => {
  it('shows ESC and other C0 controls as control pictures', () => {
    expect(terminalText('\x1b[31mred\x1b[0m')).toBe('␛[31mred␛[0m')
    expect(terminalText('a\nb\r\nc\td\x00e\x07')).toBe('a␊b␍␊c␉d␀e␇')
    expect(terminalText('del\x7f')).toBe('del␡')
  })

  it('replaces C1 controls (including the one-byte CSI) and bidi controls with U+FFFD', () => {
    expect(terminalText('x\u009b31my')).toBe('x\ufffd31my')
    expect(terminalText('abc\u202edcba\u2066x\u2069')).toBe('abc\ufffddcba\ufffdx\ufffd')
  })

  it('shows line and paragraph separators as ␤', () => {
    expect(terminalText('a\u2028b\u2029c')).toBe('a␤b␤c')
  })

  it('replaces lone surrogates', () => {
    expect(terminalText('a\ud800b')).toBe('a\ufffdb')
  })

  it('leaves ordinary text, emoji and joiners alone', () => {
    const text = 'Résumé 日本 👨‍👩‍👧 e\u0301'
    expect(terminalText(text)).toBe(text)
  })
})

describe('the counting fast path', () => {
  it('agrees with charWidth for every character it counts', () => {
    const disagreements: string[] = []
    for (let code = 0x20; code < 0xd800; code++) {
      const char = String.fromCharCode(code)
      // textWidth counts '€€' without segmenting exactly when it counts '€' that way.
      if (textWidth(char + char) !== 2 * charWidth(code)) disagreements.push(code.toString(16))
    }
    expect(disagreements).toEqual([])
  })

  it('truncates exactly like the segmenting path', () => {
    const samples = [
      'Résumé — 中文 and ASCII ↑',
      '日本語のテキストです',
      'Ωμέγα Кириллица ★ ─┼─ ␊',
      '한국어 ＡＢＣ 〜',
    ]
    for (const sample of samples) {
      // A zero width space forces the segmenting path without changing the width.
      const slow = sample + '\u200b'
      for (let width = 0; width <= textWidth(sample) + 1; width++) {
        const fast = truncateToWidth(sample, width)
        expect(fast === sample ? sample + '\u200b' : fast).toBe(truncateToWidth(slow, width))
      }
    }
  })
})
