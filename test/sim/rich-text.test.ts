import { describe, expect, it } from 'vitest'
import {
  bulletList,
  codeBlock,
  doc,
  heading,
  orderedList,
  paragraph,
  text,
} from '../../src/sim/data/adf-build.js'
import { generateWorld } from '../../src/sim/data/generate.js'
import type { AdfDoc, AdfMark, AdfNode } from '../../src/sim/data/model.js'
import { adfToHtml, adfToPlainText, adfToWiki, escapeHtml, safeHref } from '../../src/sim/data/rich-text.js'

const STRONG: AdfMark = { type: 'strong' }
const EM: AdfMark = { type: 'em' }
const CODE: AdfMark = { type: 'code' }
const link = (href: string): AdfMark => ({ type: 'link', attrs: { href } })
const mention: AdfNode = {
  type: 'mention',
  attrs: { id: '712020:abc', text: '@Alice Andersen', accessLevel: '' },
}
const hardBreak: AdfNode = { type: 'hardBreak' }
const para = (...content: AdfNode[]): AdfDoc => doc(paragraph(content))

describe('adfToPlainText', () => {
  it('joins blocks with a blank line and drops marks', () => {
    expect(
      adfToPlainText(doc(paragraph([text('Hello '), text('world', [STRONG])]), heading(2, 'Next'))),
    ).toBe('Hello world\n\nNext')
  })

  it('renders a hard break as a newline and a mention as its @name', () => {
    expect(adfToPlainText(para(text('Hi'), hardBreak, mention))).toBe('Hi\n@Alice Andersen')
  })

  it('puts list items on their own lines, numbered for ordered lists', () => {
    expect(adfToPlainText(doc(bulletList([[text('a')], [text('b')]])))).toBe('- a\n- b')
    expect(adfToPlainText(doc(orderedList([[text('a')], [text('b')]])))).toBe('1. a\n2. b')
  })

  it('indents nested lists', () => {
    const nested: AdfNode = {
      type: 'bulletList',
      content: [{ type: 'listItem', content: [paragraph([text('a')]), orderedList([[text('b')]])] }],
    }
    expect(adfToPlainText(doc(nested))).toBe('- a\n  1. b')
  })

  it('keeps code block text verbatim', () => {
    expect(adfToPlainText(doc(codeBlock('js', 'if (a < b) {\n  go()\n}')))).toBe('if (a < b) {\n  go()\n}')
  })

  it('returns an empty string for an empty document', () => {
    expect(adfToPlainText(doc())).toBe('')
  })
})

