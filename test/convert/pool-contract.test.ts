import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { EXAMPLE_CONVERTER, doc, failureOf, input, rowsOf, searchPage } from './fixtures.js'

const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

describe('the converter contract', () => {
  it("runs the guide's converter verbatim", async () => {
    expect(await rowsOf(pool, EXAMPLE_CONVERTER, [searchPage(1, 2)])).toEqual([
      { 'Issue Key': 'DEMO-1', Description: doc('About 1') },
      { 'Issue Key': 'DEMO-2', Description: doc('About 2') },
    ])
  })

  it('calls convert once per page and concatenates the rows in page order', async () => {
    const pages = [searchPage(1, 2, false), searchPage(3, 1, false), searchPage(4, 2)]
    const rows = (await rowsOf(pool, EXAMPLE_CONVERTER, pages)) as { 'Issue Key': string }[]
    expect(rows.map((row) => row['Issue Key'])).toEqual(['DEMO-1', 'DEMO-2', 'DEMO-3', 'DEMO-4', 'DEMO-5'])
  })

  it('passes the metadata with the page index and the number of pages', async () => {
    const result = await pool.run(
      input('function convert(json, metadata) { return [metadata] }', ['{}', '{}'], {
        metadata: { query: 'open-bugs', parameters: { project: 'DEMO' } },
      }),
    )
    expect(JSON.parse(result.rowsJson)).toEqual([
      { query: 'open-bugs', parameters: { project: 'DEMO' }, page: 0, pages: 2 },
      { query: 'open-bugs', parameters: { project: 'DEMO' }, page: 1, pages: 2 },
    ])
  })

  it('gives no rows for no pages', async () => {
    expect(await pool.run(input('function convert() { return [{ a: 1 }] }', []))).toEqual({
      rowsJson: '[]',
      rowCount: 0,
    })
  })

  it('accepts convert defined as a top-level const arrow function', async () => {
    expect(await rowsOf(pool, 'const convert = (json) => [{ length: json.length }]', ['abc'])).toEqual([
      { length: 3 },
    ])
  })

  it('does not let one run see the globals of another', async () => {
    await rowsOf(pool, 'globalThis.leaked = 42; function convert() { return [] }')
    expect(await rowsOf(pool, 'function convert() { return [{ seen: typeof leaked }] }')).toEqual([
      { seen: 'undefined' },
    ])
  })

  it('fails when the source defines no convert function', async () => {
    const error = await failureOf(pool, input('function transform(json) { return [] }'))
    expect(error.kind).toBe('contract')
    expect(error.message).toBe('The converter must define function convert(json, metadata)')
  })

  it('names what came back when convert does not return an array', async () => {
    const error = await failureOf(pool, input('function convert(json) { return json }'))
    expect(error.kind).toBe('contract')
    expect(error.message).toBe('convert() returned a string, expected an array of row objects')
  })

  it('names the item and page when a row is not an object', async () => {
    const error = await failureOf(pool, input('function convert() { return [{ a: 1 }, 7] }', ['{}', '{}']))
    expect(error.message).toBe(
      'convert() returned an array whose item 1 is a number for page 1 of 2, expected row objects',
    )
  })

  it('says that convert must not be async', async () => {
    const error = await failureOf(pool, input('async function convert() { return [] }'))
    expect(error.message).toMatch(/^convert\(\) returned a Promise/)
  })

  it('keeps the rows valid JSON even if the converter replaces JSON.stringify', async () => {
    const source = "function convert() { JSON.stringify = () => 'garbage'; return [{ a: 1 }] }"
    expect(await rowsOf(pool, source)).toEqual([{ a: 1 }])
  })

  it('never calls a toJSON the converter adds to Array.prototype', async () => {
    const source = "function convert() { Array.prototype.toJSON = () => 'x'; return [{ a: [1] }] }"
    expect(await rowsOf(pool, source)).toEqual([{ a: [1] }])
  })
})

describe('converter errors point into the source', () => {
  it('gives the line of a syntax error', async () => {
    const error = await failureOf(pool, input('function convert(json) {\n  return )\n}'))
    expect(error.kind).toBe('syntax')
    expect(error.line).toBe(2)
    expect(error.message).toBe("Converter has a syntax error at line 2: Unexpected token ')'")
  })

  it('gives the line and column of a thrown error', async () => {
    const source =
      'function convert(json) {\n  const parsed = JSON.parse(json)\n  return parsed.issues.map((i) => i.key)\n}'
    const error = await failureOf(pool, input(source, ['{}']))
    expect(error.kind).toBe('runtime')
    expect([error.line, error.column]).toEqual([3, 24])
    expect(error.message).toBe(
      "Converter failed at line 3, column 24: TypeError: Cannot read properties of undefined (reading 'map')",
    )
  })

  it('names the page a run failed on', async () => {
    const source =
      'function convert(json) {\n  return JSON.parse(json).issues.map((i) => ({ key: i.key }))\n}'
    const error = await failureOf(pool, input(source, [searchPage(1, 1), '<html>', searchPage(2, 1)]))
    expect(error.message).toMatch(/^Converter failed at line 2, column \d+ \(page 2 of 3\): SyntaxError: /)
  })

  it('says how to get a line when a converter throws a string', async () => {
    const error = await failureOf(pool, input("function convert() { throw 'boom' }"))
    expect(error.message).toBe('Converter failed: threw "boom" (throw an Error to see the line)')
  })
})
