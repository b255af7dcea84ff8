/**
 * Reading XLSX files back in tests with libraries Quarry's writer does not use: exceljs opens the
 * workbook as a spreadsheet program would (cells, types, views, widths), fflate unzips a part to
 * look at its XML where exceljs says nothing (a style's quote prefix, that no formula is written).
 */
import { Readable } from 'node:stream'
import ExcelJS from 'exceljs'
import { expect } from 'vitest'
import { strFromU8, unzipSync } from 'fflate'
import { writeFormat, type RenderOptions, type RowSource } from '../../src/render/index.js'

/** All chunks of a format's output, as one buffer. */
export async function xlsxBytes(rows: RowSource, options: RenderOptions = {}): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of writeFormat('xlsx', rows, options)) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

/** The workbook's only sheet, as exceljs reads it. */
export async function readSheet(bytes: Uint8Array): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.read(Readable.from([bytes]))
  expect(workbook.worksheets).toHaveLength(1)
  return workbook.worksheets[0] as ExcelJS.Worksheet
}

/** One part of the package (`xl/styles.xml`) as text. */
export function xlsxPart(bytes: Uint8Array, path: string): string {
  const part = unzipSync(bytes, { filter: (file) => file.name === path })[path]
  if (part === undefined) throw new Error(`The file has no part ${path}.`)
  return strFromU8(part)
}

/** The cell values of a sheet's rows, from row 1 (exceljs's `values` start at column 1). */
export function sheetValues(sheet: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = []
  sheet.eachRow({ includeEmpty: true }, (row, number) => {
    rows[number - 1] = (row.values as unknown[]).slice(1)
  })
  return rows
}

export { ExcelJS }
