import { describe, expect, it } from 'vitest'
import { checkCallback, loopbackTarget, startConsent } from '../../src/auth/oauth/consent.js'
import { jiraCloudDatasource } from '../../src/auth/presets/jira-cloud.js'
import { isQuarryError } from '../../src/domain/errors.js'

const generic = {
  type: 'oauth2-authorization-code' as const,
  authorizeUrl: 'https://idp.example.com/authorize',
  tokenUrl: 'https://idp.example.com/token',
  clientId: 'app',
  clientSecret: 's3cret',
  scopes: 'read offline_access',
  redirectUri: 'http://localhost:8765/callback',
  pkce: true,
  authorizeParams: { prompt: 'consent' },
  clientAuth: 'body' as const,
}

describe('the authorize URL', () => {
  it('carries PKCE (S256) where the provider supports it', async () => {
    const attempt = await startConsent(generic)
    const url = new URL(attempt.url)
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/)
    expect(attempt.codeVerifier).toMatch(/^[\w-]{43,}$/)
  })

  it('sends no PKCE to Atlassian, but its audience, offline_access and prompt=consent', async () => {
    const jira = jiraCloudDatasource({ name: 'jira', clientId: 'app', clientSecret: 's' }, {})
    if (jira.auth.type !== 'oauth2-authorization-code') throw new Error('preset is 3LO')
    const url = new URL((await startConsent(jira.auth)).url)
    expect(`${url.origin}${url.pathname}`).toBe('https://auth.atlassian.com/authorize')
    expect(url.searchParams.get('code_challenge')).toBeNull()
    expect(url.searchParams.get('audience')).toBe('api.atlassian.com')
    expect(url.searchParams.get('scope')).toBe(
      'read:jira-work read:jira-user read:board-scope:jira-software read:sprint:jira-software read:epic:jira-software offline_access',
    )
    expect(url.searchParams.get('prompt')).toBe('consent')
    expect(url.searchParams.get('response_type')).toBe('code')
  })

  it('uses a fresh, unguessable state every time', async () => {
    const states = new Set(
      await Promise.all(Array.from({ length: 20 }, async () => (await startConsent(generic)).state)),
    )
    expect(states.size).toBe(20)
    for (const state of states) expect(state.length).toBeGreaterThanOrEqual(43)
  })
})

describe('the callback', () => {
  it('must carry this attempt’s state', async () => {
    const attempt = await startConsent(generic)
    const error = (() => {
      try {
        checkCallback(new URL('http://localhost:8765/callback?code=c&state=other'), attempt)
      } catch (e) {
        return e
      }
    })()
    expect(isQuarryError(error, 'QUARRY_OAUTH_STATE_MISMATCH')).toBe(true)
  })

  it('is received on loopback only', () => {
    expect(loopbackTarget('http://localhost:8765/callback')).toEqual({ port: 8765, path: '/callback' })
    expect(loopbackTarget('https://example.com')).toBeUndefined()
    expect(loopbackTarget('http://192.168.1.5:8765/callback')).toBeUndefined()
  })
})
