import type { BoundRequest } from '../bind.js'
import { capNotice, type FetchPage, type Page, type PaginateOptions } from './page.js'

/**
 * The loop every sequential rule shares: fetch, yield, ask the rule for the
 * next request, stop at its end, at the page cap, or when a request repeats (a
 * server that hands back the same token would otherwise loop forever).
 *
 * @param next the request after `page`, or a string saying why there is none.
 */
export async function* sequentialPages(
  first: BoundRequest,
  fetchPage: FetchPage,
  options: PaginateOptions,
  next: (page: Page) => BoundRequest | { readonly end: string | null },
): AsyncGenerator<Page> {
  const seen = new Set<string>()
  let request: BoundRequest = first
  for (let index = 0; ; index++) {
    seen.add(`${request.url}\u0000${request.body ?? ''}`)
    const page: Page = { index, ...(await fetchPage(request)) }
    yield page
    const following = next(page)
    if ('end' in following) {
      if (following.end !== null) options.onNotice(following.end)
      return
    }
    if (seen.has(`${following.url}\u0000${following.body ?? ''}`)) {
      options.onNotice(
        `Stopped at page ${index + 1}: the API handed back a page token or link it had given before.`,
      )
      return
    }
    if (index + 1 >= options.maxPages) {
      options.onNotice(capNotice(options.maxPages))
      return
    }
    request = following
  }
}
