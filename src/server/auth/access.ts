import { SYSTEM_ACTOR, type Actor } from '../../domain/audit.js'
import type { Query } from '../../domain/query.js'
import { ROLE_RANK as RANK } from '../../domain/roles.js'
import type { Role, StoredSession, StoredUser } from '../../store/index.js'

/**
 * Who may call a route: anyone; any signed-in user (viewers run and view the queries shown to them);
 * editors (queries, converters, templates) and admins; admins only (datasources, secrets, users).
 */
export type Access = 'public' | 'signed-in' | 'editor' | 'admin'

export const ACCESS_LEVELS: readonly Access[] = ['public', 'signed-in', 'editor', 'admin']

/**
 * The user behind a request, and how they proved it. For an API token, `user.role` is already
 * narrowed to the token's scope: everything downstream (access rules, visibility, error details)
 * then treats a `run` token of an admin as a viewer.
 */
export interface Principal {
  readonly user: StoredUser
  /** A browser session (cookie + CSRF token) or an API token (Authorization: Bearer). */
  readonly via: 'session' | 'token'
  readonly session?: StoredSession
  /** The API token's name: the audit log records it beside the user. */
  readonly tokenName?: string
  /** The API token's own expiry: a token cannot make one that outlives it. */
  readonly tokenExpiresAt?: Date | null
}

// API token scopes, narrowest first, and the role each acts as at most (issue 10): one list, shared
// with the admin UI's scope select.
export { SCOPE_ROLE, TOKEN_SCOPES } from '../../domain/token-scope.js'

/** The lower of two roles. */
export function narrowerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b
}
const NEEDED: Record<Access, number> = { public: 0, 'signed-in': 1, editor: 2, admin: 3 }

export function allows(access: Access, role: Role | undefined): boolean {
  return (role === undefined ? 0 : RANK[role]) >= NEEDED[access]
}

/**
 * Whether a query is shown to this person by their role and groups (undefined: not signed in), not
 * counting `public`. Admins and editors see all.
 */
export function seesByRole(principal: Principal | undefined, query: Pick<Query, 'visibility'>): boolean {
  if (principal === undefined) return false
  const { visibility } = query
  const { role, groups } = principal.user
  if (role === 'admin' || role === 'editor') return true
  if (!visibility.roles.includes('viewer')) return false
  return visibility.groups.length === 0 || visibility.groups.some((group) => groups.includes(group))
}

/** Whether a query is shown to this person: by role, or to everyone when it is public. */
export function canSeeQuery(principal: Principal | undefined, query: Pick<Query, 'visibility'>): boolean {
  return query.visibility.public || seesByRole(principal, query)
}

/**
 * Whether this person sees the query only because it is public: then they are a visitor, and only
 * the parameters opened to visitors take their values (domain/params.ts checkVisitorParams).
 */
export function isVisitor(principal: Principal | undefined, query: Pick<Query, 'visibility'>): boolean {
  return query.visibility.public && !seesByRole(principal, query)
}

/**
 * Who the audit log names for the changes of a request: the user, or the user through an API token.
 *
 * @example actorOf({ user, via: 'token', tokenName: 'ci' }) // { type: 'token', user: 'ada', token: 'ci' }
 */
export function actorOf(principal: Principal | undefined): Actor {
  if (principal === undefined) return SYSTEM_ACTOR
  if (principal.via === 'token')
    return { type: 'token', user: principal.user.name, token: principal.tokenName ?? '' }
  return { type: 'user', user: principal.user.name }
}
