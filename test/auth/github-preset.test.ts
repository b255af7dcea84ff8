import { afterEach, describe, expect, it } from 'vitest'
import { startConsent } from '../../src/auth/oauth/consent.js'
import { finishConsent } from '../../src/auth/oauth/finish-consent.js'
import { refreshIdle } from '../../src/auth/keep-alive.js'
import { createFromPreset } from '../../src/auth/presets/create-from-preset.js'
import { presetNamed } from '../../src/auth/presets/index.js'
import { QuarryError } from '../../src/domain/errors.js'
import { loadRestDatasource, runQuery } from '../../src/engine/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { startTestServer } from '../helpers/server.js'
import { GITHUB_APP, OAUTH_APP, startGithubLike, type GithubLike } from '../helpers/github-like.js'

/**
 * The GitHub preset (issue 14) against `oidc-provider` made to behave like GitHub, with a front for
 * what it cannot be told to do (test/helpers/github-like.ts): connect, refresh with rotation, GitHub's
 * 200-with-error answers, and the ready-made queries against a GitHub-shaped API.
 */

const REDIRECT = 'http://127.0.0.1:8765/callback'
let engine: TestEngine | undefined
let github: GithubLike | undefined
afterEach(async () => {
  await github?.close()
  await engine?.close()
  engine = github = undefined
})

async function setUp(appKind: 'oauth-app' | 'github-app', clientSecret?: string): Promise<GithubLike> {
  github = await startGithubLike([REDIRECT])
  engine = await startTestEngine()
  const app = appKind === 'oauth-app' ? OAUTH_APP : GITHUB_APP
  await createFromPreset(engine.store, {
    preset: 'github',
    name: 'gh',
    given: { clientId: app.client_id, clientSecret: clientSecret ?? app.client_secret, appKind },
    place: { authUrl: github.front.url, apiUrl: github.idp.resourceUrl, redirectUri: REDIRECT },
    fieldName: (key) => key,
  })
  return github
}

async function connect(tamper: (callback: URL) => void = () => {}) {
  const store = (engine as TestEngine).store
  const datasource = await loadRestDatasource(store, 'gh', 'test')
  if (datasource.auth.type !== 'oauth2-authorization-code') throw new Error('3LO expected')
  const attempt = await startConsent(datasource.auth)
  const asked = new URL(attempt.url).searchParams
  expect([asked.get('code_challenge_method'), asked.get('prompt')]).toEqual(['S256', null])
  const callback = new URL(await (github as GithubLike).idp.consent(attempt.url))
  tamper(callback)
  return finishConsent(store, datasource, { callback, attempt })
}

async function rows(query: string, params?: Record<string, string>): Promise<unknown[]> {
  const result = await runQuery(engine as TestEngine, { query, ...(params ? { params } : {}) })
  return JSON.parse(result.rowsJson) as unknown[]
}

async function failure(promise: Promise<unknown>): Promise<QuarryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(QuarryError)
  return error as QuarryError
}

describe('the github preset', () => {
  it("builds GitHub's endpoints, API headers and Link-paged queries", () => {
    const preset = presetNamed('github')
    const datasource = preset.datasource(
      'gh',
      { clientId: 'Ov23li', clientSecret: 's', appKind: 'github-app' },
      {},
    )
    expect(datasource).toMatchObject({
      baseUrl: 'https://api.github.com',
      testPath: '/user',
      headers: [
        { name: 'Accept', value: 'application/vnd.github+json' },
        { name: 'X-GitHub-Api-Version', value: '2022-11-28' },
      ],
      auth: {
        authorizeUrl: 'https://github.com/login/oauth/authorize',
        tokenUrl: 'https://github.com/login/oauth/access_token',
        clientAuth: 'body',
        pkce: true,
        authorizeParams: {},
      },
      preset: { name: 'github', apiUrl: 'https://api.github.com', appKind: 'github-app' },
    })
    expect(preset.queries('gh').map((q) => [q.name, q.pagination])).toEqual([
      ['gh-repos', { type: 'link-header' }],
      ['gh-issues', { type: 'link-header' }],
      ['gh-pulls', { type: 'link-header' }],
    ])
    expect(preset.reuseGraceMs).toBe(0)
  })

  it('refuses an app kind GitHub does not have, naming the field', () => {
    expect(() =>
      presetNamed('github').datasource(
        'gh',
        { clientId: 'a', clientSecret: 'b', appKind: 'saml' },
        {},
        (k) => `--${k}`,
      ),
    ).toThrow(/Invalid github datasource "gh": --appKind: /)
  })
})

