/**
 * How many terminal columns text takes, and how to make data safe to print in a terminal.
 *
 * Width follows what terminals (and wcwidth(3), and the `string-width` package cli-table3 uses) do:
 * East Asian Wide and Fullwidth characters and emoji take 2 columns, combining marks and other
 * zero-width format characters take 0, everything else 1. Text is measured per grapheme cluster
 * (Intl.Segmenter), so an emoji with a skin tone, a flag or a ZWJ family counts once, as 2, and a
 * truncation never cuts a cluster in half. East Asian Ambiguous characters (…, box drawing) count
 * as 1, as they do outside CJK locales.
 */

/**
 * East Asian Width W and F (UAX #11, EastAsianWidth.txt), as inclusive code point ranges. Emoji with
 * emoji presentation are W too; `\p{Emoji_Presentation}` covers them, so they are left out here.
 * Unassigned gaps inside CJK blocks are folded into the ranges (as Markus Kuhn's wcwidth does):
 * the table stays small, and a future ideograph there will be wide anyway.
 */
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo leading consonants
  [0x2329, 0x232a], // angle brackets
  [0x2e80, 0x303e], // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
  [0x3040, 0x3247], // kana, bopomofo, Hangul compatibility jamo, kanbun, CJK strokes, enclosed CJK
  // 0x3248–0x324f: circled numbers on black squares are Ambiguous, not Wide
  [0x3250, 0x4dbf], // enclosed CJK, CJK compatibility, CJK extension A
  [0x4e00, 0xa4cf], // CJK unified ideographs, Yi
  [0xa960, 0xa97f], // Hangul Jamo extended A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19], // vertical forms
  [0xfe30, 0xfe6f], // CJK compatibility forms, small form variants
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6], // fullwidth signs
  [0x16fe0, 0x16fff], // ideographic symbols and punctuation
  [0x17000, 0x18cff], // Tangut, Khitan
  [0x18d00, 0x18d8f], // Tangut supplement
  [0x1aff0, 0x1b2ff], // kana extended, kana supplement, Nushu
  [0x1f200, 0x1f2ff], // enclosed ideographic supplement
  [0x20000, 0x2fffd], // CJK extensions B–F, compatibility supplement
  [0x30000, 0x3fffd], // CJK extensions G–H
]

const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u
const EMOJI_BASE = /^[\p{Extended_Pictographic}\p{Regional_Indicator}]/u
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u
/** Printable ASCII only: one column per UTF-16 unit, the common case, measured without segmenting. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/
/**
 * Text made only of characters that are each one UTF-16 unit, one grapheme on their own and never
 * join with a neighbour: Latin, Greek, Cyrillic, common punctuation and symbols (narrow, below
 * U+3000), and kana, CJK ideographs, Hangul syllables and fullwidth forms (wide, all at or above
 * U+3000). Such text is measured by counting, without Intl.Segmenter, and most issue text in these
 * scripts is like this (with the one-pass truncation below, a 10,000-row table went from 2.4 s to
 * 0.25 s). Combining marks, VS16, ZWJ and the like all fall outside these ranges, so text holding
 * them takes the segmenting path.
 */
const SIMPLE =
  /^[\x20-\x7e\xa0-\u02ff\u0370-\u0482\u048a-\u052f\u1e00-\u1eff\u2010-\u2027\u2030-\u205e\u20a0-\u20c0\u2100-\u214f\u2190-\u21ff\u2400-\u2426\u2500-\u257f\u3000-\u3029\u3030-\u303e\u3041-\u3096\u309b-\u30ff\u4e00-\u9fff\uac00-\ud7a3\uff01-\uff60\uffe0-\uffe6]*$/
/** In SIMPLE text, exactly the characters from here up are wide. */
const SIMPLE_WIDE_FROM = 0x3000

function inWideRange(codePoint: number): boolean {
  let low = 0
  let high = WIDE_RANGES.length - 1
  while (low <= high) {
    const middle = (low + high) >> 1
    const [first, last] = WIDE_RANGES[middle] as readonly [number, number]
    if (codePoint < first) high = middle - 1
    else if (codePoint > last) low = middle + 1
    else return true
  }
  return false
}

/**
 * Columns one code point takes on its own: 0, 1 or 2. Control characters count as 0 — they are not
 * printable at all; pass text through {@link terminalText} before measuring it for display.
 *
 * @example
 * charWidth(0x61) // 1, 'a'
 * charWidth(0x4e2d) // 2, '中'
 * charWidth(0x301) // 0, combining acute accent
 */
export function charWidth(codePoint: number): 0 | 1 | 2 {
  if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0)) return 0
  if (codePoint < 0x300) return 1
  const char = String.fromCodePoint(codePoint)
  // Soft hyphen is Cf but terminals draw it (wcwidth gives 1).
  if (codePoint !== 0xad && ZERO_WIDTH.test(char)) return 0
  // Hangul Jamo vowels and trailing consonants join the leading consonant's two columns.
  if ((codePoint >= 0x1160 && codePoint <= 0x11ff) || (codePoint >= 0xd7b0 && codePoint <= 0xd7ff)) return 0
  if (inWideRange(codePoint) || EMOJI_PRESENTATION.test(char)) return 2
  return 1
}

