/**
 * The OAuth 2.0 (3LO) scopes the simulator knows: Jira's classic scopes, the
 * user-identity scopes and a few granular ones. An authorize request naming any
 * other scope is refused (`invalid_scope`), as Atlassian does.
 */
export const KNOWN_SCOPES: ReadonlySet<string> = new Set([
  'offline_access',
  'read:me',
  'read:account',
  'read:jira-work',
  'write:jira-work',
  'read:jira-user',
  'manage:jira-project',
  'manage:jira-configuration',
  'manage:jira-webhook',
  'manage:jira-data-provider',
  'read:issue:jira',
  'read:issue-details:jira',
  'read:project:jira',
  'read:user:jira',
  'read:field:jira',
  'read:jql:jira',
  'read:board-scope:jira-software',
  'read:sprint:jira-software',
  'read:epic:jira-software',
])

/** What each Jira route demands. A token needs one of the listed scopes (classic or granular). */
export const SCOPE_READ_WORK = ['read:jira-work', 'read:issue:jira'] as const
export const SCOPE_READ_USER = ['read:jira-user', 'read:user:jira'] as const
export const SCOPE_READ_ME = ['read:me'] as const
/** Jira Software's agile API takes its own granular scopes: classic read:jira-work is not enough. */
export const SCOPE_READ_BOARD = ['read:board-scope:jira-software'] as const
export const SCOPE_READ_SPRINT = ['read:sprint:jira-software'] as const
export const SCOPE_READ_EPIC = ['read:epic:jira-software'] as const

export function parseScopes(text: string): string[] {
  return text.split(/\s+/).filter((s) => s !== '')
}

export function hasAnyScope(granted: ReadonlySet<string>, needed: readonly string[]): boolean {
  return needed.some((scope) => granted.has(scope))
}
