import type { Viewer } from '../../domain/viewer.js'
import type { Principal } from './access.js'

/**
 * The person a request runs queries for (issue 15): the signed-in user, by session or by API token
 * (a token runs as its user); nobody for an anonymous visitor.
 *
 * @example runQuery(deps, { query, viewer: viewerOf(request.principal) })
 */
export function viewerOf(principal: Principal | undefined): Viewer | undefined {
  if (principal === undefined) return undefined
  return { name: principal.user.name, email: null, groups: principal.user.groups }
}
