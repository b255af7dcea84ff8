import { describe, expect, it } from 'vitest'
import { defineAuthKind, type Auth, type AuthType } from '../../src/domain/auth-kinds/index.js'

/**
 * What the compiler refuses (`npm run typecheck` checks this file): each `@ts-expect-error` marks a
 * kind that is not wired everywhere. Should the line compile, the directive itself is the error.
 */
describe('an auth kind the compiler refuses', () => {
  it('lacks a CLI flag, a UI label or a strategy', () => {
    const refused = () => [
      defineAuthKind({
        type: 'no-flag',
        label: 'No flag',
        // @ts-expect-error -- a field without its CLI flag
        fields: { token: { input: 'secret', label: 'Token', help: 'the token' } },
        strategy: { sends: () => ({ headers: {}, query: {} }) },
      }),
      defineAuthKind({
        type: 'no-label',
        label: 'No label',
        // @ts-expect-error -- a field without its admin UI label
        fields: { token: { input: 'secret', flag: '--token <token>', help: 'the token' } },
        strategy: { sends: () => ({ headers: {}, query: {} }) },
      }),
      // @ts-expect-error -- a kind without a strategy: requests could not authenticate
      defineAuthKind({ type: 'no-strategy', label: 'No strategy', fields: {} }),
    ]
    expect(typeof refused).toBe('function')
  })

  it('uses a field its description does not have, or a grant without a token endpoint', () => {
    const refused = () => [
      defineAuthKind({
        type: 'wrong-field',
        label: 'Wrong field',
        fields: { token: { input: 'secret', label: 'Token', flag: '--token <token>', help: 'the token' } },
        // @ts-expect-error -- `secret` is no field of this kind
        strategy: { sends: (auth) => ({ headers: { authorization: auth.secret }, query: {} }) },
      }),
      defineAuthKind({
        type: 'no-endpoint',
        label: 'No token endpoint',
        fields: {},
        // @ts-expect-error -- an OAuth 2.0 grant needs tokenUrl, clientId, clientSecret and clientAuth
        strategy: { oauth2: () => ({ kind: 'refresh' }) },
      }),
    ]
    expect(typeof refused).toBe('function')
  })
})

describe('the auth types derived from the kinds', () => {
  it('give each kind its fields, optional ones possibly absent', () => {
    const clientCredentials: Extract<Auth, { type: 'oauth2-client-credentials' }> = {
      type: 'oauth2-client-credentials',
      tokenUrl: 'https://auth.example/token',
      clientId: 'id',
      clientSecret: 'secret',
      clientAuth: 'basic',
    }
    const wrong: Extract<Auth, { type: 'oauth2-client-credentials' }> = {
      ...clientCredentials,
      // @ts-expect-error -- clientAuth is one of basic or body
      clientAuth: 'jwt',
    }
    // A table over every kind must name them all.
    // @ts-expect-error -- oauth2-authorization-code is missing
    const labels: Record<AuthType, string> = {
      none: '',
      basic: '',
      'api-key': '',
      bearer: '',
      'oauth2-client-credentials': '',
    }
    expect([clientCredentials.clientAuth, wrong.type, Object.keys(labels).length]).toEqual([
      'basic',
      'oauth2-client-credentials',
      5,
    ])
  })
})
