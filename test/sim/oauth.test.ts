import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import {
  REDIRECT_URI,
  TEST_CLIENT,
  advance,
  authorize,
  authorizeUrl,
  codeFor,
  connect,
  exchange,
  jira,
  postCode,
  postToken,
  refresh,
  startTestSim,
  stats,
  type Tokens,
} from '../helpers/sim.js'

const DAY = 24 * 3600

let sim: RunningSimulator
beforeEach(async () => {
  sim = await startTestSim()
})
afterEach(async () => {
  await sim.close()
})

async function refreshOk(token: string): Promise<Tokens> {
  const response = await refresh(sim, token)
  expect(response.status).toBe(200)
  return (await response.json()) as Tokens
}

async function expectInvalidGrant(response: Response): Promise<void> {
  expect(response.status).toBe(403)
  expect(await response.json()).toEqual({
    error: 'invalid_grant',
    error_description: 'Unknown or invalid refresh token.',
  })
}

describe('authorize', () => {
  it('redirects back with a code and the state passed through', async () => {
    const location = await authorize(sim, { state: 'xyz-42' })
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI)
    expect(location.searchParams.get('code')).toMatch(/^code-/)
    expect(location.searchParams.get('state')).toBe('xyz-42')
  })

  it('refuses a redirect_uri that is not registered exactly, without redirecting', async () => {
    const response = await fetch(authorizeUrl(sim, { redirect_uri: `${REDIRECT_URI}/` }), {
      redirect: 'manual',
    })
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
    expect(await response.text()).toContain('does not match any callback URL')
  })

  it('refuses an unknown client_id with a page, not a redirect', async () => {
    const response = await fetch(authorizeUrl(sim, { client_id: 'nobody' }), { redirect: 'manual' })
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('Unknown client_id')
  })

  it('sends invalid_scope back to the app for an unknown scope', async () => {
    const location = await authorize(sim, { scope: 'read:jira-work write:everything' })
    expect(location.searchParams.get('error')).toBe('invalid_scope')
    expect(location.searchParams.get('state')).toBe('state-123')
  })

  it('requires the api.atlassian.com audience', async () => {
    const location = await authorize(sim, { audience: 'example.org' })
    expect(location.searchParams.get('error')).toBe('invalid_request')
  })

  it('requires response_type=code', async () => {
    const location = await authorize(sim, { response_type: 'token' })
    expect(location.searchParams.get('error')).toBe('unsupported_response_type')
  })
})

describe('consent page', () => {
  let manual: RunningSimulator
  beforeEach(async () => {
    manual = await startTestSim({ autoConsent: undefined })
  })
  afterEach(async () => {
    await manual.close()
  })

  it('offers a site picker to a user with several sites', async () => {
    const page = await (await fetch(`${authorizeUrl(manual)}&login=alice`)).text()
    expect(page).toContain('<select name="site">')
    expect(page).toContain('acme')
    expect(page).toContain('globex')
  })

  it('redirects with error=access_denied when the user denies', async () => {
    const form = new URLSearchParams(new URL(`${authorizeUrl(manual)}&login=bob`).searchParams)
    form.set('decision', 'deny')
    const response = await fetch(`${manual.url}/authorize/consent`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    })
    const location = new URL(response.headers.get('location') ?? '')
    expect(location.searchParams.get('error')).toBe('access_denied')
    expect(location.searchParams.get('state')).toBe('state-123')
  })

  it('issues a code for the chosen site when the user accepts', async () => {
    const globex = manual.context.world.sites.find((s) => s.name === 'globex')
    const form = new URLSearchParams(new URL(`${authorizeUrl(manual)}&login=alice`).searchParams)
    form.set('decision', 'accept')
    form.set('site', globex?.cloudId ?? '')
    const response = await fetch(`${manual.url}/authorize/consent`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    })
    const code = new URL(response.headers.get('location') ?? '').searchParams.get('code') ?? ''
    const tokens = await exchange(manual, code)
    const sites = (await (
      await fetch(`${manual.url}/oauth/token/accessible-resources`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      })
    ).json()) as { name: string }[]
    expect(sites.map((s) => s.name)).toEqual(['globex'])
  })
})

