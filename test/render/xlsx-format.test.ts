import { describe, expect, it } from 'vitest'
import { COLUMN_LOOKAHEAD, type Row } from '../../src/render/index.js'
import { cellLimit, columnLetters, sheetName, XLSX_MAX_CELL_TEXT } from '../../src/render/xlsx-format.js'
import { ExcelJS, readSheet, sheetValues, xlsxBytes, xlsxPart } from '../helpers/xlsx.js'

/**
 * Issue 16: `--format xlsx` and the view's XLSX download. Each file is opened by exceljs, which
 * Quarry's writer does not use, and checked as a spreadsheet program would see it.
 */

const { ValueType } = ExcelJS

/** The cell in row 2 under `column`, for a one-row result. */
async function onlyCell(value: unknown): Promise<ExcelJS.Cell> {
  const sheet = await readSheet(await xlsxBytes([{ value }]))
  return sheet.getRow(2).getCell(1)
}

async function* slowly(rows: readonly Row[]): AsyncIterable<Row> {
  for (const row of rows) {
    await Promise.resolve()
    yield row
  }
}

describe('XLSX cells follow the value mapping (src/render/README.md)', () => {
  it('writes numbers as numbers, booleans as booleans', async () => {
    for (const value of [3, -5, 0.1, 12.5, 1e21, -1e-7, Number.MAX_SAFE_INTEGER]) {
      const cell = await onlyCell(value)
      expect(cell.type, String(value)).toBe(ValueType.Number)
      expect(cell.value).toBe(value)
    }
    expect((await onlyCell(42n)).value).toBe(42)
    expect((await onlyCell(true)).type).toBe(ValueType.Boolean)
    expect((await onlyCell(true)).value).toBe(true)
    expect((await onlyCell(false)).value).toBe(false)
  })

  it('keeps digits a double would lose as text: big integers and exact decimals SQL gives as strings', async () => {
    for (const value of [
      '9223372036854775807',
      '-9223372036854775808',
      '12345678901234567890.1',
      '-0.0000000001',
    ]) {
      const cell = await onlyCell(value)
      expect(cell.type, value).toBe(ValueType.String)
      expect(cell.value).toBe(value)
    }
    const big = await onlyCell(9007199254740993n)
    expect(big.type).toBe(ValueType.String)
    expect(big.value).toBe('9007199254740993')
  })

  it('writes ISO dates and timestamps as date cells with a date format', async () => {
    const cases: [string, string, string][] = [
      ['2026-01-15', '2026-01-15T00:00:00.000Z', 'yyyy-mm-dd'],
      ['2026-01-15T10:30:00', '2026-01-15T10:30:00.000Z', 'yyyy-mm-dd hh:mm:ss'],
      // Excel keeps milliseconds at most: finer fractions are rounded.
      ['2026-01-15T10:30:00.123456', '2026-01-15T10:30:00.123Z', 'yyyy-mm-dd hh:mm:ss.000'],
      ['2026-01-15T08:30:00.123456Z', '2026-01-15T08:30:00.123Z', 'yyyy-mm-dd hh:mm:ss.000'],
      // An offset is taken to UTC: a cell has no time zone.
      ['2026-01-15T10:30:00.000+02:00', '2026-01-15T08:30:00.000Z', 'yyyy-mm-dd hh:mm:ss'],
      ['2026-01-15T10:30:00.000-0530', '2026-01-15T16:00:00.000Z', 'yyyy-mm-dd hh:mm:ss'],
      ['1900-03-01', '1900-03-01T00:00:00.000Z', 'yyyy-mm-dd'],
      ['9999-12-31T23:59:59', '9999-12-31T23:59:59.000Z', 'yyyy-mm-dd hh:mm:ss'],
    ]
    for (const [text, instant, format] of cases) {
      const cell = await onlyCell(text)
      expect(cell.type, text).toBe(ValueType.Date)
      expect((cell.value as Date).toISOString(), text).toBe(instant)
      expect(cell.numFmt, text).toBe(format)
    }
    const date = await onlyCell(new Date(Date.UTC(2026, 5, 1, 12)))
    expect(date.type).toBe(ValueType.Date)
    expect((date.value as Date).toISOString()).toBe('2026-06-01T12:00:00.000Z')
  })

  it('keeps as text what is not a date Excel can show', async () => {
    expect((await onlyCell(new Date(Date.UTC(1850, 0, 1)))).value).toBe('1850-01-01T00:00:00.000Z')
    expect((await onlyCell('0050-01-01')).value).toBe('0050-01-01')
    // Impossible dates, Excel's wrong 1900-02-29 era and before, times alone, intervals, other shapes.
    for (const text of [
      '2026-02-30',
      '2026-13-01',
      '1899-12-31',
      '1900-02-28',
      '10:30:00',
      '-1 mons',
      '2026-01-15 10:30',
      '20260115',
    ]) {
      const cell = await onlyCell(text)
      expect(cell.type, text).toBe(ValueType.String)
      expect(cell.value, text).toBe(text)
    }
  })

  it('writes JSON values as their text, as CSV does, and null, NaN and ±Infinity as empty cells', async () => {
    expect((await onlyCell({ a: [1, 'x'] })).value).toBe('{"a":[1,"x"]}')
    expect((await onlyCell([{ id: 1 }])).value).toBe('[{"id":1}]')
    expect((await onlyCell(['backend', 'urgent'])).value).toBe('backend, urgent')
    for (const value of [null, undefined, Number.NaN, Infinity, '']) {
      const cell = await onlyCell(value)
      expect(cell.type, String(value)).toBe(ValueType.Null)
    }
  })
})

