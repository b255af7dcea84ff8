import { describeUrl } from '../../domain/describe-url.js'
import { QuarryError } from '../../domain/errors.js'
import type { Pagination } from '../../domain/query.js'
import type { BoundRequest } from '../bind.js'
import { countItems, readPath } from './json-path.js'
import { type FetchPage, type Page, type PaginateOptions } from './page.js'
import { sequentialPages } from './sequential-pagination.js'

type Rule = Extract<Pagination, { type: 'next-link' }>

/**
 * The next page's whole URL, read from the body (Microsoft Graph's and OData's `@odata.nextLink`): its
 * key is tried whole first, since OData's has a dot in it, then as a dotted path.
 *
 * @example nextLinkIn({ '@odata.nextLink': 'https://graph.microsoft.com/v1.0/me/messages?$skip=10' }, '@odata.nextLink')
 */
export function nextLinkIn(value: unknown, linkPath: string): unknown {
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, linkPath))
    return (value as Record<string, unknown>)[linkPath]
  return readPath(value, linkPath)
}

/** Follows the URL the body names until there is none (or a page is empty); the same request otherwise. */
export function nextLinkPages(
  first: BoundRequest,
  rule: Rule,
  fetchPage: FetchPage,
  options: PaginateOptions,
): AsyncGenerator<Page> {
  return sequentialPages(first, fetchPage, options, (page) => {
    const link = nextLinkIn(page.value, rule.linkPath)
    if (typeof link !== 'string' || link === '') return { end: null }
    if (countItems(page.value, rule.itemsPath) === 0) return { end: null }
    const next = URL.parse(link, page.request.url)
    // Stopping would quietly drop the remaining pages.
    if (next === null) {
      throw new QuarryError(
        'QUARRY_UPSTREAM_MALFORMED',
        `${describeUrl(page.request.url)} named a next page (${rule.linkPath}) that is not a URL; Quarry cannot fetch it.`,
      )
    }
    return { ...first, url: next.toString() }
  })
}