describe('authorization codes', () => {
  it('are single use: the second exchange is invalid_grant', async () => {
    const code = await codeFor(sim)
    await exchange(sim, code)
    const again = await postCode(sim, code)
    expect(again.status).toBe(403)
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('expire after 10 minutes', async () => {
    const code = await codeFor(sim)
    await advance(sim, 601)
    const response = await postCode(sim, code)
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('are bound to the client they were issued to', async () => {
    const other = await startTestSim({
      clients: [
        TEST_CLIENT,
        { clientId: 'other', clientSecret: 'other-secret', redirectUris: [REDIRECT_URI], name: 'other' },
      ],
    })
    try {
      const code = await codeFor(other)
      const response = await postCode(other, code, { client_id: 'other', client_secret: 'other-secret' })
      expect(response.status).toBe(403)
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
    } finally {
      await other.close()
    }
  })

  it('are bound to the redirect_uri they were issued for', async () => {
    const code = await codeFor(sim)
    const response = await postCode(sim, code, { redirect_uri: 'https://example.com' })
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
  })
})

describe('token endpoint', () => {
  it('requires the client secret (no PKCE-only exchange)', async () => {
    const code = await codeFor(sim)
    const response = await postCode(sim, code, { client_secret: undefined, code_verifier: 'a'.repeat(43) })
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: 'access_denied', error_description: 'Unauthorized' })
  })

  it('refuses a wrong client secret', async () => {
    const code = await codeFor(sim)
    const response = await postCode(sim, code, { client_secret: 'wrong' })
    expect(response.status).toBe(401)
  })

  it('accepts a form-encoded body', async () => {
    const code = await codeFor(sim)
    const response = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: TEST_CLIENT.clientId,
        client_secret: TEST_CLIENT.clientSecret,
        code,
        redirect_uri: REDIRECT_URI,
      }),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600 })
  })

  it('answers an unsupported grant type with unsupported_grant_type', async () => {
    const response = await postToken(sim, { grant_type: 'password', client_id: TEST_CLIENT.clientId })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'unsupported_grant_type' })
  })

  it('answers a malformed JSON body with invalid_request', async () => {
    const response = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":',
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('gives a refresh token only when offline_access was granted', async () => {
    const tokens = await connect(sim, { scope: 'read:jira-work' })
    expect(tokens.refresh_token).toBeUndefined()
    expect((await connect(sim)).refresh_token).toMatch(/^rt-/)
  })
})

describe('rotating refresh tokens', () => {
  it('return a new refresh token on every refresh', async () => {
    const first = await connect(sim)
    const second = await refreshOk(first.refresh_token ?? '')
    expect(second.refresh_token).toBeDefined()
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect(second.access_token).not.toBe(first.access_token)
  })

  it('keep a rotated refresh token working within the grace period', async () => {
    const first = await connect(sim)
    await refreshOk(first.refresh_token ?? '')
    await advance(sim, 9 * 60)
    await refreshOk(first.refresh_token ?? '')
    expect((await stats(sim)).revokedGrants).toBe(0)
  })

  it('revoke every token of the grant when a rotated token is reused after the grace period', async () => {
    const first = await connect(sim)
    const second = await refreshOk(first.refresh_token ?? '')
    await advance(sim, 11 * 60)
    await expectInvalidGrant(await refresh(sim, first.refresh_token ?? ''))
    // the newest refresh token and its access token died with the grant
    await expectInvalidGrant(await refresh(sim, second.refresh_token ?? ''))
    expect((await jira(sim, second.access_token, 'myself')).status).toBe(401)
    expect(await stats(sim)).toMatchObject({ revokedGrants: 1, invalidGrants: 2 })
  })

  it('expire after 90 days without use', async () => {
    const first = await connect(sim)
    await advance(sim, 91 * DAY)
    await expectInvalidGrant(await refresh(sim, first.refresh_token ?? ''))
  })

  it('keep working when used within every 90 days', async () => {
    let tokens = await connect(sim)
    for (let i = 0; i < 3; i++) {
      await advance(sim, 89 * DAY)
      tokens = await refreshOk(tokens.refresh_token ?? '')
    }
  })

  it('expire 365 days after consent, however often they are used', async () => {
    let tokens = await connect(sim)
    for (let day = 0; day < 360; day += 60) {
      await advance(sim, 60 * DAY)
      if (day + 60 <= 365) tokens = await refreshOk(tokens.refresh_token ?? '')
    }
    await advance(sim, 6 * DAY)
    await expectInvalidGrant(await refresh(sim, tokens.refresh_token ?? ''))
  })

  it('are counted in /_sim/stats, with requests per endpoint', async () => {
    const first = await connect(sim)
    await refreshOk(first.refresh_token ?? '')
    const counters = await stats(sim)
    expect(counters).toMatchObject({ refreshes: 1, tokensIssued: 2, invalidGrants: 0 })
    expect(counters.requests).toMatchObject({ 'GET /authorize': 1, 'POST /oauth/token': 2 })
  })
})

