/**
 * assignee and reporter: values are account ids, logins, e-mails or display
 * names, `currentUser()`, or EMPTY (unassigned, stored as -1). As in Jira, `!=` and
 * `NOT IN` never match an empty field: `assignee != alice` leaves out unassigned issues.
 */
import type { IssueTable } from '../data/model.js'
import type { Operator } from './ast.js'
import { resolveUsers } from './context.js'
import { JqlError, functionValueInvalid, operatorNotSupported, valueDoesNotExist } from './errors.js'
import { isNegative } from './operands.js'
import type { ClauseCompiler, ClauseInput } from './operands.js'
import { acceptColumn } from './predicate.js'
import type { Predicate } from './predicate.js'

const OPERATORS: ReadonlySet<Operator> = new Set(['=', '!=', 'in', 'not in', 'is', 'is not'])

function compileUser(column: (table: IssueTable) => Int16Array, input: ClauseInput): Predicate {
  const { ctx, field, operator, items } = input
  if (!OPERATORS.has(operator)) throw new JqlError(operatorNotSupported(operator, field))
  const users = ctx.world.users.length
  // Slot 0 is "empty" (-1); user u is slot u + 1.
  const named = new Uint8Array(users + 1)
  const problems: string[] = []
  for (const item of items) {
    if (item.kind === 'empty') {
      named[0] = 1
    } else if (item.kind === 'function') {
      if (item.name.toLowerCase() !== 'currentuser') problems.push(functionValueInvalid(item.name, field))
      // An anonymous or unknown current user names nobody.
      else if (ctx.currentUser >= 0 && ctx.currentUser < users) named[ctx.currentUser + 1] = 1
    } else {
      const found = resolveUsers(ctx.world, item.text)
      if (found.length === 0) problems.push(valueDoesNotExist(item.text, field))
      for (const u of found) named[u + 1] = 1
    }
  }
  if (problems.length > 0) throw new JqlError([...new Set(problems)])
  if (isNegative(operator)) {
    for (let i = 0; i <= users; i++) named[i] = named[i] === 1 ? 0 : 1
    named[0] = 0
  }
  return acceptColumn(column(ctx.table), named, 1)
}

/**
 * Clause compilers for the user fields.
 *
 * @example compileAssignee({ ctx, field: 'assignee', operator: '=', operand, items }).test(row)
 */
export const compileAssignee: ClauseCompiler = (input) => compileUser((t) => t.assignee, input)
export const compileReporter: ClauseCompiler = (input) => compileUser((t) => t.reporter, input)
