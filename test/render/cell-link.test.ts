import { describe, expect, it } from 'vitest'
import { cellLink, httpLink, isJiraKeyColumn } from '../../src/render/cell-link.js'
import { render } from '../../src/render/index.js'

const SITE = { jiraSite: 'https://acme.atlassian.net' }

/** fast-check is not a dependency: a table of nasty inputs instead. Each must never be a link. */
const NOT_LINKS: readonly [string, unknown][] = [
  ['javascript: URL', 'javascript:alert(1)'],
  ['mixed-case javascript:', 'JaVaScRiPt:alert(1)'],
  ['javascript: after whitespace', '  javascript:alert(1)'],
  ['javascript: with a tab inside the scheme', 'java\tscript:alert(1)'],
  ['javascript: with a newline inside the scheme', 'java\nscript:alert(1)'],
  ['data: URL', 'data:text/html,<script>alert(1)</script>'],
  ['mixed-case data:', 'DaTa:text/html;base64,PHNjcmlwdD4='],
  ['vbscript: URL', 'vbscript:msgbox(1)'],
  ['file: URL', 'file:///etc/passwd'],
  ['ftp: URL', 'ftp://example.com/file'],
  ['protocol-relative URL', '//evil.example.com/'],
  ['http: without slashes', 'http:evil.example.com'],
  ['URL with leading whitespace', ' https://example.com'],
  ['URL with trailing newline', 'https://example.com\n'],
  ['URL followed by text', 'https://example.com and more'],
  ['URL with a line separator', 'https://example.com/\u2028x'],
  ['URL with a no-break space', 'https://example.com/\u00a0x'],
  ['http:// with no host', 'http://'],
  ['text that mentions a URL', 'see https://example.com'],
  ['a number', 42],
  ['null', null],
  ['an object', { href: 'https://example.com' }],
  ['an array of a URL', ['https://example.com']],
]

describe('cell links', () => {
  for (const [what, value] of NOT_LINKS) {
    it(`are never made of ${what}`, () => {
      expect(cellLink(value, 'url', SITE)).toBeUndefined()
      expect(cellLink(value, 'key', SITE)).toBeUndefined()
    })
  }

  it('are made of whole http and https URLs, in any case, normalized by the URL parser', () => {
    expect(httpLink('https://example.com/a?b=1#c')).toBe('https://example.com/a?b=1#c')
    expect(httpLink('HTTP://Example.COM/x')).toBe('http://example.com/x')
  })

  it('percent-encode quotes and angle brackets, so the href cannot leave its attribute', () => {
    const href = httpLink('https://example.com/"><script>alert(1)</script>')
    expect(href).toBe('https://example.com/%22%3E%3Cscript%3Ealert(1)%3C/script%3E')
    expect(href).not.toMatch(/["<>]/)
  })

  it('put unicode host names in punycode and encode unicode paths', () => {
    expect(httpLink('https://bücher.example/straße')).toBe('https://xn--bcher-kva.example/stra%C3%9Fe')
  })

  it('link a Jira issue key in a key column to the issue on the connected site', () => {
    expect(cellLink('QA-12', 'key', SITE)).toBe('https://acme.atlassian.net/browse/QA-12')
    expect(cellLink('AB_C2-7', 'Issue Key', SITE)).toBe('https://acme.atlassian.net/browse/AB_C2-7')
    expect(cellLink('QA-12', 'Key', { jiraSite: 'https://acme.atlassian.net/' })).toBe(
      'https://acme.atlassian.net/browse/QA-12',
    )
  })

  it('leave Jira keys as text without a connected site, in other columns, or when not a key', () => {
    expect(cellLink('QA-12', 'key', {})).toBeUndefined()
    expect(cellLink('QA-12', 'summary', SITE)).toBeUndefined()
    expect(cellLink('QA-12', 'parent key', SITE)).toBeUndefined()
    for (const notKey of ['qa-12', 'Q-12', 'QA-', 'QA-12 ', 'QA-12\n', 'QA-1x', '1A-2', 'QA‐12'])
      expect(cellLink(notKey, 'key', SITE), notKey).toBeUndefined()
  })

  it('never link Jira keys to a site that is not a plain http(s) origin', () => {
    for (const jiraSite of ['javascript:alert(1)//', 'https://u:p@acme.atlassian.net', 'https://a.net?x=1'])
      expect(cellLink('QA-12', 'key', { jiraSite }), jiraSite).toBeUndefined()
  })

  it('know a key column by its name: key or issue key, any case, spaces, _ or - between', () => {
    for (const name of ['key', 'Key', 'KEY', 'Issue Key', 'issue_key', 'issueKey', 'ISSUE-KEY', 'issue.key'])
      expect(isJiraKeyColumn(name), name).toBe(true)
    for (const name of ['keys', 'Parent key', 'project', 'key2', 'monkey'])
      expect(isJiraKeyColumn(name), name).toBe(false)
  })
})

describe('downloads', () => {
  it('keep URL and key values as plain values in CSV and JSON', () => {
    const rows = [{ key: 'QA-1', link: 'https://example.com/x' }]
    expect(render('csv', rows)).toBe('key,link\r\nQA-1,https://example.com/x\r\n')
    expect(JSON.parse(render('json', rows))).toEqual(rows)
  })
})
