/**
 * The simulator's JQL engine: parse, evaluate and order Jira Query Language over
 * one site's column-wise issue table.
 *
 * @example
 * const compiled = compileJql('project = DEMO AND status != Done ORDER BY created DESC', ctx)
 * if (!compiled.bounded) reply400(UNBOUNDED_JQL_MESSAGE)
 * const rows = searchRows(compiled, ctx.table)
 */
import type { IssueTable } from '../data/model.js'
import type { JqlContext } from './context.js'
import { JqlError } from './errors.js'
import { compileWhere } from './evaluate.js'
import { compileOrder } from './order.js'
import { parseJql } from './parser.js'
import { ALWAYS } from './predicate.js'

export type { JqlContext } from './context.js'
export { JqlError } from './errors.js'
export { MAX_SORT_FIELDS } from './order.js'

/** What /rest/api/3/search/jql answers (400) for a query without a search restriction. */
export const UNBOUNDED_JQL_MESSAGE =
  'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.'

export interface CompiledJql {
  /** False when the query has no search restriction (empty, or only ORDER BY). */
  readonly bounded: boolean
  matches(row: number): boolean
  /** Total order: the ORDER BY terms, then issue id as a final tie-break. */
  compare(a: number, b: number): number
}

/**
 * Parses and compiles JQL against a site. Throws JqlError (with every problem
 * Jira would list) for anything it cannot parse or does not support.
 *
 * @example compileJql('assignee = currentUser() ORDER BY priority DESC', { world, table, currentUser: 0, now: Date.now() })
 */
export function compileJql(jql: string, ctx: JqlContext): CompiledJql {
  const query = parseJql(jql)
  const problems: string[] = []
  const predicate = query.where === undefined ? ALWAYS : compileWhere(query.where, ctx, problems)
  const compare = compileOrder(query.orderBy, ctx, problems)
  if (problems.length > 0) throw new JqlError(problems)
  return { bounded: query.where !== undefined, matches: predicate.test, compare }
}

/**
 * The rows that match, in result order.
 *
 * @example searchRows(compileJql('project = DEMO', ctx), ctx.table) // Uint32Array [19, 17, …]
 */
export function searchRows(compiled: CompiledJql, table: IssueTable): Uint32Array {
  const matches = compiled.matches
  const buffer = new Uint32Array(table.count)
  let n = 0
  for (let row = 0; row < table.count; row++) if (matches(row)) buffer[n++] = row
  const rows = buffer.slice(0, n)
  sortRows(rows, compiled.compare)
  return rows
}

/**
 * Sorts in place. Rows are stored in creation order, so the common orders
 * (created/id/key, either direction) are often already sorted or exactly reversed:
 * detecting that is one linear pass instead of an n·log n sort.
 */
function sortRows(rows: Uint32Array, compare: (a: number, b: number) => number): void {
  let ascending = true
  let descending = true
  for (let i = 1; i < rows.length && (ascending || descending); i++) {
    const c = compare(rows[i - 1] as number, rows[i] as number)
    if (c > 0) ascending = false
    else if (c < 0) descending = false
  }
  if (ascending) return
  if (descending) rows.reverse()
  else rows.sort(compare)
}
