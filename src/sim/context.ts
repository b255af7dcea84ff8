import type { SimClock } from './clock.js'
import type { SimWorld } from './data/model.js'
import type { AuthorizationServer } from './oauth/grants.js'
import type { SimClient } from './oauth/clients.js'
import type { SimStats } from './stats.js'

/** How an expired access token is answered: Atlassian's gateway sometimes says 403 or 404 instead of 401. */
export type ExpiredTokenStatus = 401 | 403 | 404 | 'mixed'

/** Everything a route handler may read or change: one simulator's state. */
export interface SimContext {
  readonly world: SimWorld
  readonly clock: SimClock
  readonly stats: SimStats
  readonly auth: AuthorizationServer
  readonly clients: ReadonlyMap<string, SimClient>
  /** Consent given without a page (`--auto-consent USER[@SITE,…|@*]`): whose, and to which sites (default: the user's first). */
  readonly autoConsent:
    { readonly login: string; readonly sites: '*' | readonly string[] | undefined } | undefined
  readonly expiredTokenStatus: ExpiredTokenStatus
  /** Seeded coin for behaviour that varies per request (site order, mixed quirks). */
  readonly random: () => number
}
