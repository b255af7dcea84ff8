import type { Auth } from '../domain/datasource.js'
import type { ConnectionRepo } from '../store/index.js'
import { tokenEndpoint } from './oauth/token-client.js'
import { TokenManager } from './oauth/token-manager.js'
import type { AuthStrategy, Credentials } from './strategy.js'

type OAuthAuth = Extract<Auth, { type: 'oauth2-client-credentials' | 'oauth2-authorization-code' }>

/** Statuses that mean "your token is no good": 401, and the 403/404 Atlassian's gateway sometimes sends for an expired token. */
const REJECTED = new Set([401, 403, 404])

/**
 * OAuth 2.0 bearer tokens from the token endpoint: client credentials, or the
 * authorization code grant's access token kept alive with its refresh token.
 */
export function oauthAuth(
  datasource: string,
  auth: OAuthAuth,
  connections: ConnectionRepo,
  fetchImpl?: typeof fetch,
): AuthStrategy {
  const endpoint = tokenEndpoint(auth, fetchImpl)
  const parameters: Record<string, string> = {}
  if (auth.type === 'oauth2-client-credentials') {
    if (auth.scope) parameters.scope = auth.scope
    if (auth.audience) parameters.audience = auth.audience
  }
  const manager = new TokenManager({
    datasource,
    connections,
    endpoint,
    grant:
      auth.type === 'oauth2-client-credentials'
        ? { kind: 'client-credentials', parameters }
        : { kind: 'refresh' },
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