describe('the github preset in the server', () => {
  it("is listed by /api/presets with its form, and created through the API with the server's callback", async () => {
    const server = await startTestServer()
    try {
      const admin = await server.signIn('ada', 'admin')
      const listed = (await server.as(admin, { url: '/api/presets' })).json() as { name: string }[]
      expect(listed.find((p) => p.name === 'github')).toMatchObject({
        title: 'GitHub',
        fields: [
          { key: 'clientId' },
          { key: 'clientSecret', kind: 'secret' },
          { key: 'appKind', kind: 'choice', choices: [{ value: 'oauth-app' }, { value: 'github-app' }] },
        ],
        queries: ['{name}-repos', '{name}-issues', '{name}-pulls'],
      })
      const created = await server.as(admin, {
        method: 'POST',
        url: '/api/presets/github/datasources',
        payload: { name: 'gh', clientId: GITHUB_APP.client_id, clientSecret: 's', appKind: 'github-app' },
      })
      expect(created.statusCode, created.body).toBe(201)
      expect(created.json()).toMatchObject({
        preset: { name: 'github', appKind: 'github-app' },
        auth: { clientSecret: '••••••', redirectUri: 'http://quarry.test/api/oauth/callback' },
      })
    } finally {
      await server.close()
    }
  })
})

describe('an OAuth app: a token that lasts until revoked', () => {
  it('connects without a refresh token, and the ready-made queries run with GitHub headers across Link pages', async () => {
    await setUp('oauth-app')
    const { scope } = await connect()
    expect(scope).toBe('repo,read:user')
    const connection = await engine?.store.connections.get('gh')
    expect(connection?.tokens.refresh_token).toBeUndefined()
    expect(connection?.accessExpiresAt).toBeNull()
    expect(await rows('gh-repos')).toEqual([
      {
        Repository: 'alice/widgets',
        Private: false,
        Language: 'TypeScript',
        Stars: 3,
        'Open issues': 2,
        Pushed: '2026-11-30 10:00',
      },
      {
        Repository: 'alice/notes',
        Private: true,
        Language: '',
        Stars: 0,
        'Open issues': 0,
        Pushed: '2026-11-02 08:30',
      },
    ])
    // Pull requests are in GitHub's issue list too; the issues query keeps the issues.
    expect(await rows('gh-issues', { owner: 'alice', repo: 'widgets' })).toEqual([
      { Number: 7, Title: 'Crash on empty page', Author: 'bob', Labels: 'bug', Updated: '2026-12-01 09:15' },
    ])
    expect(await rows('gh-pulls', { owner: 'alice', repo: 'widgets' })).toEqual([
      {
        Number: 8,
        Title: 'Add CSV export',
        Author: 'carol',
        Draft: false,
        Base: 'main',
        Head: 'csv',
        Updated: '2026-12-02 11:00',
      },
    ])
    expect(github?.apiHeaders.length).toBe(4)
    expect(
      github?.apiHeaders.every(
        (h) => h.accept === 'application/vnd.github+json' && h.version === '2022-11-28',
      ),
    ).toBe(true)
    expect(github?.idp.refused()).toBe(0)
  })

  it('is left alone by the keep-alive, and a revoked token asks for consent again', async () => {
    await setUp('oauth-app')
    await connect()
    const [kept] = await refreshIdle((engine as TestEngine).store, { olderThanMs: 0 })
    expect(kept).toMatchObject({ outcome: 'fresh', message: 'fine (its token does not expire)' })
    expect(github?.front.tokenRequests()).toEqual(['authorization_code'])
    const token = (await engine?.store.connections.get('gh'))?.tokens.access_token as string
    await (await github?.idp.provider.AccessToken.find(token))?.destroy()
    const error = await failure(rows('gh-repos'))
    expect(error.code).toBe('QUARRY_OAUTH_INVALID_GRANT')
    expect(error.message).toContain(
      'The API refused the access token, and there is no refresh token to renew it',
    )
    expect((await engine?.store.connections.get('gh'))?.status).toBe('needs_consent')
    expect(github?.front.tokenRequests()).toEqual(['authorization_code'])
  })

  it('takes a 200 answer with bad_verification_code for a failed exchange, storing nothing', async () => {
    await setUp('oauth-app')
    const error = await failure(connect((callback) => callback.searchParams.set('code', 'not-a-code')))
    expect(error.code).toBe('QUARRY_OAUTH_INVALID_GRANT')
    expect(error.message).toMatch(
      /^Token exchange failed: The token endpoint .* refused the grant \(bad_verification_code: The code passed is incorrect or expired\.\)\. The code has expired .* Nothing was stored\./,
    )
    expect(await engine?.store.connections.get('gh')).toBeUndefined()
  })

  it('takes a 200 answer with incorrect_client_credentials for a wrong secret, storing nothing', async () => {
    await setUp('oauth-app', 'wrong-secret')
    const error = await failure(connect())
    expect(error.code).toBe('QUARRY_OAUTH_TOKEN_ERROR')
    expect(error.message).toContain(
      'refused the client credentials (200 incorrect_client_credentials: The client_id and/or client_secret passed are incorrect.)',
    )
    expect(error.message).not.toContain('wrong-secret')
    expect(await engine?.store.connections.get('gh')).toBeUndefined()
  })
})

