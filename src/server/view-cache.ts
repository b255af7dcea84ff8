import { randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import type { ParamSpec, Visibility } from '../domain/query.js'
import type { LoadedQuery } from '../engine/load.js'

/**
 * A rendered view (or dashboard page, or panel), ready to send again: the page split where a CSRF
 * field takes the viewer's token. Only there: the split point is a random marker made for this
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
  /**
   * The page (UTF-8) cut at each place a token goes: one part for a page without a token field (an
   * embed), two for a view's Refresh form, more for a dashboard's forms.
   */
  readonly parts: readonly Buffer[]
  readonly contentSecurityPolicy: string
  readonly expiresAt: number
  /** The parts joined once: the page for someone not signed in (public embeds are the busy case). */
  readonly anonymous?: Buffer
  /**
   * `anonymous` gzipped once, for browsers that accept it. Only a page without a token is ever
   * compressed: a secret beside reflected input in a compressed body can be guessed from its size (BREACH).
   */
  readonly anonymousGzip?: Buffer
  /** A dashboard's page or panel: the dashboard it belongs to (its edit drops the entry). */
  readonly dashboard?: string
  /** Other queries the page shows (a dashboard page's panels): an edit of any drops the entry. */
  readonly queries?: readonly string[]
  /**
   * The page with a signed-in viewer's token, by token, joined once for their next requests rather than
   * at every one (a 12 KB copy each): at most TOKEN_PAGES a cached entry, which lives no longer than the
   * view cache's revalidation. A page is only ever sent to a session holding that very token.
   */
  readonly tokenPages?: Map<string, Buffer>
}

/**
 * What a view of a query needs from the store before its run: the query with its datasource, and
 * whether a schedule keeps its result fresh (then views read the schedule's cached result).
 */
export interface ViewDefinition {
  readonly loaded: LoadedQuery
  readonly scheduled: boolean
  /** Held in memory: when it must be read again. A page drawn from it is not kept past this. */
  readonly expiresAt?: number
}

/** Signed-in viewers' pages kept per cached entry (then the entry's map starts over: memory stays bounded). */
const TOKEN_PAGES = 8

/** A page with no place for a token. */
export function wholePage(html: string): Pick<RenderedView, 'parts'> {
  return { parts: [Buffer.from(html)] }
}

/** A fresh marker for one rendering (letters and digits only: escaping leaves it as it is). */
export function tokenMarker(): string {
  return `QuarryCsrf${randomBytes(18).toString('hex')}`
}

/**
 * Splits a page rendered with `marker` as the CSRF field's value (a page without the field, an
 * embed, is one part); undefined when the marker occurs more than `places` times (then nobody gets a
 * token). A view has one such field; a dashboard page one per form.
 */
export function splitAtMarker(
  html: string,
  marker: string,
  places = 1,
): Pick<RenderedView, 'parts'> | undefined {
  const parts = html.split(marker)
  if (parts.length - 1 > places) return undefined
  return { parts: parts.map((part) => Buffer.from(part)) }
}

/** Accept-Encoding headers already read: browsers send a few distinct ones, each on every request. */
const gzipAnswers = new Map<string, boolean>()

/** Whether an Accept-Encoding header takes gzip (named, or `*`, without `q=0`). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false
  let answer = gzipAnswers.get(header)
  if (answer === undefined) {
    answer = readsGzip(header)
    // Any client can send any header: the map starts over rather than grow.
    if (gzipAnswers.size >= 64) gzipAnswers.clear()
    gzipAnswers.set(header, answer)
  }
  return answer
}

function readsGzip(header: string): boolean {
  return header.split(',').some((entry) => {
    const [coding = '', ...options] = entry.split(';').map((part) => part.trim().toLowerCase())
    return (coding === 'gzip' || coding === '*') && !options.some((option) => /^q=0(\.0*)?$/.test(option))
  })
}

/**
 * The page with a token where the marker was (or nothing, for someone not signed in). A page without
 * the field gets no token anywhere: appending it would print it after `</html>` (issue 10).
 */
export function withToken(
  view: Pick<RenderedView, 'parts' | 'anonymous' | 'tokenPages'>,
  token: string | undefined,
): Buffer {
  const { parts, tokenPages } = view
  if (token === undefined || token === '' || parts.length === 1)
    return view.anonymous ?? (parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts))
  const kept = tokenPages?.get(token)
  if (kept !== undefined) return kept
  const between = Buffer.from(token)
  const pieces: Buffer[] = [parts[0] as Buffer]
  for (let index = 1; index < parts.length; index++) pieces.push(between, parts[index] as Buffer)
  const page = Buffer.concat(pieces)
  if (tokenPages !== undefined) {
    if (tokenPages.size >= TOKEN_PAGES) tokenPages.clear()
    tokenPages.set(token, page)
  }
  return page
}

