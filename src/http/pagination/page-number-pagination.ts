import type { Pagination } from '../../domain/query.js'
import type { BoundRequest } from '../bind.js'
import { countItems } from './json-path.js'
import { withPagingValue, type FetchPage, type Page, type PaginateOptions } from './page.js'
import { sequentialPages } from './sequential-pagination.js'

type Rule = Extract<Pagination, { type: 'page-number' }>

/** page=1, 2, 3 … until a page is empty (or shorter than the page size, when one is set). */
export function pageNumberPages(
  first: BoundRequest,
  rule: Rule,
  fetchPage: FetchPage,
  options: PaginateOptions,
): AsyncGenerator<Page> {
  let start = withPagingValue(first, rule.pageParam, rule.firstPage)
  if (rule.sizeParam !== undefined && rule.pageSize !== undefined)
    start = withPagingValue(start, rule.sizeParam, rule.pageSize)
  return sequentialPages(start, fetchPage, options, (page) => {
    const items = countItems(page.value, rule.itemsPath)
    if (items === undefined || items === 0) return { end: null }
    if (rule.pageSize !== undefined && items < rule.pageSize) return { end: null }
    return withPagingValue(start, rule.pageParam, rule.firstPage + page.index + 1)
  })
}
