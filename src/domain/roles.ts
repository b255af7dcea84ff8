/**
 * A user's roles, narrowest first: a viewer runs and views the queries shown to them, an editor also
 * writes queries, converters and templates, an admin may do everything. No imports: the admin UI
 * takes these values into its bundle (like token-scope.ts).
 */
export const ROLES = ['viewer', 'editor', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** How much each role may do: a wider role has a higher rank. */
export const ROLE_RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 }
