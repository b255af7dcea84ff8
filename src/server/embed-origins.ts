import { embedOrigin } from '../domain/embed-origins.js'
import type { Store } from '../store/index.js'
import type { ServerContext } from './context.js'

/**
 * How long a server process trusts the embed origins it read from the store: a change an admin makes
 * through another process takes effect within this (the process that saved it, at once). Same as
 * VIEW_REVALIDATE_MS, for the same reason: a view served from memory costs no store read.
 */
export const EMBED_ORIGINS_REVALIDATE_MS = 2000

// Per store, not per server context: tests and `quarry demo` start several servers on one store.
const read = new WeakMap<Store, { readonly origins: readonly string[]; readonly at: number }>()

/** Stored origins that still pass today's check (a bad row must not break every view). */
function valid(origins: readonly string[]): readonly string[] {
  return origins.flatMap((origin) => {
    try {
      return [embedOrigin(origin)]
    } catch {
      return []
    }
  })
}

/** The origins an admin listed in the admin UI (stored), read at most every EMBED_ORIGINS_REVALIDATE_MS. */
export async function storedEmbedOrigins(ctx: ServerContext): Promise<readonly string[]> {
  const now = ctx.now().getTime()
  const cached = read.get(ctx.store)
  if (cached !== undefined && now - cached.at < EMBED_ORIGINS_REVALIDATE_MS && now >= cached.at)
    return cached.origins
  const origins = valid(await ctx.store.settings.embedOrigins())
  read.set(ctx.store, { origins, at: now })
  return origins
}

/** The last merge of the flag's origins with each stored list (see frameAncestors). */
const merged = new WeakMap<
  readonly string[],
  { readonly flagged: readonly string[]; readonly ancestors: readonly string[] }
>()

/**
 * Who may frame a view: the --frame-ancestor flag's origins and the stored ones.
 *
 * @example
 * const csp = contentSecurityPolicy({ nonce, frameAncestors: await frameAncestors(ctx) })
 */
export async function frameAncestors(ctx: ServerContext): Promise<readonly string[]> {
  const flagged = ctx.options.frameAncestors
  const stored = await storedEmbedOrigins(ctx)
  // The same two lists give the same answer: a view's hit path makes no new array (and the CSP
  // directive built from it can be kept, view-page.ts).
  const last = merged.get(stored)
  if (last !== undefined && last.flagged === flagged) return last.ancestors
  const ancestors = Object.freeze([...new Set([...flagged, ...stored])])
  merged.set(stored, { flagged, ancestors })
  return ancestors
}

/** Stores the admin's list (already checked by embedOrigins) and uses it in this process at once. */
export async function saveEmbedOrigins(ctx: ServerContext, origins: readonly string[]): Promise<void> {
  await ctx.store.settings.setEmbedOrigins(origins)
  read.set(ctx.store, { origins: Object.freeze([...origins]), at: ctx.now().getTime() })
}
