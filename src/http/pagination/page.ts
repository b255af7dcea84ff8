import type { BoundRequest } from '../bind.js'

/** One fetched page: its raw JSON text (for the converter) and parsed value (for the rule). */
export interface Page {
  readonly index: number
  readonly request: BoundRequest
  readonly text: string
  readonly value: unknown
  readonly headers: Readonly<Record<string, string>>
}

/** Fetches one request (credentials, retries and decoding included) as a page without its index. */
export type FetchPage = (request: BoundRequest) => Promise<Omit<Page, 'index'>>

export interface PaginateOptions {
  readonly maxPages: number
  /** Pages fetched at once where the rule allows it. */
  readonly concurrency: number
  /** Told why pagination stopped early; the user sees it (a cap is never a silent truncation). */
  readonly onNotice: (notice: string) => void
}

/** Sets (or replaces) one query parameter of a request's URL. */
export function withQueryParam(request: BoundRequest, name: string, value: string): BoundRequest {
  const url = new URL(request.url)
  url.searchParams.set(name, value)
  return { ...request, url: url.toString() }
}

/** Sets one top-level field of a request's JSON body (for POST searches). */
export function withBodyField(request: BoundRequest, name: string, value: unknown): BoundRequest {
  const body = request.body === undefined ? {} : (JSON.parse(request.body) as Record<string, unknown>)
  return { ...request, body: JSON.stringify({ ...body, [name]: value }) }
}

/** GET carries paging in the URL; requests with a JSON body carry it in the body. */
export function withPagingValue(request: BoundRequest, name: string, value: string | number): BoundRequest {
  return request.body === undefined
    ? withQueryParam(request, name, String(value))
    : withBodyField(request, name, value)
}

export function capNotice(maxPages: number): string {
  return `Stopped after ${maxPages} pages (the query's maxPages); more results exist. Raise maxPages or narrow the query.`
}
