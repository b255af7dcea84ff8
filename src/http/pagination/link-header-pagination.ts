import { describeUrl } from '../../domain/describe-url.js'
import { QuarryError } from '../../domain/errors.js'
import type { BoundRequest } from '../bind.js'
import { type FetchPage, type Page, type PaginateOptions } from './page.js'
import { sequentialPages } from './sequential-pagination.js'

/**
 * The `rel="next"` target of an RFC 8288 Link header, resolved against the
 * page's URL, or undefined. A next address that does not parse is QUARRY_UPSTREAM_MALFORMED.
 *
 * @example nextLink('<https://api.x/items?page=2>; rel="next", <…>; rel="last"', 'https://api.x/items') // 'https://api.x/items?page=2'
 */
export function nextLink(header: string | undefined, base: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part)
    if (!match) continue
    const rels = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2] as string)
    const rel = (rels?.[1] ?? rels?.[2] ?? '').toLowerCase().split(/\s+/)
    if (!rel.includes('next')) continue
    const next = URL.parse(match[1] as string, base)
    // Stopping here would quietly drop the remaining pages; the address itself is the upstream's text.
    if (next === null) {
      throw new QuarryError(
        'QUARRY_UPSTREAM_MALFORMED',
        `${describeUrl(base)} sent a Link header whose rel="next" address is not a URL; Quarry cannot fetch the next page.`,
      )
    }
    return next.toString()
  }
  return undefined
}

/** Follows `Link: <…>; rel="next"` until there is none. */
export function linkHeaderPages(
  first: BoundRequest,
  fetchPage: FetchPage,
  options: PaginateOptions,
): AsyncGenerator<Page> {
  return sequentialPages(first, fetchPage, options, (page) => {
    const next = nextLink(page.headers.link, page.request.url)
    return next === undefined ? { end: null } : { ...first, url: next }
  })
}
