import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool, DEFAULT_LIMITS } from '../../src/convert/index.js'
import { failureOf, input, rowsOf } from './fixtures.js'

const pool = new ConverterPool({ size: 2 })
afterAll(() => pool.close())

describe("the host refuses a result over the run's row or byte limit", () => {
  it('documents its defaults: 1,000,000 rows and 64 MiB of JSON text per run', () => {
    expect([DEFAULT_LIMITS.maxRows, DEFAULT_LIMITS.maxBytes]).toEqual([1_000_000, 64 * 1024 * 1024])
  })

  it('refuses new Array(1e7).fill({}) before any of it is turned into text, naming the limit and the setting', async () => {
    const error = await failureOf(
      pool,
      input('function convert() { return new Array(1e7).fill({}) }', ['{}'], {
        limits: { timeoutMs: 5000, memoryMb: 256 },
      }),
    )
    expect(error.kind).toBe('limit')
    expect(error.message).toBe(
      'Converter returned more than 1000000 rows, the row limit for one run; return fewer rows, or raise converterMaxRows on the query or its datasource (default 1000000)',
    )
  })

  it('counts the rows of all pages against one limit, and names the page that went over', async () => {
    const error = await failureOf(
      pool,
      input('function convert() { return [{ a: 1 }, { a: 2 }] }', ['{}', '{}', '{}'], {
        limits: { maxRows: 5, timeoutMs: 2000 },
      }),
    )
    expect(error.message).toBe(
      'Converter returned more than 5 rows (page 3 of 3), the row limit for one run; return fewer rows, or raise converterMaxRows on the query or its datasource (default 1000000)',
    )
  })

  it('accepts a result exactly at the row limit', async () => {
    const result = await pool.run(
      input('function convert() { return [{ a: 1 }, { a: 2 }] }', ['{}', '{}'], { limits: { maxRows: 4 } }),
    )
    expect(result.rowCount).toBe(4)
  })

  it('refuses rows whose JSON text is over the byte limit, counting UTF-8 bytes', async () => {
    // 600 characters of 'é' are 1,200 bytes: under a 1,000-byte limit in characters, over it in bytes.
    const error = await failureOf(
      pool,
      input("function convert() { return [{ t: 'é'.repeat(600) }] }", ['{}'], { limits: { maxBytes: 1000 } }),
    )
    expect(error.kind).toBe('limit')
    expect(error.message).toBe(
      'Converter returned more than 1000 bytes of rows as JSON, the size limit for one run; return less, or raise converterMaxBytes on the query or its datasource (default 64 MiB, in bytes)',
    )
  })

  it('holds a run split between workers to one limit for all its shards', async () => {
    // Two pages of 600,000 characters are split between the two workers; each shard alone is under 3 rows.
    const pages = ['x'.repeat(600_000), 'y'.repeat(600_000)]
    const error = await failureOf(
      pool,
      input('function convert() { return [{ a: 1 }, { a: 2 }] }', pages, { limits: { maxRows: 3 } }),
    )
    expect(error.message).toMatch(/^Converter returned more than 3 rows, the row limit for one run/)
    expect(await rowsOf(pool, 'function convert() { return [{ ok: true }] }')).toEqual([{ ok: true }])
  })
})
