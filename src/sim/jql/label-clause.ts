/**
 * labels: a bit mask per issue over LABELS. Label values are case-sensitive and an
 * unknown label simply matches nothing (Jira does not reject labels). Negative
 * clauses never match issues without labels, as in Jira.
 */
import { LABELS } from '../data/model.js'
import type { Operator } from './ast.js'
import { JqlError, functionValueInvalid, operatorNotSupported } from './errors.js'
import { isNegative } from './operands.js'
import type { ClauseCompiler } from './operands.js'
import { NEVER } from './predicate.js'

const OPERATORS: ReadonlySet<Operator> = new Set(['=', '!=', 'in', 'not in', 'is', 'is not'])

/**
 * Compiles a labels clause to a bit-mask test.
 *
 * @example compileLabels({ ctx, field: 'labels', operator: 'in', operand, items }).test(row)
 */
export const compileLabels: ClauseCompiler = ({ ctx, field, operator, items }) => {
  if (!OPERATORS.has(operator)) throw new JqlError(operatorNotSupported(operator, field))
  let mask = 0
  let empty = false
  const problems: string[] = []
  for (const item of items) {
    if (item.kind === 'empty') {
      empty = true
    } else if (item.kind === 'function') {
      problems.push(functionValueInvalid(item.name, field))
    } else {
      const bit = LABELS.indexOf(item.text)
      if (bit >= 0) mask |= 1 << bit
    }
  }
  if (problems.length > 0) throw new JqlError([...new Set(problems)])
  const labels = ctx.table.labels
  if (isNegative(operator)) {
    if (mask === 0) return { test: (row) => labels[row] !== 0, cost: 1 }
    return { test: (row) => labels[row] !== 0 && ((labels[row] as number) & mask) === 0, cost: 1 }
  }
  if (mask === 0) return empty ? { test: (row) => labels[row] === 0, cost: 1 } : NEVER
  if (empty) return { test: (row) => labels[row] === 0 || ((labels[row] as number) & mask) !== 0, cost: 1 }
  return { test: (row) => ((labels[row] as number) & mask) !== 0, cost: 1 }
}
