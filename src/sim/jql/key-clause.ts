/**
 * key / issuekey / issue / id — one clause in Jira. A value is an issue key
 * (`DEMO-42`, case-insensitive) or an issue id (`10042`). Equality names issues,
 * which must exist; `<`/`>` compare numbers within the key's project, or ids.
 */
import type { Operator } from './ast.js'
import { siteProjects } from './context.js'
import type { JqlContext } from './context.js'
import { JqlError, emptyNotSupported, functionValueInvalid, operatorNotSupported } from './errors.js'
import { isNegative, isRelational } from './operands.js'
import type { ClauseCompiler } from './operands.js'
import { NEVER } from './predicate.js'
import type { Predicate } from './predicate.js'

const OPERATORS: ReadonlySet<Operator> = new Set([
  '=',
  '!=',
  'in',
  'not in',
  'is',
  'is not',
  '<',
  '<=',
  '>',
  '>=',
])

type IssueRef =
  | { readonly kind: 'key'; readonly project: number; readonly number: number; readonly key: string }
  | { readonly kind: 'id'; readonly id: number }

/** Parses a key or id; throws Jira's message for a malformed key or a project not on the site. */
function issueRef(value: string, field: string, ctx: JqlContext): IssueRef {
  if (/^[0-9]+$/.test(value)) return { kind: 'id', id: Number(value) }
  const m = /^([A-Za-z][A-Za-z0-9_]*)-([0-9]+)$/.exec(value.trim())
  if (m === null) throw new JqlError(`The issue key '${value}' for field '${field}' is invalid.`)
  const projectKey = (m[1] as string).toUpperCase()
  const project = siteProjects(ctx).find((i) => ctx.world.projects[i]?.key.toUpperCase() === projectKey)
  if (project === undefined) throw new JqlError(noSuchIssue(value, field))
  const number = Number(m[2])
  return { kind: 'key', project, number, key: `${ctx.world.projects[project]?.key}-${number}` }
}

function noSuchIssue(value: string, field: string): string {
  return `An issue with key '${value}' does not exist for field '${field}'.`
}

/**
 * Compiles a key/issuekey/issue/id clause.
 *
 * @example compileIssueKey({ ctx, field: 'key', operator: '>', operand, items }).test(row)
 */
export const compileIssueKey: ClauseCompiler = ({ ctx, field, operator, operand, items }) => {
  if (!OPERATORS.has(operator)) throw new JqlError(operatorNotSupported(operator, field))
  if (operand.kind === 'empty') throw new JqlError(emptyNotSupported(field))
  const table = ctx.table
  const problems: string[] = []
  const refs: { value: string; ref: IssueRef }[] = []
  for (const item of items) {
    try {
      if (item.kind === 'empty') throw new JqlError(emptyNotSupported(field))
      if (item.kind === 'function') throw new JqlError(functionValueInvalid(item.name, field))
      refs.push({ value: item.text, ref: issueRef(item.text, field, ctx) })
    } catch (e) {
      if (!(e instanceof JqlError)) throw e
      problems.push(...e.errorMessages)
    }
  }
  if (problems.length > 0) throw new JqlError([...new Set(problems)])

  if (isRelational(operator)) {
    const only = refs[0]
    if (only === undefined) return NEVER
    return relational(ctx, operator, only.ref)
  }
  const rows: number[] = []
  for (const { value, ref } of refs) {
    const row = ref.kind === 'id' ? table.rowOfId(ref.id) : table.rowOfKey(ref.key.toUpperCase())
    if (row === undefined) problems.push(noSuchIssue(value, field))
    else rows.push(row)
  }
  if (problems.length > 0) throw new JqlError([...new Set(problems)])
  const negative = isNegative(operator)
  if (rows.length === 1) {
    const only = rows[0] as number
    return { test: negative ? (row) => row !== only : (row) => row === only, cost: 1 }
  }
  const named = new Uint8Array(table.count)
  for (const row of rows) named[row] = 1
  const hit = negative ? 0 : 1
  return { test: (row) => named[row] === hit, cost: 1 }
}

function relational(ctx: JqlContext, operator: Operator, ref: IssueRef): Predicate {
  const table = ctx.table
  const compare = (left: number, right: number): boolean =>
    operator === '<'
      ? left < right
      : operator === '<='
        ? left <= right
        : operator === '>'
          ? left > right
          : left >= right
  if (ref.kind === 'id') {
    const ids = table.id
    return { test: (row) => compare(ids[row] as number, ref.id), cost: 1 }
  }
  const projects = table.project
  const numbers = table.number
  const project = ref.project
  return { test: (row) => projects[row] === project && compare(numbers[row] as number, ref.number), cost: 1 }
}
