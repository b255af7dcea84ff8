import type { Query } from '../../domain/query.js'
import type { Role, StoredSession, StoredUser } from '../../store/index.js'

/**
 * Who may call a route: anyone; any signed-in user (viewers run and view the queries shown to them);
 * editors (queries, converters, templates) and admins; admins only (datasources, secrets, users).
 */
export type Access = 'public' | 'signed-in' | 'editor' | 'admin'

export const ACCESS_LEVELS: readonly Access[] = ['public', 'signed-in', 'editor', 'admin']

/** The user behind a request, and how they proved it. */
export interface Principal {
  readonly user: StoredUser
  /** A browser session (cookie + CSRF token) or an API token (Authorization: Bearer). */
  readonly via: 'session' | 'token'
  readonly session?: StoredSession
}

const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 }
const NEEDED: Record<Access, number> = { public: 0, 'signed-in': 1, editor: 2, admin: 3 }

export function allows(access: Access, role: Role | undefined): boolean {
  return (role === undefined ? 0 : RANK[role]) >= NEEDED[access]
}

/** Whether a query is shown to this person (undefined: not signed in). Admins and editors see all. */
export function canSeeQuery(principal: Principal | undefined, query: Pick<Query, 'visibility'>): boolean {
  const { visibility } = query
  if (visibility.public) return true
  if (principal === undefined) return false
  const { role, groups } = principal.user
  if (role === 'admin' || role === 'editor') return true
  if (!visibility.roles.includes('viewer')) return false
  return visibility.groups.length === 0 || visibility.groups.some((group) => groups.includes(group))
}
