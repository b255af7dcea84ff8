import type { SimContext } from '../context.js'
import type { SimSite, SimUser } from '../data/model.js'
import { gatewayError, type SimResponse } from '../http/respond.js'
import type { SimRequest } from '../http/router.js'
import type { AccessRecord } from './grants.js'
import { hasAnyScope } from './scopes.js'

export interface Caller {
  readonly access: AccessRecord
  readonly userIndex: number
  readonly user: SimUser
}

export type BearerOutcome =
  { readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly response: SimResponse }

/**
 * Checks `Authorization: Bearer …` the way Atlassian's API gateway does: an
 * unknown, revoked or expired token is 401 (or, for an expired one, the 403/404
 * the gateway sometimes answers instead — `--expired-status`), a token without a
 * needed scope is 401 "scope does not match".
 */
export function authenticate(ctx: SimContext, req: SimRequest, scopes: readonly string[]): BearerOutcome {
  const header = req.headers.authorization ?? ''
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match) return deny(ctx, gatewayError(401, 'Unauthorized'))
  const check = ctx.auth.checkAccess(match[1] as string)
  if (!check.ok) {
    if (check.reason === 'expired') return deny(ctx, expiredResponse(ctx))
    return deny(ctx, gatewayError(401, 'Unauthorized'))
  }
  if (scopes.length > 0 && !hasAnyScope(check.access.scopes, scopes))
    return deny(ctx, gatewayError(401, 'Unauthorized; scope does not match'))

  const userIndex = check.access.grant.userIndex
  return {
    ok: true,
    caller: { access: check.access, userIndex, user: ctx.world.users[userIndex] as SimUser },
  }
}

/** The sites a caller's grant covers, in world order. */
export function callerSites(ctx: SimContext, caller: Caller): SimSite[] {
  return [...caller.access.grant.siteIndexes].sort((a, b) => a - b).map((i) => ctx.world.sites[i] as SimSite)
}

function deny(ctx: SimContext, response: SimResponse): BearerOutcome {
  ctx.stats.unauthorized++
  return { ok: false, response }
}

function expiredResponse(ctx: SimContext): SimResponse {
  let status = ctx.expiredTokenStatus
  if (status === 'mixed') status = ([401, 403, 404] as const)[Math.floor(ctx.random() * 3)] ?? 401
  if (status === 403) return gatewayError(403, 'Forbidden')
  if (status === 404) return gatewayError(404, 'Not Found')
  return gatewayError(401, 'Unauthorized')
}
