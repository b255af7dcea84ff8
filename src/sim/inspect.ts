import type { SimContext } from './context.js'
import { json, type SimResponse } from './http/respond.js'
import type { Route, SimRequest } from './http/router.js'

const MAX_ADVANCE_SECONDS = 100 * 365 * 24 * 3600

/**
 * The simulator's own endpoints, under `/_sim/` so they can never be mistaken
 * for Atlassian's: statistics, the clock, grant revocation and reset.
 */
export function inspectionRoutes(ctx: SimContext, onReset: () => void): Route[] {
  const route = (method: string, path: string, handler: (req: SimRequest) => SimResponse): Route => ({
    method,
    pattern: new RegExp(`^/_sim/${path}$`),
    endpoint: `${method} /_sim/${path}`,
    surface: 'sim',
    handler,
  })
  return [
    route('GET', 'stats', () =>
      json(200, { ...ctx.stats.toJSON(), now: new Date(ctx.clock.now()).toISOString() }),
    ),
    route('GET', 'clock', () => json(200, { now: new Date(ctx.clock.now()).toISOString() })),
    route('POST', 'advance', (req) => {
      const text = req.url.searchParams.get('seconds') ?? ''
      const seconds = Number(text)
      // Capped at 100 years: beyond that, dates stop being representable.
      if (text === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_ADVANCE_SECONDS) {
        return json(400, {
          error: `seconds must be a number from 0 to ${MAX_ADVANCE_SECONDS}, got "${text}"`,
        })
      }
      ctx.clock.advance(seconds)
      return json(200, { now: new Date(ctx.clock.now()).toISOString() })
    }),
    route('GET', 'grants', () =>
      json(
        200,
        ctx.auth.grants().map((grant) => ({
          id: grant.id,
          clientId: grant.clientId,
          user: ctx.world.users[grant.userIndex]?.login,
          sites: [...grant.siteIndexes].map((i) => ctx.world.sites[i]?.name),
          createdAt: new Date(grant.createdAt).toISOString(),
          revokedAt: grant.revokedAt === null ? null : new Date(grant.revokedAt).toISOString(),
          revokedReason: grant.revokedReason,
        })),
      ),
    ),
    route('POST', 'revoke', (req) => {
      const id = req.url.searchParams.get('grant')
      const user = req.url.searchParams.get('user')
      const targets = ctx.auth
        .grants()
        .filter((g) => g.revokedAt === null && (g.id === id || ctx.world.users[g.userIndex]?.login === user))
      if (targets.length === 0) return json(404, { error: 'no live grant matches ?grant=ID or ?user=LOGIN' })
      for (const grant of targets) ctx.auth.revokeGrant(grant.id, 'revoked through /_sim/revoke')
      return json(200, { revoked: targets.map((g) => g.id) })
    }),
    route('POST', 'reset', () => {
      ctx.auth.reset()
      ctx.stats.reset()
      ctx.clock.reset()
      onReset()
      return json(200, { reset: true })
    }),
  ]
}
