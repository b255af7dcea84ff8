import type { Credentials } from '../domain/auth-kinds/index.js'
import { fixedCredentials, type AuthStrategy } from './strategy.js'

/**
 * The strategy of the kinds whose credentials are configured, not obtained (none, HTTP Basic, an API
 * key, a bearer token — each kind's `sends` in src/domain/auth-kinds/ makes them): every header it
 * sends carries a credential, so each is sensitive.
 *
 * @example staticAuth({ headers: { authorization: 'Bearer t' }, query: {} }).sensitiveHeaders // ['authorization']
 */
export function staticAuth(credentials: Credentials): AuthStrategy {
  return fixedCredentials(credentials, Object.keys(credentials.headers))
}
