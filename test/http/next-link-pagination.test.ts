import { describe, expect, it } from 'vitest'
import type { BoundRequest } from '../../src/http/bind.js'
import { paginate, type Page } from '../../src/http/pagination/index.js'
import { nextLinkIn } from '../../src/http/pagination/next-link-pagination.js'

/**
 * The next-link rule (Microsoft Graph's `@odata.nextLink`): the body names the next page's whole URL.
 * The pages are served from a table by URL, as FetchPage's contract allows (the engine's tests run
 * the rule over HTTP: test/auth/oidc-presets.test.ts).
 */

const FIRST: BoundRequest = { method: 'GET', url: 'https://graph.test/v1.0/me/messages?$top=2', headers: {} }

async function urlsFetched(bodies: Readonly<Record<string, unknown>>): Promise<string[]> {
  const pages: Page[] = []
  const fetchPage = (request: BoundRequest) => {
    const value = bodies[request.url]
    if (value === undefined) return Promise.reject(new Error(`no page at ${request.url}`))
    return Promise.resolve({ request, text: JSON.stringify(value), value, headers: {} })
  }
  const rule = { type: 'next-link', linkPath: '@odata.nextLink', itemsPath: 'value' } as const
  for await (const page of paginate(FIRST, rule, fetchPage, {
    maxPages: 10,
    concurrency: 1,
    onNotice: () => {},
  }))
    pages.push(page)
  return pages.map((page) => page.request.url)
}

describe('next-link pagination', () => {
  it('reads a key with a dot in it whole, and a dotted path otherwise', () => {
    expect(nextLinkIn({ '@odata.nextLink': 'https://a.test/2' }, '@odata.nextLink')).toBe('https://a.test/2')
    expect(nextLinkIn({ paging: { next: 'https://a.test/3' } }, 'paging.next')).toBe('https://a.test/3')
  })

  it('follows the URL the body names, relative ones too, until a page names none', async () => {
    const second = 'https://graph.test/v1.0/me/messages?$top=2&$skiptoken=X'
    expect(
      await urlsFetched({
        [FIRST.url]: { value: [1, 2], '@odata.nextLink': second },
        [second]: { value: [3, 4], '@odata.nextLink': '/v1.0/me/messages?$skiptoken=Y' },
        'https://graph.test/v1.0/me/messages?$skiptoken=Y': { value: [5] },
      }),
    ).toEqual([FIRST.url, second, 'https://graph.test/v1.0/me/messages?$skiptoken=Y'])
  })

  it('ends at an empty page even when it names a next one', async () => {
    expect(
      await urlsFetched({ [FIRST.url]: { value: [], '@odata.nextLink': 'https://graph.test/never' } }),
    ).toEqual([FIRST.url])
  })

  it('refuses a next link that is not a URL: stopping would drop the pages after it', async () => {
    await expect(
      urlsFetched({ [FIRST.url]: { value: [1], '@odata.nextLink': 'http://[::1:bad' } }),
    ).rejects.toMatchObject({ code: 'QUARRY_UPSTREAM_MALFORMED' })
  })
})
