import type { CellValue, Comparison, Condition } from './alert.js'
import { CONDITION_HELP, readCondition } from './alert-words.js'
import { QuarryError } from './errors.js'

/**
 * Evaluating an alert's condition on rows, and reading one written as text (the CLI's `--when`). Pure,
 * so the admin UI and the property tests use it as the server does.
 */

/** What a condition said about some rows. */
export interface ConditionOutcome {
  /** The condition holds: the alert fires. */
  readonly holds: boolean
  /** Rows whose cell matched (column conditions), else the row count. */
  readonly matched: number
  readonly rowCount: number
  /** In words, e.g. `2 of 40 rows have Priority = "Blocker"`. */
  readonly summary: string
}

/**
 * Compares two numbers or two strings with `op`.
 *
 * @example compareWith(3, '>', 2) // true
 */
export function compareWith<T extends number | string>(left: T, op: Comparison, right: T): boolean {
  switch (op) {
    case '>':
      return left > right
    case '>=':
      return left >= right
    case '<':
      return left < right
    case '<=':
      return left <= right
    case '=':
      return left === right
    case '!=':
      return left !== right
  }
}

/** A cell as a number, when it is one or is text that reads as one ("8", " 8.5 "); else undefined. */
function numberOf(cell: unknown): number | undefined {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : undefined
  if (typeof cell === 'string' && cell.trim() !== '') {
    const number = Number(cell)
    return Number.isFinite(number) ? number : undefined
  }
  return undefined
}

/** A cell as text: strings as they are, other scalars as JSON writes them, objects as JSON. */
function textOf(cell: unknown): string {
  return typeof cell === 'string' ? cell : JSON.stringify(cell)
}

/**
 * Whether one cell compares with `value` as `op` says. A number compares numerically (with a cell that
 * is a number or reads as one; any other cell is only `!=` to it); text compares as text (code-unit
 * order, so ISO dates order by time); true/false compare by equality only; null is equal to an empty
 * or missing cell only. An ordering (`<`, `>`, …) with a missing cell is false.
 *
 * @example cellMatches('Blocker', '=', 'Blocker') // true
 * @example cellMatches('13', '>', 8) // true
 */
export function cellMatches(cell: unknown, op: Comparison, value: CellValue): boolean {
  const missing = cell === undefined || cell === null
  if (value === null) {
    if (op === '=') return missing
    if (op === '!=') return !missing
    return false
  }
  if (missing) return op === '!='
  if (typeof value === 'number') {
    const number = numberOf(cell)
    return number === undefined ? op === '!=' : compareWith(number, op, value)
  }
  if (typeof value === 'boolean') {
    const equal = cell === value || textOf(cell) === String(value)
    if (op === '=') return equal
    if (op === '!=') return !equal
    return false
  }
  return compareWith(textOf(cell), op, value)
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

/**
 * Evaluates a condition on a result's rows. A column that no row has is a mistake in the condition (a
 * typo, a renamed column), not "no match": it throws QUARRY_CONFIG_INVALID naming the columns there are,
 * so the alert shows an error instead of staying quietly ok.
 *
 * @example evaluateCondition({ kind: 'row-count', op: '>', value: 0 }, [{ a: 1 }]).holds // true
 */
export function evaluateCondition(condition: Condition, rows: readonly unknown[]): ConditionOutcome {
  const rowCount = rows.length
  if (condition.kind === 'row-count') {
    const holds = compareWith(rowCount, condition.op, condition.value)
    return {
      holds,
      matched: rowCount,
      rowCount,
      summary: `${plural(rowCount, 'row')} (alert when rows ${condition.op} ${condition.value})`,
    }
  }
  const { column, op, value, quantifier } = condition
  const records = rows.map((row) =>
    typeof row === 'object' && row !== null ? (row as Record<string, unknown>) : {},
  )
  if (records.length > 0 && !records.some((row) => Object.hasOwn(row, column))) {
    const columns = [...new Set(records.flatMap((row) => Object.keys(row)))].slice(0, 20)
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `The alert's condition names the column "${column}", which no row has. The rows have: ` +
        `${columns.map((name) => `"${name}"`).join(', ') || 'no columns'}. Correct the condition.`,
    )
  }
  const matched = records.filter((row) => cellMatches(row[column], op, value)).length
  const holds =
    quantifier === 'exists' ? matched > 0 : quantifier === 'none' ? matched === 0 : matched === rowCount
  const test = `${column} ${op} ${JSON.stringify(value)}`
  return {
    holds,
    matched,
    rowCount,
    summary: `${matched} of ${plural(rowCount, 'row')} have ${test} (alert when ${quantifier})`,
  }
}

/**
 * Reads a condition written as text (readCondition in alert-words.ts); text that does not read is
 * QUARRY_CONFIG_INVALID naming `flag`, with an example.
 *
 * @example parseCondition('Story Points > 8 exists') // { kind: 'column', column: 'Story Points', op: '>', value: 8, quantifier: 'exists' }
 * @example parseCondition('rows >= 1') // { kind: 'row-count', op: '>=', value: 1 }
 */
export function parseCondition(text: string, flag = '--when'): Condition {
  const read = readCondition(text)
  if ('problem' in read)
    throw new QuarryError('QUARRY_CONFIG_INVALID', `${flag}: ${read.problem}. ${CONDITION_HELP}`)
  return read.condition
}
