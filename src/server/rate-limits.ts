import type { FastifyReply, FastifyRequest } from 'fastify'
import { QuarryError } from '../domain/errors.js'
import type { ServerContext } from './context.js'

/**
 * What a route's requests are counted as: sign-in attempts (per client address), Refresh presses and
 * API runs (per signed-in user, or per address for someone not signed in).
 */
export type LimitKind = 'sign-in' | 'refresh' | 'api'

const WINDOW_MS = 60_000

const WHAT: Record<LimitKind, string> = {
  'sign-in': 'sign-in attempts',
  refresh: 'Refresh presses',
  api: 'runs',
}

function perMinute(ctx: ServerContext, kind: LimitKind): number {
  const { loginAttemptsPerMinute, refreshesPerMinute, apiRunsPerMinute } = ctx.options
  return kind === 'sign-in'
    ? loginAttemptsPerMinute
    : kind === 'refresh'
      ? refreshesPerMinute
      : apiRunsPerMinute
}

/**
 * A preHandler of the routes with a limit (only theirs: other requests skip it): counts the request
 * in the store (so every server on one database shares the count) and refuses it with 429 and
 * Retry-After past the route's limit. The client address is Fastify's `request.ip`: the socket's, or
 * the `X-Forwarded-For` entry that trusted proxies vouch for (`--trust-proxy`); a header from anyone
 * else is ignored.
 */
export function rateLimit(ctx: ServerContext, kind: LimitKind) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const user = request.principal?.user.name
    const who = kind !== 'sign-in' && user !== undefined ? `user:${user}` : `ip:${request.ip}`
    const max = perMinute(ctx, kind)
    const { allowed, retryAfterMs } = await ctx.store.rateLimits.hit(
      `${kind}:${who}`,
      max,
      WINDOW_MS,
      ctx.now(),
    )
    if (allowed) return
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
    reply.header('retry-after', String(seconds))
    throw new QuarryError(
      'QUARRY_TOO_MANY_REQUESTS',
      `More than ${max} ${WHAT[kind]} a minute ${who.startsWith('user:') ? `by ${user}` : 'from this address'}; try again in ${seconds} s.`,
    )
  }
}

/**
 * Whether a visitor's Refresh of `query` may fetch now: once per cool-down per query, counted in the
 * store, so anonymous presses on any server cannot spend the datasource's rate limit (issue 10).
 */
export async function refreshCooledDown(ctx: ServerContext, query: string): Promise<boolean> {
  const windowMs = ctx.options.refreshCooldownSeconds * 1000
  if (windowMs === 0) return true
  return (await ctx.store.rateLimits.hit(`refresh-cooldown:${query}`, 1, windowMs, ctx.now())).allowed
}
