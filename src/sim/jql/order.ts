/**
 * ORDER BY: a comparator over row indexes. Every order is total — issue id is
 * always the last tie-break — so pages cut from it are stable.
 */
import { STATUSES } from '../data/model.js'
import type { StatusCategoryKey } from '../data/model.js'
import type { SortTerm } from './ast.js'
import type { JqlContext } from './context.js'
import { lookupField } from './fields.js'

export type RowCompare = (a: number, b: number) => number

/** The most ORDER BY terms a query may have. */
export const MAX_SORT_FIELDS = 7

type SortId =
  | 'issuekey'
  | 'id'
  | 'created'
  | 'updated'
  | 'priority'
  | 'status'
  | 'statusCategory'
  | 'issuetype'
  | 'project'
  | 'assignee'
  | 'reporter'
  | 'summary'

const SORTS: ReadonlyMap<string, SortId> = new Map<string, SortId>([
  ['key', 'issuekey'],
  ['issuekey', 'issuekey'],
  ['issue', 'issuekey'],
  ['id', 'id'],
  ['created', 'created'],
  ['createddate', 'created'],
  ['updated', 'updated'],
  ['updateddate', 'updated'],
  ['priority', 'priority'],
  ['status', 'status'],
  ['statuscategory', 'statusCategory'],
  ['issuetype', 'issuetype'],
  ['type', 'issuetype'],
  ['project', 'project'],
  ['assignee', 'assignee'],
  ['reporter', 'reporter'],
  ['summary', 'summary'],
])

const CATEGORY_ORDER: Readonly<Record<StatusCategoryKey, number>> = { new: 0, indeterminate: 1, done: 2 }

/**
 * Compiles ORDER BY terms (empty = Jira-like default, newest first by id). Problems
 * are appended to `problems`.
 *
 * @example compileOrder(parseJql('ORDER BY priority DESC').orderBy, ctx, [])(rowA, rowB)
 */
export function compileOrder(terms: readonly SortTerm[], ctx: JqlContext, problems: string[]): RowCompare {
  const ids = ctx.table.id
  if (terms.length > MAX_SORT_FIELDS)
    problems.push(`The ORDER BY clause can have at most ${MAX_SORT_FIELDS} fields.`)

  const seen = new Set<SortId>()
  const compares: RowCompare[] = []
  for (const term of terms) {
    const sort = term.field.customFieldId === undefined ? SORTS.get(term.field.name.toLowerCase()) : undefined
    if (sort === undefined) {
      problems.push(unsortable(term))
      continue
    }
    if (seen.has(sort)) {
      problems.push(`The sort field '${term.field.name}' is referenced multiple times in the JQL sort.`)
      continue
    }
    seen.add(sort)
    const ascending = sortCompare(sort, ctx)
    compares.push(term.direction === 'desc' ? (a, b) => ascending(b, a) : ascending)
  }
  const lastDesc = terms.length === 0 || terms[terms.length - 1]?.direction === 'desc'
  const tie: RowCompare = lastDesc
    ? (a, b) => (ids[b] as number) - (ids[a] as number)
    : (a, b) => (ids[a] as number) - (ids[b] as number)
  const [first, second] = compares
  if (first === undefined) return tie
  if (second === undefined) return (a, b) => first(a, b) || tie(a, b)
  return (a, b) => {
    for (const compare of compares) {
      const c = compare(a, b)
      if (c !== 0) return c
    }
    return tie(a, b)
  }
}

/** Jira's message for a field it cannot sort by, or the lookup's own message for an unknown field. */
function unsortable(term: SortTerm): string {
  const found = lookupField(term.field)
  return 'error' in found ? found.error : `Field '${term.field.name}' does not support sorting.`
}

/** The ascending comparator for one sort field. */
function sortCompare(sort: SortId, ctx: JqlContext): RowCompare {
  const table = ctx.table
  switch (sort) {
    case 'issuekey': {
      const rank = projectRank(ctx)
      const projects = table.project
      const numbers = table.number
      return (a, b) =>
        (rank[projects[a] as number] as number) - (rank[projects[b] as number] as number) ||
        (numbers[a] as number) - (numbers[b] as number)
    }
    case 'id':
      return column(table.id)
    case 'created':
      return column(table.created)
    case 'updated':
      return column(table.updated)
    case 'priority': {
      // PRIORITIES runs Highest → Lowest and Jira's DESC puts Highest first, so ASC is Lowest first.
      const priorities = table.priority
      return (a, b) => (priorities[b] as number) - (priorities[a] as number)
    }
    case 'status':
      return column(table.status)
    case 'statusCategory': {
      const order = STATUSES.map((s) => CATEGORY_ORDER[s.category])
      const statuses = table.status
      return (a, b) => (order[statuses[a] as number] as number) - (order[statuses[b] as number] as number)
    }
    case 'issuetype':
      return column(table.issueType)
    case 'project': {
      const rank = projectRank(ctx)
      const projects = table.project
      return (a, b) => (rank[projects[a] as number] as number) - (rank[projects[b] as number] as number)
    }
    case 'assignee':
      return userCompare(table.assignee, ctx)
    case 'reporter':
      return userCompare(table.reporter, ctx)
    case 'summary': {
      const cache: (string | undefined)[] = []
      const text = (row: number): string => (cache[row] ??= table.summary(row).toLowerCase())
      return (a, b) => {
        const x = text(a)
        const y = text(b)
        return x < y ? -1 : x > y ? 1 : 0
      }
    }
  }
}

function column(values: ArrayLike<number>): RowCompare {
  return (a, b) => (values[a] as number) - (values[b] as number)
}

/** Each project's position when projects are sorted by key. */
function projectRank(ctx: JqlContext): Int32Array {
  const projects = ctx.world.projects
  const order = projects
    .map((_, i) => i)
    .sort((x, y) => compareText(projects[x]?.key ?? '', projects[y]?.key ?? ''))
  const rank = new Int32Array(projects.length)
  order.forEach((project, position) => (rank[project] = position))
  return rank
}

/** Users by display name (case-insensitive); unassigned (-1) after everyone in ascending order. */
function userCompare(values: Int16Array, ctx: JqlContext): RowCompare {
  const users = ctx.world.users
  const order = users
    .map((_, i) => i)
    .sort((x, y) =>
      compareText(users[x]?.displayName.toLowerCase() ?? '', users[y]?.displayName.toLowerCase() ?? ''),
    )
  // Slot 0 is unassigned; equal display names share a rank so the id tie-break decides.
  const rank = new Int32Array(users.length + 1)
  rank[0] = users.length
  let position = 0
  order.forEach((user, i) => {
    const previous = order[i - 1]
    if (
      previous !== undefined &&
      users[previous]?.displayName.toLowerCase() !== users[user]?.displayName.toLowerCase()
    )
      position = i

    rank[user + 1] = position
  })
  return (a, b) => (rank[(values[a] as number) + 1] as number) - (rank[(values[b] as number) + 1] as number)
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0
}
