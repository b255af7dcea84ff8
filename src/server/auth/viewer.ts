import { contextParam } from '../../domain/context-params.js'
import type { Query } from '../../domain/query.js'
import type { Viewer } from '../../domain/viewer.js'
import { usedContextNames } from '../../engine/detect-params.js'
import type { LoadedQuery } from '../../engine/load.js'
import { isVisitor, type Principal } from './access.js'

/**
 * Whom a query runs for in the server (issue 15): the signed-in user — a session's, or an API
 * token's user — who sees the query by role. A visitor of a public view (anonymous, or signed in but
 * shown it only because it is public) runs it as nobody, like the CLI and schedules: a page cached
 * for visitors must never carry one person's :@user.… values to the next. Without a query (a route
 * that only signed-in people reach), the signed-in user; an API token runs as its user.
 *
 * @example viewerOf(principal, query) // { name: 'ada', email: 'ada@example.com', groups: ['ops'] }
 */
export function viewerOf(
  principal: Principal | undefined,
  query?: Pick<Query, 'visibility'>,
): Viewer | undefined {
  if (principal === undefined) return undefined
  return query !== undefined && isVisitor(principal, query) ? undefined : signedInViewer(principal)
}

/** The signed-in user as a viewer, for a route only signed-in people reach (a sample, by an editor). */
export function signedInViewer(principal: Principal): Viewer {
  const { name, email, groups } = principal.user
  return { name, email, groups }
}

/** Whether a query's runs depend on who runs it: it uses :@user.name, :@user.email or :@user.groups. */
export function usesViewer(loaded: Pick<LoadedQuery, 'query' | 'datasource'>): boolean {
  return usedContextNames(loaded).some((name) => contextParam(name)?.needsViewer === true)
}
