import type { Pagination } from '../../domain/query.js'
import type { BoundRequest } from '../bind.js'
import { countItems, readPath } from './json-path.js'
import { withPagingValue, type FetchPage, type Page, type PaginateOptions } from './page.js'
import { sequentialPages } from './sequential-pagination.js'

type Rule = Extract<Pagination, { type: 'next-page-token' }>

/**
 * Jira's search/jql: the next page is asked for with the `nextPageToken` the
 * last one returned; `isLast` (or a missing token, or an empty page) ends it.
 */
export function nextPageTokenPages(
  first: BoundRequest,
  rule: Rule,
  fetchPage: FetchPage,
  options: PaginateOptions,
): AsyncGenerator<Page> {
  return sequentialPages(first, fetchPage, options, (page) => {
    const token = readPath(page.value, rule.tokenPath)
    if (readPath(page.value, rule.lastPath) === true || typeof token !== 'string' || token === '')
      return { end: null }
    if (countItems(page.value, rule.itemsPath) === 0) return { end: null }
    return withPagingValue(first, rule.tokenParam, token)
  })
}
