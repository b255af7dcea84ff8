import type { RestDatasource } from '../domain/datasource.js'
import type { ConnectionRepo } from '../store/index.js'
import { oauthAuth } from './oauth-auth.js'
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
): AuthStrategy {
  const { auth } = datasource
  switch (auth.type) {
    case 'none':
    case 'basic':
    case 'api-key':
    case 'bearer':
      return staticAuth(auth)
    case 'oauth2-client-credentials':
    case 'oauth2-authorization-code':
      return oauthAuth(datasource.name, auth, connections, fetchImpl)
  }
}
