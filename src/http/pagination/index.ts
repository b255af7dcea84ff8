import type { Pagination } from '../../domain/query.js'
import type { BoundRequest } from '../bind.js'
import { cursorPages } from './cursor-pagination.js'
import { linkHeaderPages } from './link-header-pagination.js'
import { nextLinkPages } from './next-link-pagination.js'
import { nextPageTokenPages } from './next-page-token-pagination.js'
import { offsetPages } from './offset-pagination.js'
import type { FetchPage, Page, PaginateOptions } from './page.js'
import { pageNumberPages } from './page-number-pagination.js'

export type { FetchPage, Page, PaginateOptions } from './page.js'
export { nextLink } from './link-header-pagination.js'
export { readPath } from './json-path.js'

/**
 * All pages of a query, in order, by its pagination rule.
 *
 * @example for await (const page of paginate(request, { type: 'next-page-token', … }, fetchPage, options)) convert(page.text)
 */
export function paginate(
  first: BoundRequest,
  rule: Pagination,
  fetchPage: FetchPage,
  options: PaginateOptions,
): AsyncGenerator<Page> {
  switch (rule.type) {
    case 'none':
      return single(first, fetchPage)
    case 'next-page-token':
      return nextPageTokenPages(first, rule, fetchPage, options)
    case 'offset':
      return offsetPages(first, rule, fetchPage, options)
    case 'page-number':
      return pageNumberPages(first, rule, fetchPage, options)
    case 'cursor':
      return cursorPages(first, rule, fetchPage, options)
    case 'link-header':
      return linkHeaderPages(first, fetchPage, options)
    case 'next-link':
      return nextLinkPages(first, rule, fetchPage, options)
  }
}

async function* single(first: BoundRequest, fetchPage: FetchPage): AsyncGenerator<Page> {
  yield { index: 0, ...(await fetchPage(first)) }
}
