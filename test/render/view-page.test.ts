import { describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import type { ParamSpec } from '../../src/domain/query.js'
import type { ViewPageInput } from '../../src/render/view-page.js'
import {
  contentSecurityPolicy,
  embedSnippet,
  renderViewPage,
  updatedAgo,
} from '../../src/render/view-page.js'

const XSS = '<img src=x onerror=alert(1)>'
const ESCAPED = '&lt;img src=x onerror=alert(1)&gt;'
const NOW = new Date('2026-01-15T10:05:30Z')
const FETCHED = new Date('2026-01-15T10:00:00Z')

const input = (fields: Partial<ViewPageInput> = {}): ViewPageInput => ({
  query: 'open-issues',
  title: 'Open issues',
  params: [{ name: 'project', type: 'string', default: 'QA' }],
  values: { project: 'QA' },
  rows: [
    { key: 'QA-1', summary: 'Fix login', points: 3 },
    { key: 'QA-2', summary: 'Add export', points: 10 },
  ],
  fetchedAt: FETCHED,
  fromCache: false,
  notices: [],
  now: NOW,
  nonce: 'bm9uY2U',
  urls: {
    self: '/v/open-issues',
    refresh: '/v/open-issues/refresh?project=QA',
    downloads: [
      { label: 'CSV', href: '/api/queries/open-issues/run.csv?project=QA' },
      { label: 'JSON', href: '/api/queries/open-issues/run.json?project=QA' },
    ],
  },
  embed: false,
  assets: { script: '/assets/view.js', stylesheet: '/assets/view.css' },
  ...fields,
})

/** Every `<…>` tag in the page, so a test can say "no img tag" without matching escaped text. */
const tags = (html: string): string[] => html.match(/<[a-z][^>]*>/gi) ?? []

describe('the view page escapes', () => {
  it('the title', async () => {
    const html = await renderViewPage(input({ title: XSS }))
    expect(html).toContain(`<h1>${ESCAPED}</h1>`)
    expect(html).toContain(`<title>${ESCAPED} · Quarry</title>`)
    expect(tags(html).some((tag) => tag.startsWith('<img'))).toBe(false)
  })

  it('cell values and column names', async () => {
    const html = await renderViewPage(input({ rows: [{ [XSS]: XSS }] }))
    expect(html).toContain(`<td>${ESCAPED}</td>`)
    expect(html).toContain(`<button type="button" class="quarry-sort">${ESCAPED}</button>`)
    expect(tags(html).some((tag) => tag.startsWith('<img'))).toBe(false)
  })

  it('parameter names, descriptions, values and constant choices', async () => {
    const params: ParamSpec[] = [
      { name: 'jql', type: 'string', description: XSS },
      { name: 'status', type: 'constant', values: ['Done', `"><script>alert(1)</script>`] },
    ]
    const html = await renderViewPage(input({ params, values: { jql: `"><script>alert(1)</script>` } }))
    expect(html).toContain(`<small>${ESCAPED}</small>`)
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"')
    expect(html).toContain('<option value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">')
    expect(html).not.toContain('<script>')
  })

  it('notices and the error message', async () => {
    const html = await renderViewPage(input({ notices: [XSS], error: `Jira said: ${XSS}` }))
    expect(html).toContain(`<li>${ESCAPED}</li>`)
    expect(html).toContain(`<p class="quarry-error" role="alert">Jira said: ${ESCAPED}</p>`)
  })

  it('URLs, and refuses a javascript: URL', async () => {
    const html = await renderViewPage(
      input({ urls: { ...input().urls, downloads: [{ label: 'CSV', href: '/x?a=1&b="2"' }] } }),
    )
    expect(html).toContain('href="/x?a=1&amp;b=&quot;2&quot;"')
    const error = await renderViewPage(
      input({ urls: { ...input().urls, downloads: [{ label: 'JSON', href: 'javascript:alert(1)' }] } }),
    ).catch((error: unknown) => error)
    expect(isQuarryError(error, 'QUARRY_INTERNAL')).toBe(true)
  })

  it('the query name and the nonce, which must be base64', async () => {
    const html = await renderViewPage(input({ query: 'a"b' }))
    expect(html).toContain('data-query="a&quot;b"')
    await expect(renderViewPage(input({ nonce: '"><script>' }))).rejects.toThrow(/nonce/)
  })
})

describe('the view page shows', () => {
  it('a complete document with the script and stylesheet as files, nothing inline', async () => {
    const html = await renderViewPage(input())
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true)
    expect(html).toContain('<script src="/assets/view.js" nonce="bm9uY2U" defer></script>')
    expect(html).toContain('<link rel="stylesheet" href="/assets/view.css" nonce="bm9uY2U">')
    expect(html).not.toMatch(/<style|style="|<script>|\son[a-z]+=/i)
  })

  it('the default table: sortable headers, a filter box, numbers marked numeric', async () => {
    const html = await renderViewPage(input())
    expect(html).toContain('<div class="quarry-filter" hidden>')
    expect(html).toContain('<th scope="col"><button type="button" class="quarry-sort">points</button></th>')
    expect(html).toContain('<tr><td>QA-1</td><td>Fix login</td><td class="num">3</td></tr>')
  })

  it('URL cells as links that open safely, and other values as text', async () => {
    const html = await renderViewPage(
      input({ rows: [{ link: 'https://example.com/a?b=1&c="2"', other: 'javascript:alert(1)' }] }),
    )
    expect(html).toContain(
      '<td><a href="https://example.com/a?b=1&amp;c=%222%22" rel="noopener noreferrer">https://example.com/a?b=1&amp;c=&quot;2&quot;</a></td>',
    )
    expect(html).toContain('<td>javascript:alert(1)</td>')
    expect(tags(html).filter((tag) => tag.startsWith('<a '))).toHaveLength(3) // the link, CSV, JSON
  })

  it('Jira issue keys as links to the issue on the connected Jira Cloud site', async () => {
    const html = await renderViewPage(input({ jiraSite: 'https://acme.atlassian.net' }))
    expect(html).toContain(
      '<td><a href="https://acme.atlassian.net/browse/QA-1" rel="noopener noreferrer">QA-1</a></td>',
    )
    expect(await renderViewPage(input())).toContain('<tr><td>QA-1</td>')
  })

  it('in an embed, links that open outside the iframe', async () => {
    const html = await renderViewPage(input({ embed: true, rows: [{ link: 'https://example.com' }] }))
    expect(html).toContain('<a href="https://example.com/" rel="noopener noreferrer" target="_blank">')
  })

  it('a pager for the table: 25 rows a page in an embed, 100 on the page', async () => {
    expect(await renderViewPage(input())).toContain('<div class="quarry-table" data-page-size="100">')
    const embed = await renderViewPage(input({ embed: true }))
    expect(embed).toContain('<div class="quarry-table" data-page-size="25">')
    expect(embed).toContain(
      '<nav class="quarry-pager" aria-label="Table pages" hidden><button type="button" data-page="prev">Previous page</button>',
    )
  })

  it('a message for empty results', async () => {
    const html = await renderViewPage(input({ rows: [] }))
    expect(html).toContain(
      '<p class="quarry-empty">No rows: the query returned nothing for these parameters.</p>',
    )
    expect(html).not.toContain('<table>')
  })

  it('the notices', async () => {
    const html = await renderViewPage(input({ notices: ['Stopped after 10 pages (the query’s maxPages).'] }))
    expect(html).toContain('<ul class="quarry-notices" role="status">\n<li>Stopped after 10 pages')
  })

  it('how fresh the rows are, and that they came from the cache', async () => {
    const html = await renderViewPage(input({ fromCache: true }))
    expect(html).toContain(
      '<time datetime="2026-01-15T10:00:00.000Z" title="2026-01-15T10:00:00.000Z">5 minutes ago</time> · from the cache',
    )
  })

  it('Refresh (a POST form, with the CSRF field), CSV and JSON links', async () => {
    const html = await renderViewPage(input({ csrf: { name: '_csrf', token: 't"k' } }))
    expect(html).toContain(
      '<form method="post" action="/v/open-issues/refresh?project=QA"><input type="hidden" name="_csrf" value="t&quot;k"><button type="submit">Refresh</button></form>',
    )
    expect(html).toContain('<a href="/api/queries/open-issues/run.csv?project=QA" download>CSV</a>')
    expect(html).toContain('<a href="/api/queries/open-issues/run.json?project=QA" download>JSON</a>')
  })

  it('in embed mode, only the content: no heading, form, links or freshness', async () => {
    const html = await renderViewPage(input({ embed: true, notices: ['Stopped after 10 pages.'] }))
    expect(html).toContain('<html lang="en" data-embed>')
    expect(html).toContain('<table>')
    expect(html).toContain('Stopped after 10 pages.')
    expect(html).not.toMatch(/<h1|<form|Refresh|download|Updated/)
  })

  it('a Liquid template’s output, escaped', async () => {
    const html = await renderViewPage(
      input({
        rows: [{ key: XSS }],
        template: {
          type: 'liquid',
          source: '{% for r in rows %}<b>{{ r.key }}</b>{% endfor %} {{ params.project }}',
        },
      }),
    )
    expect(html).toContain(`<div class="quarry-liquid">\n<b>${ESCAPED}</b> QA\n</div>`)
  })

  it('a Liquid syntax error as the page’s error, with its line', async () => {
    const html = await renderViewPage(input({ template: { type: 'liquid', source: 'ok\n{{ r.key }' } }))
    expect(html).toMatch(/<p class="quarry-error" role="alert">The Liquid template does not parse at line 2/)
  })

  it('a chart as inline SVG', async () => {
    const html = await renderViewPage(
      input({ rows: [{ status: XSS, n: 1 }], template: { type: 'chart', mark: 'bar', x: 'status', y: 'n' } }),
    )
    expect(html).toMatch(/<figure class="quarry-chart"><svg /)
    expect(html).toContain(ESCAPED)
    expect(tags(html).some((tag) => tag.startsWith('<img'))).toBe(false)
  })
})

describe('parameter inputs', () => {
  const params: ParamSpec[] = [
    { name: 'project', type: 'string' },
    { name: 'limit', type: 'integer', default: '50' },
    { name: 'ratio', type: 'number' },
    { name: 'since', type: 'date' },
    { name: 'at', type: 'date' },
    { name: 'open', type: 'boolean', default: 'true' },
    { name: 'status', type: 'constant', values: ['Open', 'Done'] },
    { name: 'labels', type: 'list' },
  ]
  const form = async (): Promise<string> =>
    renderViewPage(
      input({
        params,
        values: new Map<string, string | number | boolean | readonly string[]>([
          ['project', 'QA'],
          ['ratio', 0.5],
          ['since', '2026-01-01'],
          ['at', '2026-01-01T10:00:00Z'],
          ['status', 'Done'],
          ['labels', ['a', 'b']],
        ]),
      }),
    )

  it('a GET form to the page itself', async () => {
    expect(await form()).toContain('<form class="quarry-params" method="get" action="/v/open-issues">')
  })

  it.each([
    ['project', '<input id="p-project" name="project" type="text" value="QA">'],
    ['limit', '<input id="p-limit" name="limit" type="number" step="1" inputmode="numeric" value="50">'],
    ['ratio', '<input id="p-ratio" name="ratio" type="number" step="any" value="0.5">'],
    ['since', '<input id="p-since" name="since" type="date" value="2026-01-01">'],
    ['at (a date-time)', '<input id="p-at" name="at" type="text" value="2026-01-01T10:00:00Z">'],
    [
      'open (a boolean, yes/no)',
      '<select id="p-open" name="open"><option value="true" selected>yes</option><option value="false">no</option></select>',
    ],
    [
      'status (a constant)',
      '<select id="p-status" name="status"><option value="Open">Open</option><option value="Done" selected>Done</option></select>',
    ],
    ['labels', '<input id="p-labels" name="labels" type="text" value="a, b" placeholder="a, b, c">'],
  ])('%s', async (_name, control) => {
    expect(await form()).toContain(control)
  })
})

describe('updated …', () => {
  const at = (seconds: number): string => updatedAgo(FETCHED, new Date(FETCHED.getTime() + seconds * 1000))
  it('just now under a minute', () => expect(at(59)).toBe('just now'))
  it('minutes', () => {
    expect(at(60)).toBe('1 minute ago')
    expect(at(5 * 60 + 30)).toBe('5 minutes ago')
  })
  it('hours and days', () => {
    expect(at(2 * 3600)).toBe('2 hours ago')
    expect(at(86_400)).toBe('1 day ago')
  })
  it('just now for a clock that runs behind', () => expect(at(-30)).toBe('just now'))
})

describe('contentSecurityPolicy', () => {
  it('allows only this origin’s script, style, images and forms; framed by itself and the configured origins', () => {
    expect(contentSecurityPolicy({ nonce: 'abc123', frameAncestors: ['https://wiki.example.com'] })).toBe(
      "default-src 'none'; script-src 'self' 'nonce-abc123'; style-src 'self' 'nonce-abc123'; " +
        "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'self' https://wiki.example.com",
    )
  })

  it('frame-ancestors is self alone when no origin is configured', () => {
    expect(contentSecurityPolicy({ nonce: 'abc', frameAncestors: [] })).toMatch(/frame-ancestors 'self'$/)
  })

  it('refuses an ancestor that would inject a directive', () => {
    expect(() =>
      contentSecurityPolicy({
        nonce: 'abc',
        frameAncestors: ["https://a.example; script-src 'unsafe-inline'"],
      }),
    ).toThrow(/cannot be a frame ancestor/)
  })
})

describe("a per-user datasource's Connect prompt (issue 15)", () => {
  const prompt = {
    message: 'Connect your Atlassian account to see this.',
    action: '/v/open-issues/connect?project=QA',
    csrf: { name: '_csrf', token: 'tok' },
    popup: false,
  }

  it('shows the message and a Connect form posting with the CSRF token, instead of rows and the error', async () => {
    const html = await renderViewPage(
      input({ connect: prompt, error: 'Connect … (QUARRY_CONNECTION_REQUIRED)' }),
    )
    expect(html).toContain('<p id="quarry-connect-message">Connect your Atlassian account to see this.</p>')
    expect(html).toContain(
      '<form method="post" action="/v/open-issues/connect?project=QA"><input type="hidden" name="_csrf" value="tok"><button type="submit">Connect</button></form>',
    )
    expect(html).not.toContain('quarry-error')
  })

  it('in an embed, targets a window of its own, which the view script opens as a popup', async () => {
    const html = await renderViewPage(input({ embed: true, connect: { ...prompt, popup: true } }))
    expect(html).toContain('target="quarry-connect" data-connect-popup>')
    expect(html).toContain('this view reloads when it is done')
  })

  it("lets the prompt's form go on to the provider's origin, and nothing that is not an origin", () => {
    const csp = contentSecurityPolicy({
      nonce: 'abc',
      frameAncestors: [],
      formTargets: ['https://auth.atlassian.com'],
    })
    expect(csp).toContain("form-action 'self' https://auth.atlassian.com;")
    expect(() =>
      contentSecurityPolicy({
        nonce: 'abc',
        frameAncestors: [],
        formTargets: ['https://a.example; script-src *'],
      }),
    ).toThrow(/not an origin/)
  })
})

describe('embedSnippet', () => {
  it('a div naming the view and its params, and the embed script', () => {
    expect(embedSnippet('https://quarry.example.com/', 'open-issues', { project: 'Q&A' })).toBe(
      '<div data-quarry-view="open-issues" data-params="project=Q%26A"></div>\n' +
        '<script src="https://quarry.example.com/embed.js" async></script>',
    )
  })
})
