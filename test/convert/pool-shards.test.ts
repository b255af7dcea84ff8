import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { SHARD_MIN_CHARS } from '../../src/convert/shards.js'
import { failureOf, input, searchPage } from './fixtures.js'

const pool = new ConverterPool({ size: 2 })
afterAll(() => pool.close())

/** Enough pages, with padding, that the run is split between the two workers. */
function largeRun(): string[] {
  const padding = 'p'.repeat(Math.ceil(SHARD_MIN_CHARS / 8))
  return Array.from({ length: 10 }, (_, i) =>
    searchPage(i * 3 + 1, 3).replace('"issues"', `"padding":"${padding}","issues"`),
  )
}

const KEYS =
  'function convert(json, metadata) {\n  return JSON.parse(json).issues.map((i) => ({ key: i.key, page: metadata.page, pid: typeof process }))\n}'

describe('a large run split between workers', () => {
  it('returns every row once, in page order, with each page numbered within the whole run', async () => {
    const result = await pool.run(input(KEYS, largeRun()))
    const rows = JSON.parse(result.rowsJson) as { key: string; page: number }[]
    expect(result.rowCount).toBe(30)
    expect(rows.map((row) => row.key)).toEqual(Array.from({ length: 30 }, (_, i) => `DEMO-${i + 1}`))
    expect(rows.map((row) => row.page)).toEqual(Array.from({ length: 30 }, (_, i) => Math.floor(i / 3)))
    expect(pool.pids).toHaveLength(2)
  })

  it('reports the failure of the earliest failing page, numbered within the whole run', async () => {
    const pages = largeRun()
    pages[8] = '<html>'
    pages[2] = '{}'
    const error = await failureOf(pool, input(KEYS, pages))
    expect(error.message).toMatch(/^Converter failed at line 2, column \d+ \(page 3 of 10\): TypeError/)
  })
})
