import { describe, expect, it } from 'vitest'
import { adf } from '../../src/convert/sandbox/in-process.js'

type Node = Record<string, unknown>
const text = (value: string, marks?: Node[]): Node =>
  marks ? { type: 'text', text: value, marks } : { type: 'text', text: value }
const paragraph = (...content: Node[]): Node => ({ type: 'paragraph', content })
const doc = (...content: Node[]): Node => ({ version: 1, type: 'doc', content })
const item = (...content: Node[]): Node => ({ type: 'listItem', content })
const bullets = (...items: Node[]): Node => ({ type: 'bulletList', content: items })
const link = (href: string): Node => ({ type: 'link', attrs: { href } })
const mention: Node = { type: 'mention', attrs: { id: '712020:abc', text: '@Alice Andersen' } }
const STRONG = { type: 'strong' }

describe('adfToText', () => {
  it('separates blocks with a blank line and drops marks', () => {
    expect(
      adf.adfToText(doc(paragraph(text('Hello '), text('world', [STRONG])), paragraph(text('Bye')))),
    ).toBe('Hello world\n\nBye')
  })

  it('puts list items on their own lines, nested ones indented', () => {
    const nested = bullets(
      item(paragraph(text('a')), bullets(item(paragraph(text('a1'))))),
      item(paragraph(text('b'))),
    )
    expect(adf.adfToText(doc(nested))).toBe('- a\n  - a1\n- b')
  })

  it('shows mentions by name and hard breaks as newlines', () => {
    expect(adf.adfToText(doc(paragraph(text('Hi'), { type: 'hardBreak' }, mention)))).toBe(
      'Hi\n@Alice Andersen',
    )
  })

  it('accepts the JSON text of a doc, passes a plain string through, and gives empty text for null', () => {
    expect(adf.adfToText(JSON.stringify(doc(paragraph(text('json')))))).toBe('json')
    expect(adf.adfToText('v2 *wiki* text')).toBe('v2 *wiki* text')
    expect(adf.adfToText(null)).toBe('')
  })

  it('renders the children of node types it does not know', () => {
    expect(adf.adfToText(doc({ type: 'futureBlock', content: [paragraph(text('inside'))] }))).toBe('inside')
  })
})

describe('adfToMarkdown', () => {
  it('writes headings, emphasis, code and lists', () => {
    const markdown = adf.adfToMarkdown(
      doc(
        { type: 'heading', attrs: { level: 2 }, content: [text('Steps')] },
        paragraph(text('bold', [STRONG]), text(' and '), text('x()', [{ type: 'code' }])),
        { type: 'orderedList', content: [item(paragraph(text('one'))), item(paragraph(text('two')))] },
      ),
    )
    expect(markdown).toBe('## Steps\n\n**bold** and `x()`\n\n1. one\n2. two')
  })

  it('escapes characters that would start markup', () => {
    expect(adf.adfToMarkdown(doc(paragraph(text('*not bold* [x] <b>'))))).toBe(
      '\\*not bold\\* \\[x\\] \\<b\\>',
    )
  })

  it('keeps http links and drops javascript: ones to their text', () => {
    const md = adf.adfToMarkdown(
      doc(
        paragraph(
          text('site', [link('https://example.com/a b')]),
          text(' '),
          text('evil', [link('javascript:alert(1)')]),
        ),
      ),
    )
    expect(md).toBe('[site](https://example.com/a%20b) evil')
  })

  it('fences code blocks longer than any fence inside them', () => {
    const code = { type: 'codeBlock', attrs: { language: 'js' }, content: [text('a ~~~ b')] }
    expect(adf.adfToMarkdown(doc(code))).toBe('~~~~js\na ~~~ b\n~~~~')
  })

  it('writes tables as GFM tables', () => {
    const cell = (type: string, value: string): Node => ({ type, content: [paragraph(text(value))] })
    const table = {
      type: 'table',
      content: [
        { type: 'tableRow', content: [cell('tableHeader', 'Key'), cell('tableHeader', 'Status')] },
        { type: 'tableRow', content: [cell('tableCell', 'DEMO-1'), cell('tableCell', 'Done')] },
      ],
    }
    expect(adf.adfToMarkdown(doc(table))).toBe('| Key | Status |\n| --- | --- |\n| DEMO-1 | Done |')
  })
})

describe('adfToHtml', () => {
  it('escapes all text', () => {
    expect(adf.adfToHtml(doc(paragraph(text(`<script>alert("x")</script> & 'q'`))))).toBe(
      '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</p>',
    )
  })

  it('links only http, https and mailto targets', () => {
    const html = adf.adfToHtml(
      doc(
        paragraph(
          text('ok', [link('https://example.com/?a=1&b="2"')]),
          text('mail', [link('mailto:a@example.com')]),
          text('no', [link('java\tscript:alert(1)')]),
          text('data', [link('data:text/html,<b>')]),
        ),
      ),
    )
    expect(html).toBe(
      '<p><a href="https://example.com/?a=1&amp;b=&quot;2&quot;" rel="nofollow noreferrer">ok</a>' +
        '<a href="mailto:a@example.com" rel="nofollow noreferrer">mail</a>nodata</p>',
    )
  })

  it('renders lists, code blocks and mentions', () => {
    const html = adf.adfToHtml(
      doc(
        bullets(item(paragraph(text('a')))),
        { type: 'codeBlock', attrs: { language: 'sql' }, content: [text('select 1 < 2')] },
        paragraph(mention),
      ),
    )
    expect(html).toBe(
      '<ul><li>a</li></ul>\n<pre><code class="language-sql">select 1 &lt; 2</code></pre>\n' +
        '<p><span class="mention" data-account-id="712020:abc">@Alice Andersen</span></p>',
    )
  })

  it('escapes a plain string', () => {
    expect(adf.adfToHtml('a < b')).toBe('a &lt; b')
  })
})
