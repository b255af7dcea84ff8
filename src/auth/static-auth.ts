import type { Auth } from '../domain/datasource.js'
import { NO_CREDENTIALS, fixedCredentials, type AuthStrategy } from './strategy.js'

type StaticAuth = Extract<Auth, { type: 'none' | 'basic' | 'api-key' | 'bearer' }>

/**
 * The auth kinds whose credentials are configured, not obtained: none, HTTP
 * Basic (RFC 7617), an API key in a header or the query, a bearer token.
 *
 * @example staticAuth({ type: 'bearer', token: 't' }).credentials() // { headers: { authorization: 'Bearer t' }, query: {} }
 */
export function staticAuth(auth: StaticAuth): AuthStrategy {
  switch (auth.type) {
    case 'none':
      return fixedCredentials(NO_CREDENTIALS, [])
    case 'basic': {
      const token = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')
      return fixedCredentials({ headers: { authorization: `Basic ${token}` }, query: {} }, ['authorization'])
    }
    case 'api-key':
      return auth.in === 'header'
        ? fixedCredentials({ headers: { [auth.name.toLowerCase()]: auth.value }, query: {} }, [
            auth.name.toLowerCase(),
          ])
        : fixedCredentials({ headers: {}, query: { [auth.name]: auth.value } }, [])
    case 'bearer':
      return fixedCredentials({ headers: { authorization: `Bearer ${auth.token}` }, query: {} }, [
        'authorization',
      ])
  }
}
