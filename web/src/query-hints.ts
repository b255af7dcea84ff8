import type { Visibility } from '../../src/domain/query.js'

/**
 * What the query editor says about caching and visibility, kept apart from the page so that a test
 * (test/server/query-hints.test.ts) puts each sentence beside what the server does: a hint that
 * drifts from the server fails there (issue 11: "Empty = the server's default" promised a default
 * that does not exist, and an "editor" box stored a role that changes nothing).
 * Type imports only: the test compiles this module with the server's settings.
 */

/** Under the cache TTL: the engine and the views cache only for a TTL above 0 (`cacheTtlSeconds ?? 0`). */
export const CACHE_TTL_HINT = 'Empty or 0: no caching; every run fetches the rows afresh.'

/** Above the visibility boxes: the roles that see every query whatever this query says. */
export const ALWAYS_SEE = 'Admins and editors see every query. Who else may see this one:'

/** Under the groups: they narrow which viewers see the query (src/server/auth/access.ts seesByRole). */
export const GROUPS_HINT = 'Comma-separated; when set, only viewers in one of them see it.'

/**
 * Who sees the query, in a sentence: as src/server/auth/access.ts decides (admins and editors see
 * all; viewers by the box and their groups; when it is public, anyone else opens its view as a
 * visitor, with only the parameters opened to visitors).
 *
 * @example whoSees({ roles: ['viewer'], groups: [], public: false })
 * // 'Admins, editors and viewers see it; nobody else can open its view.'
 */
export function whoSees(visibility: Visibility): string {
  const members = visibility.roles.includes('viewer')
    ? visibility.groups.length > 0
      ? `Admins, editors and viewers in ${visibility.groups.join(', ')}`
      : 'Admins, editors and viewers'
    : 'Only admins and editors'
  return visibility.public
    ? `${members} see it; anyone else, signed in or not, can open its view with the parameters opened to visitors.`
    : `${members} see it; nobody else can open its view.`
}
