/**
 * The words of alert conditions (issue 16), with no imports so the admin UI bundles them: the
 * comparisons, quantifiers and states, a condition in words, and a condition read from words. The zod
 * schemas (alert.ts) are built from these constants; the CLI's --when and the admin UI's Condition
 * field read text with readCondition.
 */

/** The comparisons a condition may use, on a row count or on a column's cells. */
export const COMPARISONS = ['>', '>=', '<', '<=', '=', '!='] as const
export type Comparison = (typeof COMPARISONS)[number]

/**
 * How many rows a column comparison must hold on: `exists` (at least one row), `none` (no row) or
 * `all` (every row; true of an empty result, as "every" is in logic).
 */
export const QUANTIFIERS = ['exists', 'none', 'all'] as const
export type Quantifier = (typeof QUANTIFIERS)[number]

/** An alert's state: `ok` (the condition does not hold), `firing` (it holds), `error` (the check failed). */
export const ALERT_STATES = ['ok', 'firing', 'error'] as const
export type AlertState = (typeof ALERT_STATES)[number]

/** The value a column is compared with: JSON's scalars. */
export type CellValue = string | number | boolean | null

/** A condition, as ConditionSchema (alert.ts) parses it. */
export type ConditionWords =
  | { readonly kind: 'row-count'; readonly op: Comparison; readonly value: number }
  | {
      readonly kind: 'column'
      readonly column: string
      readonly op: Comparison
      readonly value: CellValue
      readonly quantifier: Quantifier
    }

/** How to write a condition, for help texts and messages. */
export const CONDITION_HELP =
  'Write "rows > 5" or "COLUMN OP VALUE [exists|none|all]", e.g. "Priority = Blocker exists"; OP is one of ' +
  `${COMPARISONS.join(' ')}.`

/**
 * A condition in words, as readCondition reads it back: `rows > 5`, `Priority = "Blocker" exists`.
 *
 * @example describeCondition({ kind: 'row-count', op: '>', value: 5 }) // 'rows > 5'
 */
export function describeCondition(condition: ConditionWords): string {
  if (condition.kind === 'row-count') return `rows ${condition.op} ${condition.value}`
  return `${condition.column} ${condition.op} ${JSON.stringify(condition.value)} ${condition.quantifier}`
}

const OPERATOR = /^(.*?)\s*(>=|<=|!=|=|>|<)\s*(.*)$/s

/** A value as written after the operator: a number, true/false/null, "quoted text", or bare text. */
function valueOf(text: string): CellValue {
  const trimmed = text.trim()
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(trimmed)) return Number(trimmed)
  if (trimmed === 'true') return true
  if (trimmed === 'false') return false
  if (trimmed === 'null') return null
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) {
    try {
      return JSON.parse(trimmed) as string
    } catch {
      return trimmed.slice(1, -1)
    }
  }
  return trimmed
}

/**
 * Reads a condition written as text: `rows > 5` (also `row count > 5`), or `COLUMN OP VALUE` with an
 * optional last word `exists` (the default), `none` or `all`. VALUE is a number, true, false, null,
 * "quoted text" or bare text; a column name may hold spaces. Text that does not read says why.
 *
 * @example readCondition('Story Points > 8') // { condition: { kind: 'column', column: 'Story Points', op: '>', value: 8, quantifier: 'exists' } }
 * @example readCondition('Priority is Blocker') // { problem: 'no comparison operator' }
 */
export function readCondition(text: string): { condition: ConditionWords } | { problem: string } {
  const match = OPERATOR.exec(text.trim())
  if (!match) return { problem: 'no comparison operator' }
  const [, left = '', op = '', rawRight = ''] = match
  const subject = left.trim()
  if (subject === '') return { problem: 'nothing before the operator' }
  if (/^(rows|row count|row-count)$/i.test(subject)) {
    const count = rawRight.trim()
    if (!/^\d+$/.test(count)) return { problem: `a row count compares with a whole number, not "${count}"` }
    return { condition: { kind: 'row-count', op: op as Comparison, value: Number(count) } }
  }
  let right = rawRight.trim()
  let quantifier: Quantifier = 'exists'
  const last = /\s+(exists|none|all)$/i.exec(right)
  if (last) {
    quantifier = (last[1] ?? 'exists').toLowerCase() as Quantifier
    right = right.slice(0, last.index)
  } else if ((QUANTIFIERS as readonly string[]).includes(right.toLowerCase())) {
    return { problem: 'no value to compare with' }
  }
  if (right === '') return { problem: 'no value to compare with' }
  return {
    condition: { kind: 'column', column: subject, op: op as Comparison, value: valueOf(right), quantifier },
  }
}
