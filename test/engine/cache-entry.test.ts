import { describe, expect, it } from 'vitest'
import { cacheEntryOf, resultFromCache, type RunResult } from '../../src/engine/result.js'

const fetchedAt = new Date('2026-12-03T12:00:00Z')
const storedAt = new Date('2026-12-03T12:00:01Z')
/** Rows whose text escaping would change: quotes, backslashes, a newline inside a value. */
const rowsJson = JSON.stringify([{ key: 'DEMO-1', summary: 'say "hi"\nthen \\leave' }, { key: 'DEMO-2' }])
const result: RunResult = {
  query: 'issues',
  rowsJson,
  rowCount: 2,
  pages: 1,
  notices: ["Stopped at 2 rows (the query's maxRows); more results may exist."],
  fromCache: false,
  fetchedAt,
}

describe('cache entries (issue 18)', () => {
  it('keep the rows text as it is, after a one-line head, unescaped', () => {
    const entry = cacheEntryOf(result)
    const newline = entry.indexOf('\n')
    expect(JSON.parse(entry.slice(0, newline))).toEqual({
      query: 'issues',
      rowCount: 2,
      pages: 1,
      notices: result.notices,
    })
    expect(entry.slice(newline + 1)).toBe(rowsJson)
  })

  it('read back as the result that was stored, from the cache, as of when it was stored', () => {
    expect(resultFromCache(cacheEntryOf(result), storedAt)).toEqual({
      ...result,
      fromCache: true,
      fetchedAt: storedAt,
    })
  })

  it('still read when stored before the rows were kept apart (one JSON object)', () => {
    const { fromCache: _f, fetchedAt: _t, ...stored } = result
    expect(resultFromCache(JSON.stringify(stored), storedAt)).toEqual({
      ...result,
      fromCache: true,
      fetchedAt: storedAt,
    })
  })
})
