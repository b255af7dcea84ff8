/**
 * Text search (`summary ~ "…"`), deliberately simpler than Jira's Lucene analysis
 * and documented as such:
 *
 * - the query is lower-cased and split into terms on anything that is not a letter
 *   or digit; English stop words are dropped (Lucene's default set, as Jira does);
 * - every term must occur as a substring of the lower-cased text (so `login`
 *   matches `logins`; Jira's stemming would also match the other way round);
 * - a `"quoted phrase"` inside the value must occur contiguously (words separated
 *   by non-alphanumerics);
 * - `*` and `?` are wildcards (any run of / exactly one letter or digit); a `*` at
 *   either end of a term changes nothing under substring matching.
 *
 * Lucene syntax whose meaning differs from "all terms" (AND/OR/NOT, `&&`, `||`,
 * leading `+`/`-`/`!`, fuzzy `~`, boosts `^`) is refused rather than misread.
 */
import type { AdfDoc, AdfNode } from '../data/model.js'
import { JqlError, notSupportedBySimulator } from './errors.js'

/** Lucene's ENGLISH_STOP_WORDS_SET, which Jira's default analyser removes. */
const STOP_WORDS = new Set(
  (
    'a an and are as at be but by for if in into is it no not of on or such that the their then there these ' +
    'they this to was will with'
  ).split(' '),
)

const SEPARATOR = /[^\p{L}\p{N}*?]+/u
const WORD_CHAR = '[\\p{L}\\p{N}]'

export interface TextMatcher {
  /** True when the (lower-cased) text contains every term and phrase. */
  test(lowerText: string): boolean
}

/**
 * Compiles a text-search value. Throws JqlError for an empty value or Lucene
 * syntax the simulator does not interpret.
 *
 * @example compileTextQuery('login* "session expired"', 'summary').test('session expired after logins') // true
 */
export function compileTextQuery(value: string, field: string): TextMatcher {
  if (value.trim() === '')
    throw new JqlError(`The field '${field}' does not support searching for an empty string.`)
  const phrases: RegExp[] = []
  const rest = value.replace(/"([^"]*)"/g, (_, phrase: string) => {
    const words = terms(phrase, false)
    if (words.length > 0) phrases.push(new RegExp(words.map(pattern).join(`[^\\p{L}\\p{N}]+`), 'u'))
    return ' '
  })
  if (rest.includes('"')) throw unsupported(value, field)
  for (const token of rest.split(/\s+/)) {
    if (token === '') continue
    if (token === 'AND' || token === 'OR' || token === 'NOT' || token === '&&' || token === '||')
      throw unsupported(value, field)

    if (/^[-+!]./.test(token) || /[~^][0-9.]*$/.test(token)) throw unsupported(value, field)
  }
  const plain: string[] = []
  const wild: RegExp[] = []
  for (const term of terms(rest, true)) {
    const core = term.replace(/^\*+|\*+$/g, '')
    if (core === '') continue
    if (/[*?]/.test(core)) wild.push(new RegExp(pattern(core), 'u'))
    else plain.push(core)
  }
  if (plain.length + wild.length + phrases.length === 0) {
    // Only stop words: Lucene's query is empty and matches nothing.
    return { test: () => false }
  }
  return {
    test(text) {
      for (const term of plain) if (!text.includes(term)) return false
      for (const re of wild) if (!re.test(text)) return false
      for (const re of phrases) if (!re.test(text)) return false
      return true
    },
  }
}

function terms(text: string, dropStopWords: boolean): string[] {
  return text
    .toLowerCase()
    .split(SEPARATOR)
    .filter((t) => t !== '' && !(dropStopWords && STOP_WORDS.has(t)))
}

/** A term as a regular expression: wildcards become letter/digit classes, the rest is literal. */
function pattern(term: string): string {
  let out = ''
  for (const ch of term) {
    if (ch === '*') out += `${WORD_CHAR}*`
    else if (ch === '?') out += WORD_CHAR
    else out += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  return out
}

function unsupported(value: string, field: string): JqlError {
  return new JqlError(notSupportedBySimulator(`The Lucene search syntax in '${value}' for field '${field}'`))
}

/**
 * The plain text of an ADF document (text nodes and mentions), one line per block.
 *
 * @example adfPlainText({ version: 1, type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Hi' }] }] }) // 'Hi'
 */
export function adfPlainText(doc: AdfDoc | null): string {
  if (doc === null) return ''
  const parts: string[] = []
  const walk = (nodes: readonly AdfNode[] | undefined): void => {
    for (const node of nodes ?? []) {
      if (node.text !== undefined) parts.push(node.text)
      else if (node.type === 'mention' && typeof node.attrs?.['text'] === 'string')
        parts.push(node.attrs['text'])
      else if (node.type === 'hardBreak') parts.push('\n')
      walk(node.content)
      if (node.type === 'paragraph' || node.type === 'heading' || node.type === 'codeBlock') parts.push('\n')
    }
  }
  walk(doc.content)
  return parts.join('')
}
