/**
 * A strict RFC 4180 reader for tests that compare CSV from two programs: each field with whether
 * it was quoted (psql writes NULL as an unquoted empty field and '' as `""`).
 *
 * @example parseCsvFields('a,"b"\r\n') // [[{ text: 'a', quoted: false }, { text: 'b', quoted: true }]]
 */
export interface CsvField {
  readonly text: string
  readonly quoted: boolean
}

export function parseCsvFields(csv: string): CsvField[][] {
  const records: CsvField[][] = []
  let record: CsvField[] = []
  let i = 0
  const endOfField = () => i >= csv.length || csv[i] === ',' || csv[i] === '\n' || csv[i] === '\r'
  while (i < csv.length) {
    let text = ''
    let quoted = false
    if (csv[i] === '"') {
      quoted = true
      i++
      for (;;) {
        if (i >= csv.length) throw new Error('unterminated quoted field')
        if (csv[i] === '"') {
          if (csv[i + 1] === '"') {
            text += '"'
            i += 2
            continue
          }
          i++
          break
        }
        text += csv[i++]
      }
      if (!endOfField()) throw new Error(`text after a closing quote at ${i}`)
    } else {
      while (!endOfField()) {
        if (csv[i] === '"') throw new Error(`a quote inside an unquoted field at ${i}`)
        text += csv[i++]
      }
    }
    record.push({ text, quoted })
    if (csv[i] === ',') {
      i++
      continue
    }
    if (csv[i] === '\r') i++
    if (csv[i] === '\n') i++
    records.push(record)
    record = []
  }
  if (record.length > 0) records.push(record)
  return records
}
