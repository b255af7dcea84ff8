import { describe, expect, it } from 'vitest'
import { describeRetention, parseSnapshotRef } from '../../src/domain/snapshot.js'

/** How a snapshot is named (`?snapshot=`, the CLI's SNAPSHOT) and how a retention rule reads (issue 16). */

describe('parseSnapshotRef', () => {
  it('reads an id, latest, a day (up to its last millisecond, UTC) and a time', () => {
    expect(parseSnapshotRef('3f9a0c17b2e4')).toEqual({ kind: 'id', id: '3f9a0c17b2e4' })
    expect(parseSnapshotRef('latest')).toEqual({ kind: 'latest' })
    expect(parseSnapshotRef('2026-12-01')).toEqual({ kind: 'at', at: new Date('2026-12-01T23:59:59.999Z') })
    expect(parseSnapshotRef('2026-12-01T09:30:00+01:00')).toEqual({
      kind: 'at',
      at: new Date('2026-12-01T08:30:00Z'),
    })
  })

  it('refuses a day that does not exist and anything else', () => {
    for (const text of ['2026-02-30', '2026-13-01', '3F9A0C17B2E4', 'yesterday', '12345', ''])
      expect(parseSnapshotRef(text), text).toBeUndefined()
  })
})

describe('describeRetention', () => {
  it('says the count, the age, both or neither', () => {
    expect(describeRetention({ keepLast: 10, maxAgeSeconds: null })).toBe('the newest 10')
    expect(describeRetention({ keepLast: null, maxAgeSeconds: 90 * 86_400 })).toBe('none older than 90 days')
    expect(describeRetention({ keepLast: 1, maxAgeSeconds: 3600 })).toBe(
      'the newest 1, none older than 1 hour',
    )
    expect(describeRetention({ keepLast: null, maxAgeSeconds: null })).toBe('all of them')
  })
})
