/**
 * Compiled WHERE clauses: closures over the table's typed arrays, combined
 * without an AST walk per row. `cost` orders AND operands so cheap column tests
 * run before text search.
 */

export interface Predicate {
  readonly test: (row: number) => boolean
  /** Relative cost per row: 1 for a column test, more for text. */
  readonly cost: number
}

export const ALWAYS: Predicate = { test: () => true, cost: 0 }
export const NEVER: Predicate = { test: () => false, cost: 0 }

/**
 * Conjunction; constant operands fold away and cheaper tests run first.
 *
 * @example and([projectIsDemo, summaryHasLogin]).test(row)
 */
export function and(parts: readonly Predicate[]): Predicate {
  if (parts.includes(NEVER)) return NEVER
  return combine(
    parts.filter((p) => p !== ALWAYS),
    ALWAYS,
    (l, r) => (row) => l(row) && r(row),
    (tests) => (row) => {
      for (let i = 0; i < tests.length; i++) if (!(tests[i] as Test)(row)) return false
      return true
    },
  )
}

/**
 * Disjunction; constant operands fold away and cheaper tests run first.
 *
 * @example or([statusIsDone, priorityIsHigh]).test(row)
 */
export function or(parts: readonly Predicate[]): Predicate {
  if (parts.includes(ALWAYS)) return ALWAYS
  return combine(
    parts.filter((p) => p !== NEVER),
    NEVER,
    (l, r) => (row) => l(row) || r(row),
    (tests) => (row) => {
      for (let i = 0; i < tests.length; i++) if ((tests[i] as Test)(row)) return true
      return false
    },
  )
}

type Test = Predicate['test']

/**
 * Two operands become one closure; longer chains loop over an array, so a query
 * of thousands of ORs cannot nest closures deeper than the stack.
 */
function combine(
  parts: readonly Predicate[],
  identity: Predicate,
  pair: (left: Test, right: Test) => Test,
  many: (tests: readonly Test[]) => Test,
): Predicate {
  const sorted = [...parts].sort((a, b) => a.cost - b.cost)
  const cost = sorted.reduce((sum, p) => sum + p.cost, 0)
  const [first, second] = sorted
  if (first === undefined) return identity
  if (second === undefined) return first
  if (sorted.length === 2) return { test: pair(first.test, second.test), cost }
  return { test: many(sorted.map((p) => p.test)), cost }
}

/**
 * Negation: plain boolean NOT, so `NOT assignee = x` includes unassigned issues
 * (unlike `assignee != x`), as in Jira.
 *
 * @example not(statusIsDone)
 */
export function not(part: Predicate): Predicate {
  if (part === ALWAYS) return NEVER
  if (part === NEVER) return ALWAYS
  const t = part.test
  return { test: (row: number) => !t(row), cost: part.cost }
}

/**
 * A test of one small-integer column against a table of accepted values
 * (`accept[column[row] + offset] === 1`), specialised for none/all/one accepted.
 *
 * @example acceptColumn(table.status, accept) // status in (…)
 */
export function acceptColumn(column: ArrayLike<number>, accept: Uint8Array, offset = 0): Predicate {
  let count = 0
  let only = -1
  for (let i = 0; i < accept.length; i++) {
    if (accept[i] === 1) {
      count++
      only = i
    }
  }
  if (count === 0) return NEVER
  if (count === accept.length) return ALWAYS
  if (count === 1) {
    const value = only - offset
    return { test: (row: number) => column[row] === value, cost: 1 }
  }
  if (offset === 0) return { test: (row: number) => accept[column[row] as number] === 1, cost: 1 }
  return { test: (row: number) => accept[(column[row] as number) + offset] === 1, cost: 1 }
}
