import type { Visibility } from '../domain/query.js'

/** A rendered view, ready to send again. */
export interface RenderedView {
  readonly query: string
  readonly visibility: Visibility
  /** The page; a signed-in viewer's CSRF token goes where CSRF_PLACEHOLDER stands. */
  readonly html: string
  readonly contentSecurityPolicy: string
  readonly expiresAt: number
  /** The page for someone not signed in (no token), already encoded. */
  readonly anonymous: Buffer
}

/** Stands for the session's CSRF token in a cached page (letters only: no escaping changes it). */
export const CSRF_PLACEHOLDER = 'QuarryCsrfTokenPlaceholder'

/**
 * Rendered views of cached results, in this process. A cached view is then a map lookup instead of
 * three store reads, a JSON parse and an HTML rendering. An entry lives until its result's cache
 * entry expires, but never longer than `revalidateMs`: a Refresh or an edit made through another
 * server process shows here within that window; in this process, edits and Refresh drop entries at once.
 */
export class ViewCache {
  readonly #entries = new Map<string, RenderedView>()
  readonly #revalidateMs: number
  readonly #maxEntries: number

  constructor(options: { revalidateMs: number; maxEntries?: number }) {
    this.#revalidateMs = options.revalidateMs
    this.#maxEntries = options.maxEntries ?? 1000
  }

  static key(query: string, params: Readonly<Record<string, string>>, embed: boolean): string {
    const canonical = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return JSON.stringify([query, embed, canonical])
  }

  get(key: string, now: number): RenderedView | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now) {
      this.#entries.delete(key)
      return undefined
    }
    return entry
  }

  set(
    key: string,
    view: Omit<RenderedView, 'expiresAt' | 'anonymous'>,
    resultExpiresAt: number,
    now: number,
  ): void {
    const expiresAt = Math.min(resultExpiresAt, now + this.#revalidateMs)
    if (expiresAt <= now) return
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear()
    const anonymous = Buffer.from(view.html.replaceAll(CSRF_PLACEHOLDER, ''))
    this.#entries.set(key, { ...view, expiresAt, anonymous })
  }

  /** Drops every view of a query (all parameters), or everything. */
  forget(query?: string): void {
    if (query === undefined) return this.#entries.clear()
    for (const [key, entry] of this.#entries) if (entry.query === query) this.#entries.delete(key)
  }
}