describe('adfToWiki', () => {
  it('renders strong as *bold*', () => {
    expect(adfToWiki(para(text('bold', [STRONG])))).toBe('*bold*')
  })

  it('renders em as _italic_', () => {
    expect(adfToWiki(para(text('italic', [EM])))).toBe('_italic_')
  })

  it('renders code as {{code}}', () => {
    expect(adfToWiki(para(text('npm test', [CODE])))).toBe('{{npm test}}')
  })

  it('renders a link as [text|url], or [url] when the text is the url', () => {
    expect(adfToWiki(para(text('docs', [link('https://example.com/a')])))).toBe(
      '[docs|https://example.com/a]',
    )
    expect(adfToWiki(para(text('https://example.com', [link('https://example.com')])))).toBe(
      '[https://example.com]',
    )
  })

  it('nests marks with the link outermost and code innermost', () => {
    expect(adfToWiki(para(text('x', [link('https://e.com'), CODE, STRONG])))).toBe('[*{{x}}*|https://e.com]')
  })

  it('moves surrounding spaces outside emphasis', () => {
    expect(adfToWiki(para(text('a'), text(' bold ', [STRONG]), text('b')))).toBe('a *bold* b')
  })

  it('keeps only the text of a link with an unsafe scheme', () => {
    expect(adfToWiki(para(text('click', [link('javascript:alert(1)')])))).toBe('click')
  })

  it('percent-encodes characters that would end a link early', () => {
    expect(adfToWiki(para(text('q', [link('https://e.com/?a=[1]|b c')])))).toBe(
      '[q|https://e.com/?a=%5B1%5D%7Cb%20c]',
    )
  })

  it('renders headings as hN.', () => {
    expect(adfToWiki(doc(heading(2, 'Steps'), heading(4, 'Small')))).toBe('h2. Steps\n\nh4. Small')
  })

  it('renders bullet lists with * and ordered lists with #', () => {
    expect(adfToWiki(doc(bulletList([[text('a')], [text('b')]])))).toBe('* a\n* b')
    expect(adfToWiki(doc(orderedList([[text('a')], [text('b')]])))).toBe('# a\n# b')
  })

  it('prefixes nested list items with their parents markers', () => {
    const nested: AdfNode = {
      type: 'bulletList',
      content: [{ type: 'listItem', content: [paragraph([text('a')]), orderedList([[text('b')]])] }],
    }
    expect(adfToWiki(doc(nested))).toBe('* a\n*# b')
  })

  it('renders code blocks as {code:language}', () => {
    expect(adfToWiki(doc(codeBlock('java', 'x = 1;')))).toBe('{code:java}\nx = 1;\n{code}')
    expect(adfToWiki(doc(codeBlock(null, 'plain')))).toBe('{code}\nplain\n{code}')
  })

  it('renders mentions as [~accountid:…]', () => {
    expect(adfToWiki(para(text('ping '), mention))).toBe('ping [~accountid:712020:abc]')
  })

  it('renders a hard break as a newline', () => {
    expect(adfToWiki(para(text('a'), hardBreak, text('b')))).toBe('a\nb')
  })

  it('escapes characters that would start markup in plain text', () => {
    expect(adfToWiki(para(text('a*b*c {x} [y] under_score')))).toBe('a\\*b\\*c \\{x\\} \\[y\\] under\\_score')
  })

  it('separates paragraphs with a blank line', () => {
    expect(adfToWiki(doc(paragraph([text('one')]), paragraph([text('two')])))).toBe('one\n\ntwo')
  })
})

