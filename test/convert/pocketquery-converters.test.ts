import { afterAll, describe, expect, it } from 'vitest'
import { ConverterError, ConverterPool, converterMetadata } from '../../src/convert/index.js'
import { PQ_CASES } from '../helpers/pq-converters.js'

/**
 * PocketQuery's documented converters run unchanged in Quarry's sandbox (issue 13): each one of
 * test/fixtures/pocketquery-converters through the real pool, with the metadata the engine builds.
 */
const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

describe("PocketQuery's documented converters run unchanged", () => {
  for (const c of PQ_CASES) {
    it(`${c.name}.js gives its documented rows`, async () => {
      const result = await pool.run({
        source: c.source,
        pages: [JSON.stringify(c.input)],
        metadata: converterMetadata(c.query, c.params),
      })
      expect(JSON.parse(result.rowsJson)).toEqual(c.rows)
    })
  }
})

describe('converter metadata', () => {
  const echo = 'function convert(json, metadata) { return [metadata] }'
  const run = async (parameters: Parameters<typeof converterMetadata>[1]): Promise<unknown> =>
    JSON.parse(
      (await pool.run({ source: echo, pages: ['{}'], metadata: converterMetadata('q', parameters) }))
        .rowsJson,
    )

  it("carries Quarry's names with parsed values and PocketQuery's with the values as text", async () => {
    expect(await run({ n: 5, flag: true, keys: ['A', 'B'], s: 'x' })).toEqual([
      {
        query: 'q',
        parameters: { n: 5, flag: true, keys: ['A', 'B'], s: 'x' },
        page: 0,
        pages: 1,
        queryName: 'q',
        queryParameters: { n: '5', flag: 'true', keys: 'A,B', s: 'x' },
        originalQueryParameters: { n: '5', flag: 'true', keys: 'A,B', s: 'x' },
      },
    ])
  })

  it("names each page by the run's position in a larger result", async () => {
    const source =
      'function convert(json, metadata) { return [{ page: metadata.page, pages: metadata.pages }] }'
    const run = async (position: { first: number; total: number | null }): Promise<unknown> =>
      JSON.parse((await pool.run({ source, pages: ['{}', '{}'], metadata: {}, position })).rowsJson)

    expect(await run({ first: 4, total: 10 })).toEqual([
      { page: 4, pages: 10 },
      { page: 5, pages: 10 },
    ])
    expect(await run({ first: 7, total: null })).toEqual([
      { page: 7, pages: null },
      { page: 8, pages: null },
    ])
  })

  it('names the page a converter failed on, by its position, when the total is not known', async () => {
    const source =
      'function convert(json, metadata) { if (metadata.page === 8) throw new Error("bad page"); return [] }'
    const error = await pool
      .run({ source, pages: ['{}', '{}'], metadata: {}, position: { first: 7, total: null } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConverterError)
    expect((error as Error).message).toContain('page 9')
    expect((error as Error).message).not.toContain('page 9 of')
  })

  it('refuses a position its pages do not fit in', async () => {
    const source = 'function convert() { return [] }'
    await expect(
      pool.run({ source, pages: ['{}', '{}'], metadata: {}, position: { first: 0, total: 1 } }),
    ).rejects.toThrow(/position\.total must be null or an integer ≥ first \+ pages \(2\), got 1/)
    await expect(
      pool.run({ source, pages: ['{}'], metadata: {}, position: { first: -1, total: null } }),
    ).rejects.toThrow(/position\.first must be an integer ≥ 0, got -1/)
  })

  it('gives queryParameters and originalQueryParameters as separate objects', async () => {
    const source = `function convert(json, metadata) {
      metadata.queryParameters.s = 'changed'
      return [{ original: metadata.originalQueryParameters.s }]
    }`
    const result = await pool.run({ source, pages: ['{}'], metadata: converterMetadata('q', { s: 'x' }) })
    expect(JSON.parse(result.rowsJson)).toEqual([{ original: 'x' }])
  })
})

describe('the PocketQuery global', () => {
  it('formats with moment.js tokens in PocketQuery.formatDate, beside Quarry formatDate', async () => {
    const source = `function convert() {
      return [{ pq: PocketQuery.formatDate('2026-01-15T10:30:00Z', 'DD.MM.YYYY HH:mm'), quarry: formatDate('2026-01-15T10:30:00Z', 'dd.MM.yyyy HH:mm') }]
    }`
    const result = await pool.run({ source, pages: ['{}'], metadata: {} })
    expect(JSON.parse(result.rowsJson)).toEqual([{ pq: '15.01.2026 10:30', quarry: '15.01.2026 10:30' }])
  })

  it('fails an unknown PocketQuery helper with a converter error naming it and its line', async () => {
    const source = `function convert(json) {
  var rows = JSON.parse(json)
  return [{ x: PocketQuery.formatNumber(rows.n, '0.00') }]
}`
    const error = await pool.run({ source, pages: ['{"n":1}'], metadata: {} }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConverterError)
    expect((error as Error).message).toContain('line 3')
    expect((error as Error).message).toContain(
      'PocketQuery.formatNumber is not available in Quarry converters',
    )
    expect((error as Error).message).not.toContain('is not a function')
  })

  it('answers typeof and property checks on PocketQuery without failing', async () => {
    const source = `function convert() {
      return [{ known: typeof PocketQuery.formatDate, other: typeof PocketQuery.chart, text: String(PocketQuery) }]
    }`
    const result = await pool.run({ source, pages: ['{}'], metadata: {} })
    expect(JSON.parse(result.rowsJson)).toEqual([
      { known: 'function', other: 'function', text: '[object Object]' },
    ])
  })
})