/**
 * Made on first use, not when the module loads: building a Segmenter loads ICU's break data, some
 * milliseconds that every CLI command (`quarry --help` included) would otherwise pay (issue 18).
 */
let segmenter: Intl.Segmenter | undefined
function graphemes(): Intl.Segmenter {
  return (segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' }))
}

/** Columns one grapheme cluster takes. */
function clusterWidth(cluster: string): number {
  const first = cluster.codePointAt(0) ?? 0
  if (cluster.length === 1 || (cluster.length === 2 && first > 0xffff)) return charWidth(first)
  // VS15 asks for text presentation: the base character's own width.
  if (cluster.includes('\ufe0e')) return charWidth(first)
  // Emoji sequences (VS16, skin tones, ZWJ families, flags, keycaps) draw as one wide glyph.
  if (cluster.includes('\ufe0f') || EMOJI_BASE.test(cluster)) return 2
  let width = 0
  for (const char of cluster) width += charWidth(char.codePointAt(0) ?? 0)
  return width
}

/**
 * Terminal columns `text` takes.
 *
 * @example
 * textWidth('abc') // 3
 * textWidth('日本') // 4
 * textWidth('e\u0301') // 1 (é as e + combining accent)
 * textWidth('👍🏽') // 2
 */
export function textWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length
  if (SIMPLE.test(text)) {
    let width = text.length
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= SIMPLE_WIDE_FROM) width++
    return width
  }
  let width = 0
  for (const { segment } of graphemes().segment(text)) width += clusterWidth(segment)
  return width
}

/**
 * `text` cut to at most `width` columns, ending in `…` when cut. A wide character that would
 * straddle the limit is dropped whole, so the result can be one column narrower than `width`.
 *
 * @example
 * truncateToWidth('Fix the login page', 10) // 'Fix the l…'
 * truncateToWidth('日本語テキスト', 6) // '日本…' (5 columns)
 * truncateToWidth('short', 10) // 'short'
 */
export function truncateToWidth(text: string, width: number): string {
  if (width <= 0) return ''
  if (PRINTABLE_ASCII.test(text)) return text.length <= width ? text : text.slice(0, width - 1) + '…'
  // One pass that stops as soon as the text is known not to fit: `cut` is where the kept part ends.
  let used = 0
  let cut = -1
  if (SIMPLE.test(text)) {
    for (let i = 0; i < text.length; i++) {
      const next = text.charCodeAt(i) >= SIMPLE_WIDE_FROM ? 2 : 1
      if (cut < 0 && used + next > width - 1) cut = i
      used += next
      if (used > width) return text.slice(0, cut) + '…'
    }
    return text
  }
  for (const { segment, index } of graphemes().segment(text)) {
    const next = clusterWidth(segment)
    if (cut < 0 && used + next > width - 1) cut = index
    used += next
    if (used > width) return text.slice(0, cut) + '…'
  }
  return text
}

/** C0 controls and DEL become their Unicode Control Pictures (␀ … ␟, ␡): visible, one column each. */
function controlPicture(char: string): string {
  const code = char.charCodeAt(0)
  return String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code)
}

// C0 and DEL: shown as control pictures. C1 (0x80–0x9f, which includes the one-byte CSI 0x9b) and
// the bidi embedding/override/isolate controls (the "Trojan Source" characters, CVE-2021-42574, which
// can make a cell appear to sit in another column) have no picture: they become U+FFFD.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const C0_OR_DEL = /[\x00-\x1f\x7f]/g
const C1_OR_BIDI = /[\x80-\x9f\u202a-\u202e\u2066-\u2069]/g
const LINE_SEPARATORS = /[\u2028\u2029]/g
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

/**
 * `text` made safe to print inside one terminal line: no character in it can move the cursor, change
 * colours, set the window title or reorder the line. ESC and the other C0 controls become visible
 * Control Pictures (an ANSI colour code shows as `␛[31m`; a newline as `␊`), C1 and bidi controls
 * become `�`, U+2028/U+2029 become `␤`, and lone surrogates become `�`.
 *
 * @example
 * terminalText('\x1b[31mred\x1b[0m') // '␛[31mred␛[0m'
 * terminalText('line 1\nline 2') // 'line 1␊line 2'
 */
export function terminalText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed()
  if (!UNSAFE.test(wellFormed)) return wellFormed
  return wellFormed
    .replace(C0_OR_DEL, controlPicture)
    .replace(C1_OR_BIDI, '\ufffd')
    .replace(LINE_SEPARATORS, '\u2424')
}
