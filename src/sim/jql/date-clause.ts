/**
 * created / updated: instants compared to the millisecond. A value is an
 * absolute date (midnight UTC when no time is given, so `created = "2026-01-15"`
 * matches only that instant, as in Jira), a period relative to the clock, or a
 * date function. The fields are never empty.
 */
import type { IssueTable } from '../data/model.js'
import type { Operator } from './ast.js'
import { evaluateDateFunction, invalidDateMessage, isDateFunction, parseDateValue } from './dates.js'
import { JqlError, operatorNotSupported } from './errors.js'
import { isNegative, isRelational } from './operands.js'
import type { ClauseCompiler, ClauseInput } from './operands.js'
import { ALWAYS, NEVER } from './predicate.js'
import type { Predicate } from './predicate.js'

const OPERATORS: ReadonlySet<Operator> = new Set([
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'in',
  'not in',
  'is',
  'is not',
])

function compileDate(column: (table: IssueTable) => Float64Array, input: ClauseInput): Predicate {
  const { ctx, field, operator, operand, items } = input
  if (!OPERATORS.has(operator)) throw new JqlError(operatorNotSupported(operator, field))
  if (operand.kind === 'empty') return isNegative(operator) ? ALWAYS : NEVER
  const instants: number[] = []
  const problems: string[] = []
  for (const item of items) {
    if (item.kind === 'empty') continue
    if (item.kind === 'function') {
      if (!isDateFunction(item.name)) {
        problems.push(`A date for the field '${field}' provided by the function '${item.name}' is not valid.`)
        continue
      }
      try {
        instants.push(evaluateDateFunction(item.name, item.args, ctx.now))
      } catch (e) {
        if (!(e instanceof JqlError)) throw e
        problems.push(...e.errorMessages)
      }
      continue
    }
    const at = parseDateValue(item.text, item.quoted, ctx.now)
    if (at === undefined) problems.push(invalidDateMessage(item.text, field))
    else instants.push(at)
  }
  if (problems.length > 0) throw new JqlError([...new Set(problems)])
  const dates = column(ctx.table)
  const pivot = instants[0]
  if (pivot === undefined) return isNegative(operator) ? ALWAYS : NEVER
  if (isRelational(operator)) {
    switch (operator) {
      case '<':
        return { test: (row) => (dates[row] as number) < pivot, cost: 1 }
      case '<=':
        return { test: (row) => (dates[row] as number) <= pivot, cost: 1 }
      case '>':
        return { test: (row) => (dates[row] as number) > pivot, cost: 1 }
      default:
        return { test: (row) => (dates[row] as number) >= pivot, cost: 1 }
    }
  }
  const negative = isNegative(operator)
  if (instants.length === 1)
    return { test: negative ? (row) => dates[row] !== pivot : (row) => dates[row] === pivot, cost: 1 }

  const set = new Set(instants)
  return { test: (row) => set.has(dates[row] as number) !== negative, cost: 2 }
}

/**
 * Clause compilers for created and updated.
 *
 * @example compileCreated({ ctx, field: 'created', operator: '>', operand, items }).test(row)
 */
export const compileCreated: ClauseCompiler = (input) => compileDate((t) => t.created, input)
export const compileUpdated: ClauseCompiler = (input) => compileDate((t) => t.updated, input)
