import { randomBytes } from 'node:crypto'
import type { ParamSpec, Visibility } from '../domain/query.js'

/**
 * A rendered view, ready to send again: the page split where the Refresh form's CSRF field takes
 * the viewer's token. Only that one place: the split point is a random marker made for this
 * rendering, which neither a template nor an API value can know, so no other text of the page can
 * ever receive a token.
 */
export interface RenderedView {
  readonly query: string
  /**
   * Whose page it is: '' for a page anyone allowed may be sent; a person's name for a query of a
   * per-user datasource (issue 15), rendered from their own connection's rows and sent only to them.
   */
  readonly user: string
  readonly visibility: Visibility
  /** The query's parameters: a visitor's values are checked against them again on every send. */
  readonly params: readonly ParamSpec[]
  /** The page before and after the token (UTF-8); a page without a Refresh form (an embed) is all head. */
  readonly head: Buffer
  readonly tail: Buffer
  /** Whether the page has the Refresh form's field: only then does a token go between head and tail. */
  readonly hasTokenField: boolean
  readonly contentSecurityPolicy: string
  readonly expiresAt: number
  /** head + tail: the page for someone not signed in, joined once (public embeds are the busy case). */
  readonly anonymous?: Buffer
}

/** A fresh marker for one rendering (letters and digits only: escaping leaves it as it is). */
export function tokenMarker(): string {
  return `QuarryCsrf${randomBytes(18).toString('hex')}`
}

/**
 * Splits a page rendered with `marker` as the CSRF field's value (a page without the field, an
 * embed, is all head); undefined when the marker occurs more than once (then nobody gets a token).
 */
export function splitAtMarker(
  html: string,
  marker: string,
): Pick<RenderedView, 'head' | 'tail' | 'hasTokenField'> | undefined {
  const at = html.indexOf(marker)
  if (at < 0) return { head: Buffer.from(html), tail: Buffer.alloc(0), hasTokenField: false }
  if (html.indexOf(marker, at + 1) >= 0) return undefined
  return {
    head: Buffer.from(html.slice(0, at)),
    tail: Buffer.from(html.slice(at + marker.length)),
    hasTokenField: true,
  }
}

/**
 * The page with a token where the marker was (or nothing, for someone not signed in). A page without
 * the field gets no token anywhere: appending it would print it after `</html>` (issue 10).
 */
export function withToken(
  view: Pick<RenderedView, 'head' | 'tail' | 'hasTokenField' | 'anonymous'>,
  token: string | undefined,
): Buffer {
  if (token === undefined || token === '' || !view.hasTokenField)
    return view.anonymous ?? Buffer.concat([view.head, view.tail])
  return Buffer.concat([view.head, Buffer.from(token), view.tail])
}

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

  /**
   * `visitor`: rendered for someone who sees the query only because it is public (its form offers only
   * the parameters open to visitors), kept apart from the page its role-holders see. `user`: the
   * person whose own rows it shows (a per-user datasource); '' for a page of shared rows.
   */
  static key(
    query: string,
    params: Readonly<Record<string, string>>,
    embed: boolean,
    visitor: boolean,
    user = '',
  ): string {
    const canonical = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return JSON.stringify([query, embed, visitor, canonical, user])
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

  set(key: string, view: Omit<RenderedView, 'expiresAt'>, resultExpiresAt: number, now: number): void {
    const expiresAt = Math.min(resultExpiresAt, now + this.#revalidateMs)
    if (expiresAt <= now) return
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear()
    this.#entries.set(key, { ...view, expiresAt, anonymous: Buffer.concat([view.head, view.tail]) })
  }

  /** Drops every view of a query (all parameters), or everything. */
  forget(query?: string): void {
    if (query === undefined) return this.#entries.clear()
    for (const [key, entry] of this.#entries) if (entry.query === query) this.#entries.delete(key)
  }
}
