import type { Store, StoredSession } from '../../store/index.js'

/**
 * How long a server process trusts a session it read from the store: a sign-out, a password change,
 * a role change or a removed user made through ANOTHER server process reaches this one within this
 * bound (on the process that made the change, at once: it calls forgetSessions). One second keeps a
 * signed-in view a map lookup under load while a revoked session lives at most 1 s elsewhere.
 */
export const SESSION_REVALIDATE_MS = 1000

/** Sessions read at most this many at once per store; past it the map starts over (no unbounded growth). */
const MAX_SESSIONS = 10_000

interface Read {
  readonly session: StoredSession
  readonly at: number
}

// Per store, not per server context: tests and `quarry demo` start several servers on one store.
const read = new WeakMap<Store, Map<string, Read>>()
/** Per store, how many times forgetSessions ran: a read that began before one is not kept after it. */
const forgotten = new WeakMap<Store, number>()

/**
 * The session of a cookie's id, from this process's memory if it was read from the store less than
 * SESSION_REVALIDATE_MS ago and has not expired; else from the store. Unknown ids are never kept:
 * guessing cookies cannot fill the memory, and a session made on another server is seen at once.
 */
export async function sessionOf(store: Store, id: string, now: Date): Promise<StoredSession | undefined> {
  return recentSession(store, id, now.getTime()) ?? (await readSession(store, id, now))
}

/**
 * The session of a cookie's id if this process read it less than SESSION_REVALIDATE_MS ago and it has
 * not expired (no promise: a signed-in request's hit path stays synchronous); else undefined.
 */
export function recentSession(store: Store, id: string, at: number): StoredSession | undefined {
  const cached = read.get(store)?.get(id)
  if (
    cached !== undefined &&
    at >= cached.at &&
    at - cached.at < SESSION_REVALIDATE_MS &&
    cached.session.expiresAt.getTime() > at
  )
    return cached.session
  return undefined
}

/** The session of a cookie's id read from the store, and kept for SESSION_REVALIDATE_MS. */
export async function readSession(store: Store, id: string, now: Date): Promise<StoredSession | undefined> {
  const at = now.getTime()
  const generation = forgotten.get(store) ?? 0
  let sessions = read.get(store)
  const session = await store.sessions.get(id, now)
  // A sign-out (or a password, a role, a removal) while the store answered: what was read may be the
  // session it ended. This request goes on with it, as it would have a moment earlier; later ones read again.
  if ((forgotten.get(store) ?? 0) !== generation) return session
  if (sessions === undefined) {
    sessions = new Map()
    read.set(store, sessions)
  }
  if (session === undefined) {
    sessions.delete(id)
  } else {
    if (sessions.size >= MAX_SESSIONS) sessions.clear()
    sessions.set(id, { session, at })
  }
  return session
}

/**
 * Forgets every session this process read from `store`: called by whatever ends a session or changes
 * a user (sign-out, a password, a role, groups, removal), so that this process sees it at once.
 */
export function forgetSessions(store: Store): void {
  forgotten.set(store, (forgotten.get(store) ?? 0) + 1)
  read.get(store)?.clear()
}