describe('the XLSX sheet', () => {
  const rows = [
    { key: 'QA-1', summary: 'Fix the login page', points: 3, done: false },
    { key: 'QA-2', summary: null, points: 13, done: true },
    { key: 'QA-3', summary: 'x'.repeat(200), points: 1.5 },
  ]

  it('has a bold header row, frozen, above the rows in order', async () => {
    const sheet = await readSheet(await xlsxBytes(rows))
    expect(sheetValues(sheet)).toEqual([
      ['key', 'summary', 'points', 'done'],
      ['QA-1', 'Fix the login page', 3, false],
      ['QA-2', undefined, 13, true],
      ['QA-3', 'x'.repeat(200), 1.5],
    ])
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true)
    expect(sheet.getRow(2).getCell(1).font?.bold).toBeFalsy()
    expect(sheet.views).toEqual([
      expect.objectContaining({ state: 'frozen', ySplit: 1, xSplit: 0, topLeftCell: 'A2' }),
    ])
  })

  it('sizes each column from its header and cells, within 6 to 60', async () => {
    const sheet = await readSheet(
      await xlsxBytes([
        {
          id: 1,
          wide: '日本語のテキスト',
          title: 'Fix the login page',
          long: 'y'.repeat(500),
          when: '2026-01-15T10:30:00Z',
        },
      ]),
    )
    // Two for the margins; wide characters count twice, as terminals and Excel show them.
    expect(sheet.columns.map((column) => column.width)).toEqual([6, 18, 20, 60, 21])
  })

  it('takes the widths from the first rows of a stream, and the columns given', async () => {
    const many = Array.from({ length: COLUMN_LOOKAHEAD + 10 }, (_, index) => ({
      n: index,
      text: index === COLUMN_LOOKAHEAD + 5 ? 'z'.repeat(40) : 'short',
    }))
    const sheet = await readSheet(await xlsxBytes(slowly(many), { columns: ['text', 'n'] }))
    expect(sheet.columns.map((column) => column.width)).toEqual([7, 6])
    expect(sheet.rowCount).toBe(many.length + 1)
    expect(sheetValues(sheet)[COLUMN_LOOKAHEAD + 6]).toEqual(['z'.repeat(40), COLUMN_LOOKAHEAD + 5])
  })

  it('is named after the query, within Excel’s rules', async () => {
    const sheet = await readSheet(
      await xlsxBytes(rows, { name: 'bugs [open]: a/b*c?d\\e & more than 31 chars' }),
    )
    expect(sheet.name).toBe('bugs _open__ a_b_c_d_e & more t')
    expect(sheetName(undefined)).toBe('Sheet1')
    expect(sheetName("'quoted'")).toBe('quoted')
    expect(sheetName('History')).toBe('Sheet1')
    expect(sheetName('a'.repeat(30) + '😀')).toBe('a'.repeat(30))
    expect(sheetName('tab\there')).toBe('tabhere')
  })

  it('is a valid workbook with no rows: a header only, or nothing at all', async () => {
    const header = await readSheet(await xlsxBytes([], { columns: ['key', 'points'] }))
    expect(sheetValues(header)).toEqual([['key', 'points']])
    const empty = await readSheet(await xlsxBytes([]))
    expect(empty.rowCount).toBe(0)
  })

  it('fails on a late column it cannot name in its header, like CSV', async () => {
    const many: Row[] = Array.from({ length: COLUMN_LOOKAHEAD + 1 }, (_, index) => ({ n: index }))
    many.push({ n: 0, late: 'x' })
    await expect(xlsxBytes(slowly(many))).rejects.toThrow(/Row 1002 has a column "late"/)
  })

  it('goes out while the rows still arrive', async () => {
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    let chunks = 0
    async function* source(): AsyncIterable<Row> {
      for (let index = 0; index < 20_000; index++)
        yield { index, text: `row ${index} ${(index * 7919) % 10007}` }
      // Every chunk so far must have been written before this point.
      expect(chunks).toBeGreaterThan(1)
      await held
    }
    const { writeFormat } = await import('../../src/render/index.js')
    const done = (async () => {
      for await (const _chunk of writeFormat('xlsx', source())) chunks++
    })()
    await expect.poll(() => chunks).toBeGreaterThan(1)
    release()
    await done
  })
})

