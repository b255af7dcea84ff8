import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonical, diffRows, type RowDiff } from '../../src/engine/snapshot-diff.js'

/**
 * The diff of two snapshots (issue 16): examples for each rule, then properties on random results
 * with a fixed seed (keys drawn from a small set, so duplicates and overlaps are common).
 */

const settings = { seed: 16, numRuns: 300 }

type Row = Record<string, unknown>

const cell = fc.oneof(
  fc.integer({ min: 0, max: 3 }),
  fc.constantFrom('a', 'b', '1'),
  fc.boolean(),
  fc.constant(null),
)
const row = fc.record(
  { id: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constantFrom('1', '2')), status: cell, size: cell },
  { requiredKeys: ['status'] },
)
const rows = fc.array(row, { maxLength: 12 })

/** Whether the diff has a key to go by: some row has the key column (or there are no rows at all). */
const keyed = (...sides: Row[][]) => sides.flat().length === 0 || sides.flat().some((r) => 'id' in r)

/** Each row of a side as `occurrence|key` the way the diff pairs them, to count where every row went. */
function identities(side: readonly Row[]): string[] {
  const seen = new Map<string, number>()
  return side.map((r) => {
    const key = canonical(r.id ?? null)
    const n = seen.get(key) ?? 0
    seen.set(key, n + 1)
    return `${n}|${key}`
  })
}

function emptyDiff(diff: RowDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0
}

describe('diffRows', () => {
  it('finds rows added, removed and changed, naming the columns that changed', () => {
    const before = [
      { Key: 'QA-1', Status: 'Open', Points: 3 },
      { Key: 'QA-2', Status: 'Open', Points: 5 },
      { Key: 'QA-3', Status: 'Done', Points: 1 },
    ]
    const after = [
      { Key: 'QA-1', Status: 'Done', Points: 2 },
      { Key: 'QA-3', Status: 'Done', Points: 1 },
      { Key: 'QA-4', Status: 'Open', Points: 8 },
    ]
    const diff = diffRows(before, after, 'Key')
    expect(diff.added).toEqual([{ Key: 'QA-4', Status: 'Open', Points: 8 }])
    expect(diff.removed).toEqual([{ Key: 'QA-2', Status: 'Open', Points: 5 }])
    expect(diff.changed).toEqual([
      { key: 'QA-1', before: before[0], after: after[0], columns: ['Status', 'Points'] },
    ])
    expect(diff.unchanged).toBe(1)
    expect(diff.duplicateKeys).toEqual([])
  })

  it('compares cells as JSON: 1 is not "1", object keys in any order are equal, a missing cell differs', () => {
    const diff = diffRows(
      [
        { id: 1, n: 1, o: { a: 1, b: 2 } },
        { id: 2, n: 1, gone: null },
      ],
      [
        { id: 1, n: '1', o: { b: 2, a: 1 } },
        { id: 2, n: 1 },
      ],
      'id',
    )
    expect(diff.changed.map((c) => [c.key, c.columns])).toEqual([
      [1, ['n']],
      [2, ['gone']],
    ])
  })

  it('pairs repeated keys by order and reports them', () => {
    const diff = diffRows(
      [
        { id: 'x', v: 1 },
        { id: 'x', v: 2 },
      ],
      [{ id: 'x', v: 2 }],
      'id',
    )
    // The first x of each side pair (1 vs 2: changed); the second x of `before` has no partner.
    expect(diff.changed.map((c) => [c.before.v, c.after.v])).toEqual([[1, 2]])
    expect(diff.removed).toEqual([{ id: 'x', v: 2 }])
    expect(diff.duplicateKeys).toEqual(['x'])
  })

  it('refuses a key column that no row has, naming the columns there are', () => {
    expect(() => diffRows([{ id: 1, name: 'a' }], [{ id: 2 }], 'Key')).toThrow(
      expect.objectContaining({
        code: 'QUARRY_SNAPSHOT_KEY_MISSING',
        message: expect.stringContaining('Choose one of: id, name'),
      }),
    )
    // Two empty results have nothing to key: an empty diff, not an error.
    expect(emptyDiff(diffRows([], [], 'Key'))).toBe(true)
  })

  it('property: diff(a, a) is empty and counts every row as unchanged', () => {
    fc.assert(
      fc.property(rows, (a) => {
        fc.pre(keyed(a))
        const diff = diffRows(a, a, 'id')
        return emptyDiff(diff) && diff.unchanged === a.length
      }),
      settings,
    )
  })

  it('property: added, removed, changed and unchanged partition the rows of both sides', () => {
    fc.assert(
      fc.property(rows, rows, (before, after) => {
        fc.pre(keyed(before, after))
        const diff = diffRows(before, after, 'id')
        const ids = { before: identities(before), after: identities(after) }
        const paired = ids.before.filter((id) => ids.after.includes(id))
        // Each side: every row is paired (changed or unchanged) or unpaired (removed / added), never both.
        expect(diff.changed.length + diff.unchanged).toBe(paired.length)
        expect(diff.removed.length).toBe(before.length - paired.length)
        expect(diff.added.length).toBe(after.length - paired.length)
        // Every row of each side is accounted for exactly once.
        expect(diff.removed.length + diff.changed.length + diff.unchanged).toBe(before.length)
        expect(diff.added.length + diff.changed.length + diff.unchanged).toBe(after.length)
        for (const change of diff.changed) expect(change.columns.length).toBeGreaterThan(0)
        return true
      }),
      settings,
    )
  })

  it('property: swapping the sides swaps added and removed and keeps the changed keys', () => {
    fc.assert(
      fc.property(rows, rows, (a, b) => {
        fc.pre(keyed(a, b))
        const forward = diffRows(a, b, 'id')
        const backward = diffRows(b, a, 'id')
        expect(backward.added).toEqual(forward.removed)
        expect(backward.removed.length).toBe(forward.added.length)
        const keys = (diff: RowDiff) => diff.changed.map((c) => canonical(c.key)).sort()
        expect(keys(backward)).toEqual(keys(forward))
        return true
      }),
      settings,
    )
  })
})
