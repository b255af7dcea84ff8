import { authKindOf, type AnyAuthKind, type TokenEndpointFields } from '../domain/auth-kinds/index.js'
import type { RestDatasource } from '../domain/datasource.js'
import type { Meter } from '../domain/meter.js'
import type { QuarryError } from '../domain/errors.js'
import { SHARED_CONNECTION, type ConnectionRepo } from '../store/index.js'
import { connectionRequired } from './connection-owner.js'
import { oauthAuth } from './oauth-auth.js'
import { reuseGraceOf } from './oauth/reuse-grace.js'
import { staticAuth } from './static-auth.js'
import type { AuthStrategy } from './strategy.js'

export type { AuthStrategy, Credentials } from './strategy.js'
export { TokenManager, isFresh, reconnectCommand } from './oauth/token-manager.js'
export {
  connectionUser,
  connectionRequired,
  ConnectionRequiredError,
  providerName,
} from './connection-owner.js'

/**
 * The strategy for a datasource's auth kind; `user` is whose connection it uses (connectionUser in
 * connection-owner.ts: '' for the shared one, the viewer's name on a per-user datasource).
 *
 * @example const auth = authFor(datasource, store.connections); const { headers } = await auth.credentials()
 */
export function authFor(
  datasource: RestDatasource,
  connections: ConnectionRepo,
  fetchImpl?: typeof fetch,
  meter?: Meter,
  user: string = SHARED_CONNECTION,
): AuthStrategy {
  return strategyOf(authKindOf(datasource.auth.type), datasource.auth, {
    datasource: datasource.name,
    connections,
    ...(user === SHARED_CONNECTION
      ? {}
      : { user, connectionRequired: (why?: string) => connectionRequired(datasource, why) }),
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
    /** Whose connection: a person's own on a per-user datasource (issue 15); the shared one when absent. */
    user?: string
    /** The Connect prompt's error for that person's missing connection (token-manager.ts). */
    connectionRequired?: (why?: string) => QuarryError
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
    context.user === undefined
      ? undefined
      : { user: context.user, connectionRequired: context.connectionRequired },
  )
}
