import { authKindOf, type AnyAuthKind, type TokenEndpointFields } from '../domain/auth-kinds/index.js'
import type { RestDatasource } from '../domain/datasource.js'
import type { Meter } from '../domain/meter.js'
import type { ConnectionRepo } from '../store/index.js'
import { oauthAuth } from './oauth-auth.js'
import { reuseGraceOf } from './oauth/reuse-grace.js'
import { staticAuth } from './static-auth.js'
import type { AuthStrategy } from './strategy.js'

export type { AuthStrategy, Credentials } from './strategy.js'
export { TokenManager, isFresh, reconnectCommand } from './oauth/token-manager.js'

/**
 * The strategy for a datasource's auth kind.
 *
 * @example const auth = authFor(datasource, store.connections); const { headers } = await auth.credentials()
 */
export function authFor(
  datasource: RestDatasource,
  connections: ConnectionRepo,
  fetchImpl?: typeof fetch,
  meter?: Meter,
): AuthStrategy {
  return strategyOf(authKindOf(datasource.auth.type), datasource.auth, {
    datasource: datasource.name,
    connections,
    reuseGraceMs: reuseGraceOf(datasource),
    ...(fetchImpl ? { fetchImpl } : {}),
    ...(meter ? { meter } : {}),
  })
}

/**
 * The strategy a kind's description asks for: its fixed credentials, or OAuth 2.0 tokens obtained with
 * its grant and kept in `connections` under the datasource's name.
 *
 * @example strategyOf(AUTH_KINDS.bearer, { type: 'bearer', token: 't' }, { datasource: 'api', connections })
 */
export function strategyOf(
  kind: AnyAuthKind,
  auth: { readonly type: string } & Readonly<Record<string, unknown>>,
  context: {
    datasource: string
    connections: ConnectionRepo
    fetchImpl?: typeof fetch
    /** reuse-grace.ts; none when not given. */
    reuseGraceMs?: number
    /** Counts token refreshes (/metrics). */
    meter?: Meter
  },
): AuthStrategy {
  // The kind's description typed its strategy against its own fields; `auth` was parsed by its schema.
  const { strategy } = kind
  if ('sends' in strategy) return staticAuth(strategy.sends(auth as never))
  return oauthAuth(
    context.datasource,
    auth as unknown as TokenEndpointFields,
    strategy.oauth2(auth as never),
    context.connections,
    context.fetchImpl,
    context.reuseGraceMs,
    context.meter,
  )
}
