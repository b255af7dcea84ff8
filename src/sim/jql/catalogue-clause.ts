/**
 * Fields whose value is an index into a small catalogue — project, status,
 * statusCategory, priority, issuetype. Values are resolved to indexes once, into an
 * accept table; each row then costs one typed-array read.
 */
import { ISSUE_TYPES, PRIORITIES, STATUSES } from '../data/model.js'
import type { IssueTable, SimNamed, StatusCategoryKey } from '../data/model.js'
import type { Operator } from './ast.js'
import { siteProjects } from './context.js'
import type { JqlContext } from './context.js'
import {
  JqlError,
  emptyNotSupported,
  functionValueInvalid,
  operatorNotSupported,
  valueDoesNotExist,
} from './errors.js'
import { isNegative, isRelational } from './operands.js'
import type { ClauseCompiler, ClauseInput } from './operands.js'
import { ALWAYS, NEVER, acceptColumn } from './predicate.js'
import type { Predicate } from './predicate.js'

interface Catalogue {
  /** Number of catalogue entries (the accept table's length). */
  readonly size: (ctx: JqlContext) => number
  readonly column: (table: IssueTable) => ArrayLike<number>
  /** Indexes a value names; undefined when it names nothing (an error), [] when it names an empty set. */
  readonly resolve: (value: string, ctx: JqlContext) => readonly number[] | undefined
  /** Indexes a list function returns (issuetype only). */
  readonly fromFunction?: (name: string) => readonly number[] | undefined
  /** `is EMPTY`: 'none' matches nothing (the field is never empty here); 'refuse' is Jira's error. */
  readonly empty: 'none' | 'refuse'
  /** Higher rank = "greater" for < and >; only priority has an order. */
  readonly rank?: (index: number) => number
  readonly operators: ReadonlySet<Operator>
}

const EQUALITY: ReadonlySet<Operator> = new Set(['=', '!=', 'in', 'not in', 'is', 'is not'])
const ORDERED: ReadonlySet<Operator> = new Set([...EQUALITY, '<', '<=', '>', '>='])

function byNameOrId(list: readonly SimNamed[]) {
  return (value: string): readonly number[] | undefined => {
    const lower = value.toLowerCase()
    const found: number[] = []
    list.forEach((item, i) => {
      if (item.name.toLowerCase() === lower || item.id === value) found.push(i)
    })
    return found.length > 0 ? found : undefined
  }
}

/** Status category names, keys and ids (Jira: 2 = To Do, 4 = In Progress, 3 = Done). */
const CATEGORY_NAMES: ReadonlyMap<string, StatusCategoryKey> = new Map<string, StatusCategoryKey>([
  ['to do', 'new'],
  ['new', 'new'],
  ['2', 'new'],
  ['in progress', 'indeterminate'],
  ['indeterminate', 'indeterminate'],
  ['4', 'indeterminate'],
  ['done', 'done'],
  ['3', 'done'],
])

const PROJECT: Catalogue = {
  size: (ctx) => ctx.world.projects.length,
  column: (table) => table.project,
  resolve: (value, ctx) => {
    const lower = value.toLowerCase()
    const found = siteProjects(ctx).filter((i) => {
      const p = ctx.world.projects[i]
      return (
        p !== undefined && (p.key.toLowerCase() === lower || p.id === value || p.name.toLowerCase() === lower)
      )
    })
    return found.length > 0 ? found : undefined
  },
  empty: 'none',
  operators: EQUALITY,
}

const STATUS: Catalogue = {
  size: () => STATUSES.length,
  column: (table) => table.status,
  resolve: byNameOrId(STATUSES),
  empty: 'refuse',
  operators: EQUALITY,
}

const STATUS_CATEGORY: Catalogue = {
  size: () => STATUSES.length,
  column: (table) => table.status,
  resolve: (value) => {
    const category = CATEGORY_NAMES.get(value.toLowerCase())
    if (category === undefined) return undefined
    return STATUSES.flatMap((s, i) => (s.category === category ? [i] : []))
  },
  empty: 'refuse',
  operators: EQUALITY,
}

const PRIORITY: Catalogue = {
  size: () => PRIORITIES.length,
  column: (table) => table.priority,
  resolve: byNameOrId(PRIORITIES),
  empty: 'none',
  // PRIORITIES runs Highest → Lowest; `priority > Medium` means High and Highest, as in Jira.
  rank: (index) => -index,
  operators: ORDERED,
}

const ISSUE_TYPE: Catalogue = {
  size: () => ISSUE_TYPES.length,
  column: (table) => table.issueType,
  resolve: byNameOrId(ISSUE_TYPES),
  // The catalogue has no sub-task types, so every type is standard.
  fromFunction: (name) => {
    const lower = name.toLowerCase()
    if (lower === 'standardissuetypes') return ISSUE_TYPES.map((_, i) => i)
    if (lower === 'subtaskissuetypes') return []
    return undefined
  },
  empty: 'refuse',
  operators: EQUALITY,
}

function compileCatalogue(catalogue: Catalogue, input: ClauseInput): Predicate {
  const { ctx, field, operator, operand, items } = input
  if (!catalogue.operators.has(operator)) throw new JqlError(operatorNotSupported(operator, field))
  if (operand.kind === 'empty') {
    if (catalogue.empty === 'refuse') throw new JqlError(emptyNotSupported(field))
    return isNegative(operator) ? ALWAYS : NEVER
  }
  const size = catalogue.size(ctx)
  const named = new Uint8Array(size)
  const problems: string[] = []
  let last = -1
  for (const item of items) {
    let indexes: readonly number[] | undefined
    if (item.kind === 'empty') {
      if (catalogue.empty === 'refuse') problems.push(emptyNotSupported(field))
      continue
    } else if (item.kind === 'function') {
      indexes = catalogue.fromFunction?.(item.name)
      if (indexes === undefined) problems.push(functionValueInvalid(item.name, field))
    } else {
      indexes = catalogue.resolve(item.text, ctx)
      if (indexes === undefined) problems.push(valueDoesNotExist(item.text, field))
    }
    for (const i of indexes ?? []) named[i] = 1
    last = indexes?.[0] ?? last
  }
  if (problems.length > 0) throw new JqlError([...new Set(problems)])
  const column = catalogue.column(ctx.table)
  if (isRelational(operator)) {
    const rank = catalogue.rank ?? ((i: number) => i)
    const pivot = rank(last)
    const accept = new Uint8Array(size)
    for (let i = 0; i < size; i++) {
      const r = rank(i)
      const ok =
        operator === '<'
          ? r < pivot
          : operator === '<='
            ? r <= pivot
            : operator === '>'
              ? r > pivot
              : r >= pivot
      accept[i] = ok ? 1 : 0
    }
    return acceptColumn(column, accept)
  }
  if (isNegative(operator)) for (let i = 0; i < size; i++) named[i] = named[i] === 1 ? 0 : 1
  return acceptColumn(column, named)
}

/**
 * Clause compilers for the catalogue fields.
 *
 * @example compileStatus({ ctx, field: 'status', operator: '!=', operand, items }).test(row)
 */
export const compileProject: ClauseCompiler = (input) => compileCatalogue(PROJECT, input)
export const compileStatus: ClauseCompiler = (input) => compileCatalogue(STATUS, input)
export const compileStatusCategory: ClauseCompiler = (input) => compileCatalogue(STATUS_CATEGORY, input)
export const compilePriority: ClauseCompiler = (input) => compileCatalogue(PRIORITY, input)
export const compileIssueType: ClauseCompiler = (input) => compileCatalogue(ISSUE_TYPE, input)