describe('a GitHub App: user tokens that expire, refresh tokens that rotate', () => {
  it('connects with an 8-hour token, refreshes with rotation, and the query runs', async () => {
    await setUp('github-app')
    const before = Date.now()
    await connect()
    const connected = await engine?.store.connections.get('gh')
    const life = (connected?.accessExpiresAt?.getTime() ?? 0) - before
    expect(life).toBeGreaterThan(8 * 3600_000 - 60_000)
    expect(life).toBeLessThanOrEqual(8 * 3600_000 + 1000)
    const [result] = await refreshIdle((engine as TestEngine).store, { olderThanMs: 0 })
    expect(result?.outcome).toBe('refreshed')
    const refreshed = await engine?.store.connections.get('gh')
    expect(refreshed?.tokens.refresh_token).toBeDefined()
    expect(refreshed?.tokens.refresh_token).not.toBe(connected?.tokens.refresh_token)
    expect((await rows('gh-repos')).length).toBe(2)
    expect(github?.front.tokenRequests()).toEqual(['authorization_code', 'refresh_token'])
  })

  it('marks the connection for consent on a 200 answer with bad_refresh_token, sending it once', async () => {
    await setUp('github-app')
    await connect()
    await engine?.store.connections.withLock('gh', (current, save) =>
      save({
        ...(current as NonNullable<typeof current>),
        tokens: { ...current?.tokens, refresh_token: 'ghr_unknown' },
      }),
    )
    const [result] = await refreshIdle((engine as TestEngine).store, { olderThanMs: 0 })
    expect(result?.outcome).toBe('needs_consent')
    expect(result?.message).toContain('bad_refresh_token: The refresh token passed is incorrect or expired.')
    expect((await engine?.store.connections.get('gh'))?.status).toBe('needs_consent')
    // An error, not a lost answer: the refused refresh token is not sent again.
    expect(github?.front.tokenRequests()).toEqual(['authorization_code', 'refresh_token'])
  })
})