describe('adfToHtml', () => {
  it('wraps paragraphs in <p>', () => {
    expect(adfToHtml(doc(paragraph([text('one')]), paragraph([text('two')])))).toBe('<p>one</p>\n<p>two</p>')
  })

  it('renders strong as <b>, em as <em> and code as <tt>', () => {
    expect(adfToHtml(para(text('b', [STRONG]), text('i', [EM]), text('c', [CODE])))).toBe(
      '<p><b>b</b><em>i</em><tt>c</tt></p>',
    )
  })

  it('renders links as external anchors', () => {
    expect(adfToHtml(para(text('docs', [link('https://example.com/a')])))).toBe(
      '<p><a href="https://example.com/a" class="external-link" rel="nofollow noreferrer">docs</a></p>',
    )
  })

  it('renders headings with their level', () => {
    expect(adfToHtml(doc(heading(3, 'Steps')))).toBe('<h3>Steps</h3>')
  })

  it('renders bullet lists as <ul><li>', () => {
    expect(adfToHtml(doc(bulletList([[text('a')], [text('b')]])))).toBe('<ul>\n<li>a</li>\n<li>b</li>\n</ul>')
  })

  it('renders ordered lists as <ol>, with start when not counting from 1', () => {
    expect(adfToHtml(doc(orderedList([[text('a')]])))).toBe('<ol>\n<li>a</li>\n</ol>')
    const fromThree: AdfNode = { ...orderedList([[text('c')]]), attrs: { order: 3 } }
    expect(adfToHtml(doc(fromThree))).toBe('<ol start="3">\n<li>c</li>\n</ol>')
  })

  it('renders code blocks in a <pre> with a language class', () => {
    const html = adfToHtml(doc(codeBlock('java', 'x = 1;')))
    expect(html).toContain('<pre class="code-java">x = 1;</pre>')
    expect(adfToHtml(doc(codeBlock(null, 'x')))).toContain('<pre>x</pre>')
  })

  it('renders a hard break as <br/>', () => {
    expect(adfToHtml(para(text('a'), hardBreak, text('b')))).toBe('<p>a<br/>b</p>')
  })

  it('renders mentions as user-hover links, to the profile when the site is known', () => {
    expect(adfToHtml(para(mention))).toBe(
      '<p><a class="user-hover" data-account-id="712020:abc" rel="nofollow">Alice Andersen</a></p>',
    )
    expect(adfToHtml(para(mention), { siteUrl: 'https://acme.atlassian.net' })).toContain(
      'href="https://acme.atlassian.net/secure/ViewProfile.jspa?accountId=712020%3Aabc"',
    )
  })

  it('escapes & < > " and \' in text', () => {
    expect(adfToHtml(para(text(`<img src=x onerror=alert(1)> & "q" 'a'`)))).toBe(
      '<p>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; &#39;a&#39;</p>',
    )
  })

  it('escapes code blocks, so </pre> cannot close the block', () => {
    expect(adfToHtml(doc(codeBlock('html', '</pre><script>x()</script>')))).toContain(
      '&lt;/pre&gt;&lt;script&gt;x()&lt;/script&gt;</pre>',
    )
  })

  it('escapes quotes and ampersands inside href', () => {
    expect(adfToHtml(para(text('q', [link('https://e.com/?a=1&b="2"')])))).toContain(
      'href="https://e.com/?a=1&amp;b=&quot;2&quot;"',
    )
  })

  it('drops the anchor of links whose scheme is not http, https or mailto', () => {
    for (const href of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'java\tscript:x',
      'data:text/html,x',
      '/relative',
    ])
      expect(adfToHtml(para(text('t', [link(href)])))).toBe('<p>t</p>')
    expect(adfToHtml(para(text('mail', [link('mailto:a@example.com')])))).toContain(
      'href="mailto:a@example.com"',
    )
  })

  it('escapes the attributes of mentions and language classes', () => {
    const evil: AdfNode = { type: 'mention', attrs: { id: '"><script>', text: '@<b>' } }
    expect(adfToHtml(para(evil))).toBe(
      '<p><a class="user-hover" data-account-id="&quot;&gt;&lt;script&gt;" rel="nofollow">&lt;b&gt;</a></p>',
    )
    expect(adfToHtml(doc(codeBlock('"><x', 'y')))).toContain('<pre class="code-x">')
  })

  it('tolerates node types it does not know, showing their text', () => {
    const emoji = { type: 'emoji', attrs: { shortName: ':smile:', text: '😄' } } as unknown as AdfNode
    const panel = { type: 'panel', content: [paragraph([text('inside')])] } as unknown as AdfNode
    expect(adfToHtml(doc(paragraph([emoji]), panel))).toBe('<p>😄</p>\n<p>inside</p>')
    expect(adfToPlainText(doc(paragraph([emoji]), panel))).toBe('😄\n\ninside')
  })
})

describe('escapeHtml and safeHref', () => {
  it('escapes exactly the five HTML-significant characters', () => {
    expect(escapeHtml(`&<>"'x`)).toBe('&amp;&lt;&gt;&quot;&#39;x')
  })

  it('accepts absolute http, https and mailto URLs only', () => {
    expect(safeHref('https://example.com')).toBe('https://example.com')
    expect(safeHref('http://example.com')).toBe('http://example.com')
    expect(safeHref('vbscript:x')).toBeNull()
    expect(safeHref('//example.com')).toBeNull()
    expect(safeHref(42)).toBeNull()
  })
})

describe('rendering the hostile issue of the demo world', () => {
  it('leaves no live markup in the HTML of DEMO-7', () => {
    const acme = generateWorld({ seed: 5, issues: 200, anchor: Date.UTC(2026, 0, 1) }).issues[0]
    const row = acme?.rowOfKey('DEMO-7') as number
    const html = [acme?.description(row), ...(acme?.comments(row).map((c) => c.body) ?? [])]
      .map((d) => adfToHtml(d as AdfDoc))
      .join('\n')
    expect(html).not.toMatch(/<(script|img|i)\b/)
    expect(html).not.toContain('<b>not')
    expect(html).not.toContain('javascript:')
    expect(html).toContain('href="https://example.com/?a=1&amp;b=&quot;2&quot;"')
  })
})
