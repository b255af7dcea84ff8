import type { Pagination } from '../../domain/query.js'
import type { BoundRequest } from '../bind.js'
import { countItems, readPath } from './json-path.js'
import { withPagingValue, type FetchPage, type Page, type PaginateOptions } from './page.js'
import { sequentialPages } from './sequential-pagination.js'

type Rule = Extract<Pagination, { type: 'cursor' }>

/**
 * A cursor read from the response at a JSON path; null, empty or an empty page ends it. When the value
 * there is a link carrying the cursor parameter (Confluence's `_links.next`:
 * `/wiki/api/v2/spaces?cursor=…`), the cursor is that parameter: the link itself is relative to the
 * site, not to the API gateway the request went through, so following it would leave the gateway's path.
 */
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
    return withPagingValue(first, rule.cursorParam, cursorIn(String(cursor), rule.cursorParam))
  })
}

/** The cursor parameter of a next link, or the value itself when it is not a link. */
function cursorIn(value: string, param: string): string {
  if (!/^(\/|https?:\/\/)/.test(value)) return value
  return URL.parse(value, 'http://link.invalid')?.searchParams.get(param) ?? value
}
