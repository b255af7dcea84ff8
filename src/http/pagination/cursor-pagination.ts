import type { Pagination } from '../../domain/query.js'
import type { BoundRequest } from '../bind.js'
import { countItems, readPath } from './json-path.js'
import { withPagingValue, type FetchPage, type Page, type PaginateOptions } from './page.js'
import { sequentialPages } from './sequential-pagination.js'

type Rule = Extract<Pagination, { type: 'cursor' }>

/** A cursor read from the response at a JSON path; null, empty or an empty page ends it. */
export function cursorPages(
  first: BoundRequest,
  rule: Rule,
  fetchPage: FetchPage,
  options: PaginateOptions,
): AsyncGenerator<Page> {
  return sequentialPages(first, fetchPage, options, (page) => {
    const cursor = readPath(page.value, rule.cursorPath)
    if (cursor === undefined || cursor === null || cursor === '' || cursor === false) return { end: null }
    if (countItems(page.value, rule.itemsPath) === 0) return { end: null }
    return withPagingValue(first, rule.cursorParam, String(cursor))
  })
}
