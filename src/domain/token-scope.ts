/**
 * API token scopes (issue 10), narrowest first: `run` views and runs queries, `edit` also writes
 * queries, `admin` may do all its user may. A token never does more than its user's role.
 * No imports: the admin UI takes these values into its bundle.
 */
export const TOKEN_SCOPES = ['run', 'edit', 'admin'] as const
export type TokenScope = (typeof TOKEN_SCOPES)[number]

/** The role a token of each scope acts as at most. */
export const SCOPE_ROLE: Record<TokenScope, 'viewer' | 'editor' | 'admin'> = {
  run: 'viewer',
  edit: 'editor',
  admin: 'admin',
}

/** An API token as GET /api/tokens lists it (never the token itself); times are ISO 8601. */
export interface ApiTokenView {
  id: string
  name: string
  scope: TokenScope
  createdAt: string
  /** Null: it lasts until revoked. */
  expiresAt: string | null
  /** Null: never used. */
  lastUsedAt: string | null
}
