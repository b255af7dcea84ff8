/**
 * Text search clauses: `text ~`, `summary ~/!~`, `description ~/!~` (and IS [NOT]
 * EMPTY), `comment ~/!~`. Matching rules are in text.ts. A negative clause never
 * matches an issue whose field is empty (no description, no comments), as in Jira.
 */
import type { IssueTable } from '../data/model.js'
import type { Operator } from './ast.js'
import { JqlError, emptyNotSupported, functionValueInvalid, operatorNotSupported } from './errors.js'
import { isNegative } from './operands.js'
import type { ClauseCompiler, ClauseInput } from './operands.js'
import type { Predicate } from './predicate.js'
import { adfPlainText, compileTextQuery } from './text.js'

/** Reading generated text is far dearer than a column test: run it last in an AND. */
const TEXT_COST = 100

interface TextSource {
  readonly operators: ReadonlySet<Operator>
  /** The lower-cased text, or undefined when the field is empty. */
  readonly read: (table: IssueTable, row: number) => string | undefined
  /** Set for fields that support IS [NOT] EMPTY: true when the field has no value. */
  readonly isEmpty?: (table: IssueTable, row: number) => boolean
}

const LIKE: ReadonlySet<Operator> = new Set(['~', '!~'])

const SOURCES = {
  text: {
    operators: new Set<Operator>(['~']),
    read: (table, row) => table.searchText(row),
  },
  summary: { operators: LIKE, read: (table, row) => table.summary(row).toLowerCase() },
  description: {
    operators: new Set<Operator>(['~', '!~', 'is', 'is not']),
    read: (table, row) => {
      const doc = table.description(row)
      return doc === null ? undefined : adfPlainText(doc).toLowerCase()
    },
    isEmpty: (table, row) => table.description(row) === null,
  },
  comment: {
    operators: LIKE,
    read: (table, row) => {
      const comments = table.comments(row)
      return comments.length === 0
        ? undefined
        : comments
            .map((c) => adfPlainText(c.body))
            .join('\n')
            .toLowerCase()
    },
  },
} satisfies Record<string, TextSource>

function compileText(source: TextSource, input: ClauseInput): Predicate {
  const { ctx, field, operator, operand, items } = input
  if (!source.operators.has(operator)) throw new JqlError(operatorNotSupported(operator, field))
  const table = ctx.table
  const read = source.read
  if (operand.kind === 'empty') {
    const isEmpty = source.isEmpty
    if (isEmpty === undefined || (operator !== 'is' && operator !== 'is not'))
      throw new JqlError(emptyNotSupported(field))

    const want = operator === 'is'
    return { test: (row) => isEmpty(table, row) === want, cost: TEXT_COST }
  }
  const item = items[0]
  if (item === undefined || item.kind === 'empty') throw new JqlError(emptyNotSupported(field))
  if (item.kind === 'function') throw new JqlError(functionValueInvalid(item.name, field))
  const matcher = compileTextQuery(item.text, field)
  if (isNegative(operator)) {
    return {
      test: (row) => {
        const text = read(table, row)
        return text !== undefined && !matcher.test(text)
      },
      cost: TEXT_COST,
    }
  }
  return {
    test: (row) => {
      const text = read(table, row)
      return text !== undefined && matcher.test(text)
    },
    cost: TEXT_COST,
  }
}

/**
 * Clause compilers for the text fields.
 *
 * @example compileSummary({ ctx, field: 'summary', operator: '~', operand, items }).test(row)
 */
export const compileTextField: ClauseCompiler = (input) => compileText(SOURCES.text, input)
export const compileSummary: ClauseCompiler = (input) => compileText(SOURCES.summary, input)
export const compileDescription: ClauseCompiler = (input) => compileText(SOURCES.description, input)
export const compileComment: ClauseCompiler = (input) => compileText(SOURCES.comment, input)
