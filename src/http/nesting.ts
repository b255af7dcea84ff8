/**
 * How deep an upstream body may nest: 1000 levels of JSON arrays/objects or XML elements. Deeper
 * input would pass JSON.parse (V8's parser is iterative) and then overflow the stack of whatever
 * walks it recursively — JSON.stringify, the default converter, the XML converter — so it is
 * refused before parsing (issue 12: 200,000 levels crashed the default converter).
 */
export const MAX_NESTING = 1000

/**
 * Whether JSON text nests deeper than `limit`, in one pass over the characters without parsing
 * (strings are skipped, escapes included). Malformed text is left to JSON.parse to describe.
 *
 * @example jsonNestsDeeper('[[[1]]]', 2) // true
 */
export function jsonNestsDeeper(text: string, limit: number = MAX_NESTING): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      // A backslash escapes the next character, a quote among them.
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return false
}

/**
 * Whether XML nests deeper than `limit` elements. Comments, CDATA, declarations and processing
 * instructions are skipped; quoted attribute values may hold `>`.
 *
 * @example xmlNestsDeeper('<a><b><c/></b></a>', 1) // true
 */
export function xmlNestsDeeper(text: string, limit: number = MAX_NESTING): boolean {
  let depth = 0
  let i = text.indexOf('<')
  while (i !== -1 && i < text.length) {
    if (text.startsWith('<!--', i)) {
      i = skipPast(text, '-->', i + 4)
    } else if (text.startsWith('<![CDATA[', i)) {
      i = skipPast(text, ']]>', i + 9)
    } else if (text.startsWith('<?', i)) {
      i = skipPast(text, '?>', i + 2)
    } else if (text.startsWith('<!', i)) {
      i = skipPast(text, '>', i + 2)
    } else if (text.startsWith('</', i)) {
      depth--
      i = skipPast(text, '>', i + 2)
    } else {
      // An opening tag: find its end outside quoted attribute values.
      let j = i + 1
      let quote = 0
      for (; j < text.length; j++) {
        const c = text.charCodeAt(j)
        if (quote !== 0) {
          if (c === quote) quote = 0
        } else if (c === 0x22 || c === 0x27) {
          quote = c
        } else if (c === 0x3e) {
          break
        }
      }
      if (text.charCodeAt(j - 1) !== 0x2f && ++depth > limit) return true
      i = j + 1
    }
    i = i === -1 ? -1 : text.indexOf('<', i)
  }
  return false
}

/** The index just past `end` (found from `from`), or -1 when the text ends first. */
function skipPast(text: string, end: string, from: number): number {
  const at = text.indexOf(end, from)
  return at === -1 ? -1 : at + end.length
}
