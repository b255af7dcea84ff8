import { describe, expect, it } from 'vitest'
import { escapeHtml } from '../../src/render/html-format.js'
import { render } from '../../src/render/index.js'
import { CASES } from './cases.js'

describe('html', () => {
  it('is a complete HTML5 document with a utf-8 charset and a table', () => {
    const html = render('html', CASES.simple ?? [])
    expect(html.startsWith('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')).toBe(true)
    expect(html.endsWith('</body>\n</html>\n')).toBe(true)
    expect(html).toContain('<thead>\n<tr><th scope="col">key</th>')
    expect(html.match(/<tr>/g)).toHaveLength((CASES.simple?.length ?? 0) + 1)
    expect(html).toContain('<td class="num">3</td>')
  })

  it('shows an issue summary holding markup as text', () => {
    const html = render('html', [{ summary: '<img src=x onerror=alert(1)>' }])
    expect(html).toContain('<td>&lt;img src=x onerror=alert(1)&gt;</td>')
    expect(html).not.toContain('<img')
  })

  it('lets no hostile value open a tag, and carries no script', () => {
    const html = render('html', CASES.hostile ?? [], { title: '</title><script>alert(1)</script>' })
    const tags = new Set([...html.matchAll(/<\/?([a-z0-9]+)/gi)].map((match) => match[1]?.toLowerCase()))
    expect([...tags].sort()).toEqual(
      [
        'body',
        'h1',
        'head',
        'html',
        'meta',
        'p',
        'style',
        'table',
        'tbody',
        'td',
        'th',
        'thead',
        'title',
        'tr',
      ].filter((tag) => tag !== 'p'),
    )
    expect(html).not.toMatch(/<script/i)
    expect(html).toContain('<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>')
  })

  it('forbids scripts by policy too, allowing only the inline style', () => {
    expect(render('html', [])).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    )
  })

  it('says No rows for an empty result', () => {
    const html = render('html', [])
    expect(html).toContain('<p class="empty">No rows</p>')
    expect(html).not.toContain('<table')
  })

  it('escapes the five significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    )
  })

  it('replaces controls HTML does not allow, keeping tab, LF and CR', () => {
    expect(escapeHtml('a\x00b\x1bc\x7fd\x9be\tf\ng\rh')).toBe('a\ufffdb\ufffdc\ufffdd\ufffde\tf\ng\rh')
    expect(escapeHtml('lone \ud800')).toBe('lone \ufffd')
  })
})
