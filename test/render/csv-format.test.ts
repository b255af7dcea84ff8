import { describe, expect, it } from 'vitest'
import { csvField } from '../../src/render/csv-format.js'
import { render } from '../../src/render/index.js'
import type { Row } from '../../src/render/index.js'
import { CASES } from './cases.js'

/** A strict RFC 4180 reader: records end in CRLF, quoted fields may hold anything. */
function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let fields: string[] = []
  let i = 0
  while (i < text.length) {
    let field = ''
    if (text[i] === '"') {
      i++
      for (;;) {
        const quote = text.indexOf('"', i)
        if (quote < 0) throw new Error('unterminated quoted field')
        field += text.slice(i, quote)
        i = quote + 1
        if (text[i] !== '"') break
        field += '"'
        i++
      }
    } else {
      const end = text.slice(i).search(/,|\r\n/)
      field = end < 0 ? text.slice(i) : text.slice(i, i + end)
      if (/["\r\n]/.test(field))
        throw new Error(`bare quote or line break in unquoted field ${JSON.stringify(field)}`)
      i += field.length
    }
    fields.push(field)
    if (text.startsWith(',', i)) {
      i++
    } else if (text.startsWith('\r\n', i)) {
      i += 2
      records.push(fields)
      fields = []
    } else {
      throw new Error(`expected , or CRLF at ${i}, found ${JSON.stringify(text.slice(i, i + 5))}`)
    }
  }
  if (fields.length > 0) throw new Error('last record not terminated by CRLF')
  return records
}

describe('csv', () => {
  it('writes a header, then one CRLF-terminated record per row', () => {
    expect(render('csv', [{ key: 'QA-1', points: 3 }, { key: 'QA-2' }])).toBe(
      'key,points\r\nQA-1,3\r\nQA-2,\r\n',
    )
  })

  it('quotes fields with a quote, comma, CR or LF, doubling the quotes', () => {
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('a\nb')).toBe('"a\nb"')
    expect(csvField('a\rb')).toBe('"a\rb"')
    expect(csvField('plain text')).toBe('plain text')
    expect(csvField('')).toBe('')
  })

  it('quotes fields with leading or trailing spaces', () => {
    expect(csvField(' lead')).toBe('" lead"')
    expect(csvField('trail ')).toBe('"trail "')
  })

  it.each([
    '=1+1',
    '@SUM(A1)',
    '\tx',
    '\rx',
    "-2+3+cmd|' /C calc'!A0",
    '+HYPERLINK("http://evil.example")',
    '-SUM(A1:A9)',
    "+'C:\\x\\[book.xlsx]Sheet1'!A1",
  ])('prefixes %j with an apostrophe against formula injection', (text) => {
    expect(parseCsv(render('csv', [{ a: text }]))[1]?.[0]).toBe(`'${text}`)
  })

  it('never prefixes real numbers', () => {
    expect(render('csv', [{ n: -5, f: -0.25, b: -10n }])).toBe('n,f,b\r\n-5,-0.25,-10\r\n')
  })

  // Issue 12: the guard changed data — a negative BIGINT (text beyond 2^53) or an interval came out with a `'`.
  it.each([
    '-5',
    '-9223372036854775808',
    '-0.0000000001',
    '+1',
    '-1 mons',
    '-1 days -02:03:04',
    '-178000000 years',
    '+02:00',
    '-infinity',
    '-2+3',
    '-1, 2, 3',
  ])(
    'leaves %j as it is: a sign followed only by digits, letters, spaces, ".", ",", ":", "+", "-" calls nothing',
    (text) => {
      expect(parseCsv(render('csv', [{ a: text }]))[1]?.[0]).toBe(text)
    },
  )

  it('guards column names like any other text', () => {
    expect(render('csv', [{ '=cmd': 1 }])).toBe("'=cmd\r\n1\r\n")
  })

  it('writes UTF-8 text without a byte order mark', () => {
    const text = render('csv', CASES.unicode ?? [])
    expect(text.charCodeAt(0)).not.toBe(0xfeff)
    expect(parseCsv(text)[1]).toEqual(['Japanese', '日本語のテキスト', '1', ''])
  })

  it('reads back every hostile value (minus the injection prefix) with a strict RFC 4180 parser', () => {
    const rows = CASES.hostile ?? []
    const records = parseCsv(render('csv', rows))
    expect(records).toHaveLength(rows.length + 1)
    const values = records.slice(1).map((record) => record[1])
    // `+1+1` and `-2+3` only add: they are left as they are (a sign, digits and operators call nothing).
    const guarded = new Set(['formula =', 'formula @', 'leading tab', 'leading CR'])
    const expected = rows.map((row) => {
      const value = row.value
      if (value === undefined) return ''
      const text = String(value)
      return guarded.has(String(row.case)) ? `'${text}` : text
    })
    expect(values).toEqual(expected)
  })

  it('writes the chosen columns only, empty where a row lacks one', () => {
    expect(render('csv', [{ a: 1, b: 2, c: 3 }], { columns: ['c', 'x', 'a'] })).toBe('c,x,a\r\n3,,1\r\n')
  })

  it('reads a row’s own keys only, even for prototype names', () => {
    const rows: Row[] = [{ key: 'QA-1' }, JSON.parse('{"__proto__":"p","constructor":"c"}') as Row]
    expect(render('csv', rows)).toBe('key,__proto__,constructor\r\nQA-1,,\r\n,p,c\r\n')
  })

  it('writes only the header for no rows with columns, and nothing for no rows without', () => {
    expect(render('csv', [], { columns: ['a', 'b'] })).toBe('a,b\r\n')
    expect(render('csv', [])).toBe('')
  })
})
