import { QuarryError } from '../../domain/errors.js'
import type { BoundRequest } from '../bind.js'
import { capNotice, type FetchPage, type Page, type PaginateOptions } from './page.js'

/**
 * The loop every sequential rule shares: fetch, ask the rule for the next
 * request, stop at its end or at the page cap. A request that repeats an earlier
 * one fails the run with QUARRY_PAGINATION_LOOP: a server that hands back the same
 * token would otherwise loop forever, and the pages it would repeat are not the
 * rest of the results (stopping there quietly would pass a truncation as complete).
 *
 * The next page is requested before this one is handed on, so converting a
 * page overlaps fetching the next: the wall time of N pages is about N
 * round trips, not N round trips plus N conversions.
 *
 * @param next the request after `page`, or `{ end }` saying why there is none.
 */
export async function* sequentialPages(
  first: BoundRequest,
  fetchPage: FetchPage,
  options: PaginateOptions,
  next: (page: Page) => BoundRequest | { readonly end: string | null },
): AsyncGenerator<Page> {
  const seen = new Set<string>()
  const key = (request: BoundRequest) => `${request.url}\u0000${request.body ?? ''}`
  seen.add(key(first))
  let pending: Promise<Omit<Page, 'index'>> | undefined = fetchPage(first)
  try {
    for (let index = 0; pending !== undefined; index++) {
      const page: Page = { index, ...(await pending) }
      pending = undefined
      const following = next(page)
      let notice: string | null = null
      if ('end' in following) {
        notice = following.end
      } else if (seen.has(key(following))) {
        throw new QuarryError(
          'QUARRY_PAGINATION_LOOP',
          `Pagination did not advance after page ${index + 1}: the API handed back a page token or link it had given before. Check the query's pagination rule (which field holds the next token or link).`,
        )
      } else if (index + 1 >= options.maxPages) {
        notice = capNotice(options.maxPages)
      } else {
        seen.add(key(following))
        pending = fetchPage(following)
        // Observed when its turn comes; until then it must not count as unhandled.
        pending.catch(() => undefined)
        // Let the request reach the socket before the page is handed on: handing it on
        // (to a converter worker, to output) would otherwise run first and delay it.
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
      if (notice !== null) options.onNotice(notice)
      yield page
    }
  } finally {
    // The caller stopped early: the page already requested must finish (a token refresh
    // inside it commits before the store may close), though nobody reads it.
    if (pending !== undefined) await pending.catch(() => undefined)
  }
}