/**
 * Rendered views of cached results, in this process. A cached view is then a map lookup instead of
 * three store reads, a JSON parse and an HTML rendering. An entry lives until its result's cache
 * entry expires, but never longer than `revalidateMs`: a Refresh or an edit made through another
 * server process shows here within that window; in this process, edits and Refresh drop entries at once.
 */
export class ViewCache {
  readonly #entries = new Map<string, RenderedView>()
  readonly #definitions = new Map<string, ViewDefinition>()
  /** Bumped by forget: a definition read from the store before an edit is not kept after it. */
  #generation = 0
  /** Pages being rendered now, by key (renderOnce). */
  readonly #rendering = new Map<string, Promise<unknown>>()
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
    const anonymous = Buffer.concat(view.parts)
    this.#entries.set(key, {
      ...view,
      expiresAt,
      anonymous,
      anonymousGzip: gzipSync(anonymous),
      ...(view.parts.length > 1 ? { tokenPages: new Map() } : {}),
    })
  }

  /**
   * A cached view's definition as this process last read it, for at most `revalidateMs` like its
   * rendered pages: while a view's page may be served from memory, so may what rendering it reads
   * first (no store reads before the result's). Forgotten with the query's pages.
   */
  definition(query: string, now: number): ViewDefinition | undefined {
    const known = this.#definitions.get(query)
    const expiresAt = known?.expiresAt ?? 0
    if (expiresAt <= now || expiresAt - this.#revalidateMs > now) return undefined
    return known
  }

  /** The generation to hand back to rememberDefinition: take it before reading the store. */
  get generation(): number {
    return this.#generation
  }

  /** Keeps a definition read since `generation`; one read before a forget since is dropped. */
  rememberDefinition(query: string, definition: ViewDefinition, generation: number, now: number): void {
    if (generation !== this.#generation) return
    if (this.#definitions.size >= this.#maxEntries) this.#definitions.clear()
    this.#definitions.set(query, { ...definition, expiresAt: now + this.#revalidateMs })
  }

  /**
   * Renders the page of `key` once in this process for every request that asks while it renders:
   * the first caller's `render` runs and the others get what it resolved to, when `shareable` says
   * so (a failed rendering, or one that may not be shared, leaves each to render its own). Like the
   * engine's single flight, which waiters join for the run.
   */
  async renderOnce<T>(
    key: string,
    render: () => Promise<T>,
    shareable: (result: T) => boolean = () => true,
  ): Promise<{ readonly result: T; readonly shared: boolean }> {
    const running = this.#rendering.get(key) as Promise<T> | undefined
    if (running !== undefined) {
      const result = await running.then(
        (value) => (shareable(value) ? { value } : undefined),
        () => undefined,
      )
      if (result !== undefined) return { result: result.value, shared: true }
    }
    const rendering = render()
    this.#rendering.set(key, rendering)
    try {
      return { result: await rendering, shared: false }
    } finally {
      if (this.#rendering.get(key) === rendering) this.#rendering.delete(key)
    }
  }

  /** Drops every page showing a query (all parameters, dashboards' too), or everything. */
  forget(query?: string): void {
    this.#generation += 1
    if (query === undefined) {
      this.#definitions.clear()
      return this.#entries.clear()
    }
    this.#definitions.delete(query)
    for (const [key, entry] of this.#entries)
      if (entry.query === query || entry.queries?.includes(query) === true) this.#entries.delete(key)
  }

  /** Drops a dashboard's page and panels (all parameters, everyone's). */
  forgetDashboard(dashboard: string): void {
    for (const [key, entry] of this.#entries) if (entry.dashboard === dashboard) this.#entries.delete(key)
  }

  /**
   * A dashboard page's (`panel` '') or one panel's key: rendered for one person (`who`, '' for someone
   * not signed in), since which panels and parameters a page has depends on who looks.
   */
  static dashboardKey(
    dashboard: string,
    panel: string,
    params: Readonly<Record<string, string>>,
    embed: boolean,
    who: string,
  ): string {
    return `d${ViewCache.key(dashboard, params, embed, false, `${panel}\u0000${who}`)}`
  }
}
