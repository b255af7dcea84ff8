/**
 * Splits JQL into tokens, with Jira's rules for what may stand unquoted, which
 * escapes exist, and the exact messages (and 1-based line/character positions) for
 * unfinished strings, bad escapes, reserved and illegal characters.
 */
import { syntaxError } from './errors.js'
import type { SourcePosition } from './errors.js'

export type TokenKind =
  | 'word'
  | 'string'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'lbracket'
  | 'rbracket'
  | 'op'
  | 'bang'
  | 'and'
  | 'or'
  | 'eof'

export interface Token extends SourcePosition {
  readonly kind: TokenKind
  /** The source text as written, for messages ("but got 'x'"). */
  readonly raw: string
  /** The decoded text: quotes removed, escapes resolved. */
  readonly value: string
  /** Offset of the first character in the query. */
  readonly offset: number
}

/**
 * Characters Jira reserves: outside quotes they are an error, not a separator.
 * `@` is deliberately absent (e-mail addresses stand unquoted here) and a `+`
 * that starts a signed number (`+1d`) is allowed.
 */
const RESERVED_CHARS = new Set(['{', '}', '*', '/', '%', '+', '^', '$', '#', '?', ';'])

/** Characters that end an unquoted word (they are tokens of their own). */
const STOP_CHARS = new Set(['"', "'", '(', ')', ',', '[', ']', '=', '!', '<', '>', '~', '&', '|'])

const ESCAPES: Readonly<Record<string, string>> = {
  "'": "'",
  '"': '"',
  t: '\t',
  n: '\n',
  r: '\r',
  '\\': '\\',
  ' ': ' ',
}

const VALID_ESCAPES = `The valid escape sequences are \\', \\", \\t, \\n, \\r, \\\\, '\\ ' and \\uXXXX.`

const LONG_MIN = -(2n ** 63n)
const LONG_MAX = 2n ** 63n - 1n

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\u3000'
}

/** Control characters must be written as `\uXXXX` even inside strings (Jira's "must be escaped"). */
function isIllegal(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c) ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0xfffe ||
    code === 0xffff
  )
}

function hex4(code: number): string {
  return code.toString(16).padStart(4, '0')
}

/**
 * Tokenises a JQL string. The last token is always `eof`.
 *
 * @example tokenize('project = "My Project"').map((t) => t.kind) // ['word', 'op', 'string', 'eof']
 */
export function tokenize(jql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let line = 1
  let lineStart = 0

  const position = (offset: number): SourcePosition => ({ line, column: offset - lineStart + 1 })
  const push = (kind: TokenKind, start: number, value: string): void => {
    tokens.push({ kind, raw: jql.slice(start, i), value, offset: start, ...position(start) })
  }
  const checkLegal = (at: number): void => {
    const code = jql.charCodeAt(at)
    if (isIllegal(code)) {
      const pos = position(at)
      const name = `U+${hex4(code).toUpperCase()}`
      throw syntaxError(
        `The character '${name}' on line ${pos.line} at position ${pos.column} must be escaped. Use the escape '\\u${hex4(code)}' instead.`,
        pos,
      )
    }
  }
  /** Reads the escape at `i` (a backslash) and returns the decoded character. */
  const escape = (): string => {
    const start = i
    const next = jql[i + 1]
    if (next === undefined)
      throw syntaxError(`The escape sequence has not been completed. ${VALID_ESCAPES}`, position(start))

    if (next === 'u') {
      let j = i + 2
      while (j < i + 6 && j < jql.length && /[0-9a-fA-F]/.test(jql[j] ?? '')) j++
      if (j - (i + 2) === 4) {
        i = j
        return String.fromCharCode(parseInt(jql.slice(start + 2, j), 16))
      }
      const shown = jql.slice(start, Math.min(j + 1, jql.length))
      throw syntaxError(`'${shown}' is an illegal JQL escape sequence. ${VALID_ESCAPES}`, position(start))
    }
    const decoded = ESCAPES[next]
    if (decoded === undefined)
      throw syntaxError(`'\\${next}' is an illegal JQL escape sequence. ${VALID_ESCAPES}`, position(start))

    i += 2
    return decoded
  }

  while (i < jql.length) {
    const ch = jql[i] as string
    const start = i
    if (ch === '\n' || (ch === '\r' && jql[i + 1] !== '\n')) {
      i++
      line++
      lineStart = i
      continue
    }
    if (isWhitespace(ch)) {
      i++
      continue
    }
    checkLegal(i)
    const next = jql[i + 1]
    switch (ch) {
      case '(':
        i++
        push('lparen', start, ch)
        continue
      case ')':
        i++
        push('rparen', start, ch)
        continue
      case ',':
        i++
        push('comma', start, ch)
        continue
      case '[':
        i++
        push('lbracket', start, ch)
        continue
      case ']':
        i++
        push('rbracket', start, ch)
        continue
      case '=':
      case '~':
        i++
        push('op', start, ch)
        continue
      case '!':
        if (next === '=' || next === '~') {
          i += 2
          push('op', start, ch + next)
        } else {
          i++
          push('bang', start, ch)
        }
        continue
      case '<':
      case '>':
        i += next === '=' ? 2 : 1
        push('op', start, jql.slice(start, i))
        continue
      case '&':
        i += next === '&' ? 2 : 1
        push('and', start, jql.slice(start, i))
        continue
      case '|':
        i += next === '|' ? 2 : 1
        push('or', start, jql.slice(start, i))
        continue
      case '"':
      case "'": {
        i++
        let value = ''
        for (;;) {
          const c = jql[i]
          if (c === undefined || c === '\n' || c === '\r') {
            // Jira shows what it read up to the end, newlines as spaces.
            const read = jql.slice(start + 1).replace(/[\r\n]/g, ' ')
            throw syntaxError(
              read === ''
                ? 'The quoted string has not been completed.'
                : `The quoted string '${read}' has not been completed.`,
              position(start),
            )
          }
          if (c === ch) break
          checkLegal(i)
          if (c === '\\') {
            value += escape()
          } else {
            value += c
            i++
          }
        }
        i++
        push('string', start, value)
        continue
      }
    }
    if (RESERVED_CHARS.has(ch) && !(ch === '+' && /[0-9]/.test(next ?? '')))
      throw reservedChar(ch, position(i))
    let value = ''
    while (i < jql.length) {
      const c = jql[i] as string
      if (isWhitespace(c) || STOP_CHARS.has(c)) break
      if (RESERVED_CHARS.has(c) && !(c === '+' && i === start)) throw reservedChar(c, position(i))
      checkLegal(i)
      if (c === '\\') {
        value += escape()
      } else {
        value += c
        i++
      }
    }
    checkNumber(value, position(start))
    push('word', start, value)
  }
  tokens.push({ kind: 'eof', raw: '', value: '', offset: jql.length, ...position(jql.length) })
  return tokens
}

function reservedChar(ch: string, at: SourcePosition): Error {
  return syntaxError(
    `The character '${ch}' is a reserved JQL character. You must enclose it in a string or use the escape '\\u${hex4(ch.charCodeAt(0))}' instead.`,
    at,
  )
}

/** Jira reads unquoted integers as Java longs and rejects the ones that do not fit. */
function checkNumber(word: string, at: SourcePosition): void {
  if (!/^-?[0-9]+$/.test(word)) return
  const n = BigInt(word)
  if (n < LONG_MIN || n > LONG_MAX) {
    throw syntaxError(
      `'${word}' is not a valid number. Numbers must be between -9,223,372,036,854,775,808 and 9,223,372,036,854,775,807.`,
      at,
    )
  }
}
