import type { OAuthGrant, TokenEndpointFields } from '../domain/auth-kinds/index.js'
import type { QuarryError } from '../domain/errors.js'
import type { Meter } from '../domain/meter.js'
import type { ConnectionRepo } from '../store/index.js'
import { tokenEndpoint } from './oauth/token-client.js'
import { TokenManager } from './oauth/token-manager.js'
import type { AuthStrategy, Credentials } from './strategy.js'

/** Statuses that mean "your token is no good": 401, and the 403/404 Atlassian's gateway sometimes sends for an expired token. */
const REJECTED = new Set([401, 403, 404])

/**
 * OAuth 2.0 bearer tokens from the token endpoint: client credentials, or the
 * authorization code grant's access token kept alive with its refresh token (`grant`, from the kind's
 * description in src/domain/auth-kinds/).
 */
export function oauthAuth(
  datasource: string,
  auth: TokenEndpointFields,
  grant: OAuthGrant,
  connections: ConnectionRepo,
  fetchImpl?: typeof fetch,
  reuseGraceMs?: number,
  meter?: Meter,
  owner?: {
    readonly user: string
    readonly connectionRequired?: ((why?: string) => QuarryError) | undefined
  },
): AuthStrategy {
  const manager = new TokenManager({
    datasource,
    ...(owner === undefined
      ? {}
      : {
          user: owner.user,
          ...(owner.connectionRequired ? { connectionRequired: owner.connectionRequired } : {}),
        }),
    connections,
    endpoint: tokenEndpoint(auth, fetchImpl, reuseGraceMs),
    grant,
    ...(meter ? { onRefresh: (outcome) => meter.tokenRefresh(datasource, outcome) } : {}),
  })
  const bearer = (token: string): Credentials => ({
    headers: { authorization: `Bearer ${token}` },
    query: {},
  })
  return {
    sensitiveHeaders: ['authorization'],
    credentials: async () => bearer(await manager.accessToken()),
    async rejected(status, used) {
      if (!REJECTED.has(status)) return false
      const stale = used.headers.authorization?.replace(/^Bearer /, '')
      if (!stale) return false
      // 401: the token is no good, whatever its stored expiry says. 403/404: Atlassian's gateway says
      // that for an expired token too, but for a token far from expiry it is a real "forbidden" or
      // "not found" — refreshing then would only rotate the refresh token for nothing.
      if (status !== 401 && !(await manager.nearExpiry(stale))) return false
      await manager.renew(stale)
      return true
    },
  }
}