describe('hostile cells', () => {
  it('never writes a formula: formula text reads back as that text, quote-prefixed', async () => {
    const formulas = ['=1+1', '@SUM(A1)', "-2+3+cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")']
    const bytes = await xlsxBytes([...formulas.map((text) => ({ text })), { text: '-1 mons' }], {
      columns: ['text'],
    })
    const sheet = await readSheet(bytes)
    for (const [index, text] of formulas.entries()) {
      const cell = sheet.getRow(index + 2).getCell(1)
      expect(cell.type).toBe(ValueType.String)
      expect(cell.value).toBe(text)
    }
    const xml = xlsxPart(bytes, 'xl/worksheets/sheet1.xml')
    expect(xml).not.toContain('<f>')
    expect(xml).not.toContain('<f ')
    // Excel's own "this is text" mark: on the formula cells (style 3), not on harmless text.
    expect(xml).toContain('<c r="A2" s="3" t="inlineStr">')
    expect(xml).toContain('<c r="A6" t="inlineStr">')
    const styles = xlsxPart(bytes, 'xl/styles.xml')
    const xfs = [...styles.split('<cellXfs')[1]!.matchAll(/<xf [^>]*>/g)].map(([xf]) => xf)
    expect(xfs[3]).toContain('quotePrefix="1"')
    expect(xfs[0]).not.toContain('quotePrefix')
  })

  it('replaces characters XML 1.0 cannot hold with U+FFFD, and keeps tab, CR and LF', async () => {
    const cell = await onlyCell('a\u0000b\u0001c\u001fd\ufffee\tf\r\ng')
    expect(cell.value).toBe('a\ufffdb\ufffdc\ufffdd\ufffde\tf\r\ng')
    expect((await onlyCell('lone \ud800 surrogate')).value).toBe('lone \ufffd surrogate')
  })

  it('writes text that looks like Excel’s _xHHHH_ escape escaped, so Excel shows it as it is', async () => {
    const bytes = await xlsxBytes([{ text: 'a_x0041_b' }])
    // ECMA-376 ST_Xstring: `_x005F_` is the `_`. (exceljs decodes the escape only in shared strings.)
    expect(xlsxPart(bytes, 'xl/worksheets/sheet1.xml')).toContain('<t>a_x005F_x0041_b</t>')
  })

  it('keeps every cell of rows whose UTF-8 is larger than a chunk of the sheet, multi-byte characters whole', async () => {
    // 3 bytes a character: one cell alone is more than the writer's 64 KB chunk buffer holds.
    const rows = Array.from({ length: 3 }, (_, index) => ({
      wide: `${index}${'€'.repeat(30_000)}`,
      mixed: `${'é😀'.repeat(5_000)}${index}`,
      number: index,
    }))
    const values = sheetValues(await readSheet(await xlsxBytes(rows)))
    expect(values.slice(1)).toEqual(rows.map((row) => [row.wide, row.mixed, row.number]))
  })

  it('cuts text past Excel’s 32,767 characters to 32,766 and an ellipsis, never inside a surrogate pair', async () => {
    const long = 'abc'.repeat(20_000)
    const cell = await onlyCell(long)
    expect(cell.value).toBe(`${long.slice(0, XLSX_MAX_CELL_TEXT - 1)}…`)
    expect((cell.value as string).length).toBe(XLSX_MAX_CELL_TEXT)
    const emoji = 'x' + '😀'.repeat(20_000)
    const cut = cellLimit(emoji)
    expect(cut.isWellFormed()).toBe(true)
    expect(cut.length).toBe(XLSX_MAX_CELL_TEXT - 1)
    expect(cut.endsWith('😀…')).toBe(true)
    expect(cellLimit('short')).toBe('short')
  })

  it('keeps emoji and other astral characters, markup characters and spaces exactly', async () => {
    for (const text of ['👍🏽 👨‍👩‍👧 🇩🇪', '𝄞 𠀀', '<b>&amp;</b> "quoted"', '  padded  ', ']]>'])
      expect((await onlyCell(text)).value, text).toBe(text)
  })

  it('names columns A to XFD', () => {
    expect([0, 25, 26, 27, 701, 702, 16_383].map(columnLetters)).toEqual([
      'A',
      'Z',
      'AA',
      'AB',
      'ZZ',
      'AAA',
      'XFD',
    ])
  })
})
