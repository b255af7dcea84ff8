import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { rowsOf } from './fixtures.js'

const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

const DESCRIPTION = {
  version: 1,
  type: 'doc',
  content: [
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Fix ' },
        { type: 'text', text: '<b>', marks: [{ type: 'strong' }] },
      ],
    },
  ],
}

/** A converter that applies `expression` (of `d`, the page's description) to the one page. */
const applying = (expression: string): string =>
  `function convert(json) {\n  const d = JSON.parse(json).description\n  return [{ out: ${expression} }]\n}`

describe('the helpers are globals inside the sandbox', () => {
  const page = JSON.stringify({ description: DESCRIPTION })

  it('adfToText', async () => {
    expect(await rowsOf(pool, applying('adfToText(d)'), [page])).toEqual([{ out: 'Fix <b>' }])
  })

  it('adfToMarkdown', async () => {
    expect(await rowsOf(pool, applying('adfToMarkdown(d)'), [page])).toEqual([{ out: 'Fix **\\<b\\>**' }])
  })

  it('adfToHtml', async () => {
    expect(await rowsOf(pool, applying('adfToHtml(d)'), [page])).toEqual([
      { out: '<p>Fix <strong>&lt;b&gt;</strong></p>' },
    ])
  })

  it('formatDate', async () => {
    const source = "function convert() { return [{ out: formatDate('2026-01-15T10:30:00.000+0000') }] }"
    expect(await rowsOf(pool, source)).toEqual([{ out: '2026-01-15 10:30' }])
  })

  it('may be shadowed by a converter of its own', async () => {
    const source =
      "const formatDate = () => 'mine'\nfunction convert() { return [{ out: formatDate('2026-01-15') }] }"
    expect(await rowsOf(pool, source)).toEqual([{ out: 'mine' }])
  })
})
