import { describe, it } from 'vitest'
import { FORMATS, formatNamed, render } from '../../src/render/index.js'
import type { FormatName } from '../../src/render/index.js'
import { CASES, WIDE } from './cases.js'
import { expectGolden } from './golden.js'

const EXTENSION: Readonly<Record<FormatName, string>> = {
  table: 'txt',
  json: 'json',
  csv: 'csv',
  ndjson: 'ndjson',
  html: 'html',
}
/** XLSX is bytes, checked by a reader instead (test/render/xlsx-format.test.ts). */
const TEXT_FORMATS = FORMATS.filter((format) => !formatNamed(format).binary)

describe('golden files', () => {
  for (const format of TEXT_FORMATS) {
    describe(format, () => {
      for (const [name, rows] of Object.entries(CASES)) {
        it(`renders the ${name} rows`, () => {
          expectGolden(`${name}.${EXTENSION[format]}`, render(format, rows, { title: `Quarry: ${name}` }))
        })
      }
    })
  }

  for (const width of [40, 80]) {
    it(`fits a wide table into ${width} columns`, () => {
      expectGolden(`wide-${width}.txt`, render('table', WIDE, { width }))
    })
    it(`fits CJK text into ${width} columns`, () => {
      expectGolden(`unicode-${width}.txt`, render('table', CASES.unicode ?? [], { width }))
    })
  }

  it('truncates hostile cells at 40 columns without letting any escape through', () => {
    expectGolden('hostile-40.txt', render('table', CASES.hostile ?? [], { width: 40 }))
  })

  it('makes table headers bold when asked for colour', () => {
    expectGolden('simple-color.txt', render('table', CASES.simple ?? [], { color: true }))
  })

  it('renders only the chosen columns, in their order', () => {
    const columns = ['points', 'key', 'missing']
    expectGolden('columns.csv', render('csv', CASES.simple ?? [], { columns }))
    expectGolden('columns.txt', render('table', CASES.simple ?? [], { columns }))
    expectGolden('columns.ndjson', render('ndjson', CASES.simple ?? [], { columns }))
  })
})
