import { describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import {
  COLUMN_LOOKAHEAD,
  FORMATS,
  formatNamed,
  isFormatName,
  render,
  renderStream,
} from '../../src/render/index.js'
import type { FormatName, RenderOptions, Row } from '../../src/render/index.js'
import { RowQueue } from '../../src/render/row-queue.js'
import { CASES } from './cases.js'

async function joined(
  format: FormatName,
  rows: Iterable<Row> | AsyncIterable<Row>,
  options?: RenderOptions,
): Promise<string> {
  let text = ''
  for await (const chunk of renderStream(format, rows, options)) text += chunk
  return text
}

function* syncRows(rows: readonly Row[]): Generator<Row> {
  yield* rows
}

async function* asyncRows(rows: readonly Row[]): AsyncGenerator<Row> {
  for (const row of rows) {
    await Promise.resolve()
    yield row
  }
}

/** The rows in a queue, pushed in pages of `size` as an engine run feeds it (read a page at a time). */
function queued(rows: readonly Row[], size = 3): RowQueue<Row> {
  const queue = new RowQueue<Row>(Number.MAX_SAFE_INTEGER)
  for (let i = 0; i < rows.length; i += size) void queue.push(rows.slice(i, i + size))
  queue.end()
  return queue
}

function issue(i: number): Row {
  return { key: `QA-${i}`, summary: `Issue number ${i}, "quoted"`, points: i % 13, done: i % 2 === 0 }
}

/** The formats that render to text (XLSX writes bytes: test/render/xlsx-format.test.ts). */
const TEXT_FORMATS = FORMATS.filter((format) => !formatNamed(format).binary)

describe('renderStream', () => {
  for (const format of TEXT_FORMATS) {
    describe(format, () => {
      for (const [name, rows] of Object.entries(CASES)) {
        it(`gives the same bytes as render for the ${name} rows, from an array, a generator, an async generator and a row queue`, async () => {
          const expected = render(format, rows, { title: name })
          expect(await joined(format, rows, { title: name })).toBe(expected)
          expect(await joined(format, syncRows(rows), { title: name })).toBe(expected)
          expect(await joined(format, asyncRows(rows), { title: name })).toBe(expected)
          expect(await joined(format, queued(rows), { title: name })).toBe(expected)
        })
      }

      it('gives the same bytes as render with chosen columns', async () => {
        const options = { columns: ['points', 'nothing', 'key'] }
        const rows = CASES.simple ?? []
        expect(await joined(format, asyncRows(rows), options)).toBe(render(format, rows, options))
      })
    })
  }

  it('streams 100,000 rows to CSV as they arrive, never holding more than the column lookahead', async () => {
    const total = 100_000
    let pulled = 0
    function* source(): Generator<Row> {
      for (let i = 0; i < total; i++) {
        pulled++
        yield issue(i)
      }
    }
    let chunks = 0
    let written = 0
    let heldBack = 0
    let pulledAtFirstChunk = -1
    let length = 0
    for await (const chunk of renderStream('csv', source())) {
      if (chunks === 0) pulledAtFirstChunk = pulled
      chunks++
      length += chunk.length
      written += chunk.split('\r\n').length - 1
      // Rows taken from the source but not yet written out (the header counts as one line written).
      heldBack = Math.max(heldBack, pulled - (written - 1))
    }
    expect(pulled).toBe(total)
    expect(written).toBe(total + 1)
    expect(chunks).toBeGreaterThan(10)
    expect(pulledAtFirstChunk).toBeLessThan(total / 10)
    expect(heldBack).toBeLessThanOrEqual(COLUMN_LOOKAHEAD)
    expect(length).toBeGreaterThan(total * 40)
  })

  it.each(['json', 'ndjson', 'csv', 'html'] as const)(
    'writes %s row by row when the columns are given: nothing is held back',
    async (format) => {
      let pulled = 0
      let atFirstChunk = -1
      async function* source(): AsyncGenerator<Row> {
        for (let i = 0; i < 20_000; i++) {
          pulled++
          yield issue(i)
        }
      }
      const stream = renderStream(format, source(), { columns: ['key', 'summary', 'points', 'done'] })
      for await (const _chunk of stream) if (atFirstChunk < 0) atFirstChunk = pulled
      expect(atFirstChunk).toBeGreaterThan(0)
      expect(atFirstChunk).toBeLessThan(2_000)
    },
  )

  it('fails, naming the column, when a CSV row after the lookahead brings a new column', async () => {
    const rows = Array.from({ length: COLUMN_LOOKAHEAD + 10 }, (_, i) =>
      i === COLUMN_LOOKAHEAD + 4 ? { ...issue(i), late: 'x' } : issue(i),
    )
    for (const source of [syncRows(rows), queued(rows, 600)]) {
      const error: unknown = await joined('csv', source).catch((thrown: unknown) => thrown)
      expect(isQuarryError(error, 'QUARRY_CONFIG_INVALID')).toBe(true)
      expect((error as Error).message).toMatch(
        /^Row 1005 has a column "late" that none of the first 1000 rows had/,
      )
    }

    // From an array (all rows known), or with the columns given, the same rows render fine.
    expect(await joined('csv', rows)).toBe(render('csv', rows))
    const columns = ['key', 'late']
    expect(await joined('csv', syncRows(rows), { columns })).toBe(render('csv', rows, { columns }))
    // JSON needs no header, so it streams them as they come.
    expect(await joined('json', syncRows(rows))).toBe(render('json', rows))
  })

  it('gives the table as one chunk once all rows are in', async () => {
    const chunks: string[] = []
    for await (const chunk of renderStream('table', asyncRows(CASES.simple ?? []))) chunks.push(chunk)
    expect(chunks).toEqual([render('table', CASES.simple ?? [])])
  })

  it('rejects an unknown format name', async () => {
    expect(() => render('parquet' as FormatName, [])).toThrow(
      /Unknown format "parquet"; use one of table, json, csv, xlsx, ndjson, html/,
    )
    await expect(joined('parquet' as FormatName, [])).rejects.toThrow(RangeError)
  })

  it('refuses to render a binary format as text', async () => {
    expect(() => render('xlsx', [])).toThrow(/The xlsx format writes bytes, not text/)
    await expect(joined('xlsx', [])).rejects.toThrow(RangeError)
  })
})

describe('FORMATS', () => {
  it('lists the six formats, and isFormatName knows them', () => {
    expect(FORMATS).toEqual(['table', 'json', 'csv', 'xlsx', 'ndjson', 'html'])
    expect(FORMATS.every(isFormatName)).toBe(true)
    expect(isFormatName('parquet')).toBe(false)
    expect(isFormatName('toString')).toBe(false)
  })
})

describe('renderStream, stopped early', () => {
  it('closes the source when the reader stops reading', async () => {
    let closed = false
    function* source(): Generator<Row> {
      try {
        for (let i = 0; ; i++) yield issue(i)
      } finally {
        closed = true
      }
    }
    for await (const _chunk of renderStream('csv', source())) break
    expect(closed).toBe(true)
  })

  it('closes the source when a late column fails the stream', async () => {
    let closed = false
    function* source(): Generator<Row> {
      try {
        for (let i = 0; i < COLUMN_LOOKAHEAD + 10; i++) yield i === COLUMN_LOOKAHEAD ? { late: 1 } : issue(i)
      } finally {
        closed = true
      }
    }
    await expect(joined('html', source())).rejects.toThrow(/column "late"/)
    expect(closed).toBe(true)
  })
})
