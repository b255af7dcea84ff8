/**
 * Compiles a WHERE clause to one row predicate. Names are resolved to indexes
 * here, once; rows are then tested by closures over the typed arrays. Like Jira,
 * validation collects every problem in the query before answering.
 */
import type { Clause, TerminalClause } from './ast.js'
import {
  compileIssueType,
  compilePriority,
  compileProject,
  compileStatus,
  compileStatusCategory,
} from './catalogue-clause.js'
import type { JqlContext } from './context.js'
import { compileCreated, compileUpdated } from './date-clause.js'
import { JqlError, notSupportedBySimulator } from './errors.js'
import { lookupField } from './fields.js'
import type { FieldId } from './fields.js'
import { compileIssueKey } from './key-clause.js'
import { compileLabels } from './label-clause.js'
import { prepareOperand } from './operands.js'
import type { ClauseCompiler } from './operands.js'
import { NEVER, and, not, or } from './predicate.js'
import type { Predicate } from './predicate.js'
import { compileComment, compileDescription, compileSummary, compileTextField } from './text-clause.js'
import { compileAssignee, compileReporter } from './user-clause.js'

const COMPILERS: Readonly<Record<FieldId, ClauseCompiler>> = {
  project: compileProject,
  status: compileStatus,
  statusCategory: compileStatusCategory,
  assignee: compileAssignee,
  reporter: compileReporter,
  priority: compilePriority,
  issuetype: compileIssueType,
  labels: compileLabels,
  issuekey: compileIssueKey,
  created: compileCreated,
  updated: compileUpdated,
  text: compileTextField,
  summary: compileSummary,
  description: compileDescription,
  comment: compileComment,
}

/**
 * Compiles a WHERE clause. Problems are appended to `problems` (the caller throws
 * once with all of them); a clause with a problem compiles to NEVER.
 *
 * @example const problems: string[] = []; const p = compileWhere(parseJql('status = Done').where!, ctx, problems)
 */
export function compileWhere(clause: Clause, ctx: JqlContext, problems: string[]): Predicate {
  switch (clause.kind) {
    case 'and':
      return and(clause.clauses.map((c) => compileWhere(c, ctx, problems)))
    case 'or':
      return or(clause.clauses.map((c) => compileWhere(c, ctx, problems)))
    case 'not':
      return not(compileWhere(clause.clause, ctx, problems))
    case 'history':
      problems.push(notSupportedBySimulator(`The history operator '${clause.operator.toUpperCase()}'`))
      return NEVER
    case 'terminal':
      try {
        return compileTerminal(clause, ctx)
      } catch (e) {
        if (!(e instanceof JqlError)) throw e
        for (const message of e.errorMessages) if (!problems.includes(message)) problems.push(message)
        return NEVER
      }
  }
}

function compileTerminal(clause: TerminalClause, ctx: JqlContext): Predicate {
  const found = lookupField(clause.field)
  if ('error' in found) throw new JqlError(found.error)
  const field = clause.field.name
  const items = prepareOperand(field, clause.operator, clause.operand)
  return COMPILERS[found.field]({ ctx, field, operator: clause.operator, operand: clause.operand, items })
}
