import { QuarryError } from '../domain/errors.js'

type Row = Readonly<Record<string, unknown>>

/** A row in both results whose cells differ. */
export interface ChangedRow {
  /** The key cell's value. */
  readonly key: unknown
  readonly before: Row
  readonly after: Row
  /** The columns whose cells differ (a cell missing on one side counts), in the rows' column order. */
  readonly columns: readonly string[]
}

/** What changed between two results, matched by a key column. */
export interface RowDiff {
  readonly key: string
  /** Rows of `after` with no partner in `before`. */
  readonly added: readonly Row[]
  /** Rows of `before` with no partner in `after`. */
  readonly removed: readonly Row[]
  readonly changed: readonly ChangedRow[]
  /** How many rows are in both, cell for cell equal. */
  readonly unchanged: number
  /** Key values that appear more than once in either result (matched by order: see diffRows). */
  readonly duplicateKeys: readonly unknown[]
}

/**
 * A value as text that is equal exactly when the values are equal as JSON: objects with their keys
 * sorted, so `{a,b}` and `{b,a}` agree, and `1` differs from `"1"`.
 *
 * @example canonical({ b: 1, a: [true] }) // '{"a":[true],"b":1}'
 */
export function canonical(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined'
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const entries = Object.keys(value)
    .sort()
    .map((name) => `${JSON.stringify(name)}:${canonical((value as Record<string, unknown>)[name])}`)
  return `{${entries.join(',')}}`
}

/** Each row under its identity: the key cell's canonical text and its occurrence among rows of that key. */
function byIdentity(rows: readonly Row[], key: string, duplicates: Set<string>): Map<string, Row> {
  const seen = new Map<string, number>()
  const identities = new Map<string, Row>()
  for (const row of rows) {
    const keyText = canonical(row[key] ?? null)
    const occurrence = seen.get(keyText) ?? 0
    if (occurrence === 1) duplicates.add(keyText)
    seen.set(keyText, occurrence + 1)
    identities.set(`${occurrence}\u0000${keyText}`, row)
  }
  return identities
}

function changedColumns(before: Row, after: Row): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])]
  return names.filter(
    (name) => !(name in before) || !(name in after) || canonical(before[name]) !== canonical(after[name]),
  )
}

/**
 * The difference between two results (issue 16), keyed by the column `key`: rows added, removed and
 * changed (with the columns that changed). Every row of either side lands in exactly one of added,
 * removed, changed or unchanged, and diffRows(a, a, k) has nothing added, removed or changed
 * (test/engine/snapshot-diff.test.ts checks both on random results).
 *
 * Rules, so the result never depends on chance:
 * - Cells compare as JSON (`1` is not `"1"`; object keys in any order are the same object).
 * - A row without the key column has the key `null`.
 * - A key that appears several times: the first such row of `before` pairs with the first of `after`,
 *   the second with the second, and so on; the rest are added or removed. Such keys are listed in
 *   `duplicateKeys`, so the reader knows to choose a better key.
 * - A key column that is in no row of either side is a mistake: QUARRY_SNAPSHOT_KEY_MISSING, naming
 *   the columns there are.
 *
 * @example
 * diffRows([{ id: 1, s: 'open' }], [{ id: 1, s: 'done' }, { id: 2, s: 'open' }], 'id')
 * // { added: [{ id: 2, … }], removed: [], changed: [{ key: 1, columns: ['s'], … }], unchanged: 0 }
 */
export function diffRows(before: readonly Row[], after: readonly Row[], key: string): RowDiff {
  const hasKey = (rows: readonly Row[]) => rows.some((row) => key in row)
  if ((before.length > 0 || after.length > 0) && !hasKey(before) && !hasKey(after)) {
    const columns = [...new Set([...before, ...after].flatMap((row) => Object.keys(row)))]
    throw new QuarryError(
      'QUARRY_SNAPSHOT_KEY_MISSING',
      `No row of either snapshot has the key column "${key}". Choose one of: ${columns.join(', ')}.`,
    )
  }
  const duplicates = new Set<string>()
  const old = byIdentity(before, key, duplicates)
  const now = byIdentity(after, key, duplicates)
  const added: Row[] = []
  const removed: Row[] = []
  const changed: ChangedRow[] = []
  let unchanged = 0
  for (const [identity, row] of old) {
    const partner = now.get(identity)
    if (partner === undefined) {
      removed.push(row)
      continue
    }
    const columns = changedColumns(row, partner)
    if (columns.length === 0) unchanged += 1
    else changed.push({ key: row[key] ?? null, before: row, after: partner, columns })
  }
  for (const [identity, row] of now) if (!old.has(identity)) added.push(row)
  return {
    key,
    added,
    removed,
    changed,
    unchanged,
    duplicateKeys: [...duplicates].map((text) => JSON.parse(text) as unknown),
  }
}

/** One cell for a diff's words: JSON, so `1` and `"1"` read differently; a missing cell as `(none)`. */
export function cellText(value: unknown): string {
  return value === undefined ? '(none)' : canonical(value)
}

/**
 * A changed row's cells in words: each changed column's old and new value.
 *
 * @example describeChange(change) // 'status: "Open" → "Done"; points: 3 → 2'
 */
export function describeChange(change: ChangedRow): string {
  return change.columns
    .map((column) => `${column}: ${cellText(change.before[column])} → ${cellText(change.after[column])}`)
    .join('; ')
}

/**
 * A diff as rows a table shows (the view page's comparison, issue 16): a `Change` column (added,
 * removed, changed), the row's cells (the newer ones; a removed row's last), and for a changed row
 * a `Changes` column saying what changed.
 *
 * @example diffAsRows(diff)[0] // { Change: 'added', key: 'QA-4', status: 'Open' }
 */
export function diffAsRows(diff: RowDiff): Row[] {
  return [
    ...diff.added.map((row) => ({ Change: 'added', ...row })),
    ...diff.removed.map((row) => ({ Change: 'removed', ...row })),
    ...diff.changed.map((change) => ({
      Change: 'changed',
      ...change.after,
      Changes: describeChange(change),
    })),
  ]
}