describe('access tokens', () => {
  it('expire after --access-ttl seconds and are then refused with 401', async () => {
    const tokens = await connect(sim)
    expect((await jira(sim, tokens.access_token, 'myself')).status).toBe(200)
    await advance(sim, 3601)
    const response = await jira(sim, tokens.access_token, 'myself')
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ code: 401, message: 'Unauthorized' })
  })

  it('can be answered with 403 or 404 after expiry, as the gateway sometimes does', async () => {
    const quirky = await startTestSim({ expiredStatus: 404 })
    try {
      const tokens = await connect(quirky)
      await advance(quirky, 3601)
      expect((await jira(quirky, tokens.access_token, 'myself')).status).toBe(404)
    } finally {
      await quirky.close()
    }
  })

  it('reach only the sites of the grant', async () => {
    const tokens = await connect(sim)
    const initech = sim.context.world.sites.find((s) => s.name === 'initech')
    expect((await jira(sim, tokens.access_token, 'myself', { site: initech?.cloudId ?? '' })).status).toBe(
      401,
    )
  })

  it('are refused after /_sim/revoke', async () => {
    const tokens = await connect(sim)
    expect((await fetch(`${sim.url}/_sim/revoke?user=alice`, { method: 'POST' })).status).toBe(200)
    expect((await jira(sim, tokens.access_token, 'myself')).status).toBe(401)
  })
})

describe('identity endpoints', () => {
  it('list the granted sites in accessible-resources', async () => {
    const all = await startTestSim({ autoConsent: { login: 'alice', sites: '*' } })
    try {
      const tokens = await connect(all)
      const response = await fetch(`${all.url}/oauth/token/accessible-resources`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      })
      const sites = (await response.json()) as {
        id: string
        name: string
        url: string
        scopes: string[]
        avatarUrl: string
      }[]
      expect(sites.map((s) => s.name).sort()).toEqual(['acme', 'globex'])
      for (const site of sites) {
        expect(site.url).toBe(`https://${site.name}.atlassian.net`)
        expect(site.scopes).toContain('read:jira-work')
        expect(site.scopes).not.toContain('offline_access')
      }
    } finally {
      await all.close()
    }
  })

  it('answer /me for a token with read:me', async () => {
    const tokens = await connect(sim)
    const me = await (
      await fetch(`${sim.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    ).json()
    expect(me).toMatchObject({ email: 'alice@example.com', nickname: 'alice', account_status: 'active' })
  })
})

describe('/_sim/reset', () => {
  it('forgets tokens and zeroes the counters', async () => {
    const tokens = await connect(sim)
    await fetch(`${sim.url}/_sim/reset`, { method: 'POST' })
    expect((await jira(sim, tokens.access_token, 'myself')).status).toBe(401)
    expect(await stats(sim)).toMatchObject({ tokensIssued: 0, refreshes: 0 })
  })
})
