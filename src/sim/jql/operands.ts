/**
 * Checks shared by every field before its own compiler runs: functions exist,
 * operators get the operand shape they take (Jira's DefaultOperatorUsageValidator
 * wording), and lists are flattened to their values.
 */
import { displayOperand } from './ast.js'
import type { EmptyOperand, FunctionOperand, Operand, Operator, ValueOperand } from './ast.js'
import type { JqlContext } from './context.js'
import { JqlError } from './errors.js'
import { checkFunction, lookupFunction } from './functions.js'
import type { Predicate } from './predicate.js'

export type ItemOperand = ValueOperand | EmptyOperand | FunctionOperand

/** One terminal clause, validated and ready for its field's compiler. */
export interface ClauseInput {
  readonly ctx: JqlContext
  /** The field as written, for messages. */
  readonly field: string
  readonly operator: Operator
  readonly operand: Operand
  /** The operand's values, lists flattened. */
  readonly items: readonly ItemOperand[]
}

export type ClauseCompiler = (input: ClauseInput) => Predicate

/**
 * Operators that exclude issues whose field is empty, as Jira's negative clauses do.
 *
 * @example isNegative('not in') // true
 */
export function isNegative(operator: Operator): boolean {
  return operator === '!=' || operator === 'not in' || operator === 'is not' || operator === '!~'
}

/**
 * The ordering operators `<`, `<=`, `>`, `>=`.
 *
 * @example isRelational('>=') // true
 */
export function isRelational(operator: Operator): boolean {
  return operator === '<' || operator === '<=' || operator === '>' || operator === '>='
}

/**
 * Validates the operand against the operator and flattens it. Throws JqlError with
 * every problem found (unknown functions first, then operator usage).
 *
 * @example prepareOperand('assignee', 'in', listOperand) // [value, empty, …]
 */
export function prepareOperand(field: string, operator: Operator, operand: Operand): ItemOperand[] {
  const items: ItemOperand[] = []
  const problems: string[] = []
  const visit = (o: Operand): void => {
    if (o.kind === 'list') {
      o.items.forEach(visit)
      return
    }
    if (o.kind === 'function') {
      try {
        checkFunction(o)
      } catch (e) {
        if (!(e instanceof JqlError)) throw e
        problems.push(...e.errorMessages)
      }
    }
    items.push(o)
  }
  visit(operand)
  if (problems.length > 0) throw new JqlError(problems)
  const usage = usageProblem(field, operator, operand)
  if (usage !== undefined) throw new JqlError(usage)
  return items
}

function usageProblem(field: string, operator: Operator, operand: Operand): string | undefined {
  const listLike =
    operand.kind === 'list' || (operand.kind === 'function' && lookupFunction(operand.name)?.list === true)
  const shown = displayOperand(operand)
  switch (operator) {
    case 'is':
    case 'is not':
      return operand.kind === 'empty'
        ? undefined
        : `Operator '${operator}' does not support searching for non-empty values for field '${field}'.`
    case 'in':
    case 'not in':
      if (operand.kind === 'empty') return emptyRepresentation(operator, field)
      return listLike
        ? undefined
        : `Operator '${operator}' does not support the non-list value '${shown}' for field '${field}'.`
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (operand.kind === 'empty') return emptyRepresentation(operator, field)
      break
  }
  return listLike
    ? `Operator '${operator}' does not support the list value '${shown}' for field '${field}'.`
    : undefined
}

function emptyRepresentation(operator: Operator, field: string): string {
  return `Operator '${operator}' does not support the empty value representation 'EMPTY' for field '${field}'.`
}
