import type { IncomingMessage } from 'node:http'
import type { ClientMetadata } from 'oidc-provider'
import { afterEach, describe, expect, it } from 'vitest'
import { startConsent } from '../../src/auth/oauth/consent.js'
import { finishConsent } from '../../src/auth/oauth/finish-consent.js'
import { refreshIdle } from '../../src/auth/keep-alive.js'
import { createFromPreset } from '../../src/auth/presets/create-from-preset.js'
import { presetNamed } from '../../src/auth/presets/index.js'
import { QuarryError } from '../../src/domain/errors.js'
import { loadRestDatasource, runQuery } from '../../src/engine/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { startOidcProvider, type ApiAnswer, type RunningOidcProvider } from '../helpers/oidc-provider.js'
import {
  startProviderFront,
  type FrontAnswer,
  type RunningFront,
  type TokenAnswer,
} from '../helpers/provider-front.js'

/**
 * The GitHub preset (issue 14) against `oidc-provider` made to behave like GitHub: no OpenID (no `iss`
 * in the callback, no ID token), GitHub's scopes; an OAuth app's client without the refresh grant (its
 * token lasts until revoked) and a GitHub App's with rotating refresh tokens. What oidc-provider
 * cannot be told to do, a real HTTP front does (test/helpers/provider-front.ts): GitHub's paths, and
 * the token answers as GitHub documents them — `token_type: bearer`, scopes comma-separated, no
 * `expires_in` for an OAuth app; `expires_in`, `refresh_token`, `refresh_token_expires_in` for a GitHub
 * App; form-encoded unless asked for JSON; every error as HTTP 200 with `bad_verification_code`,
 * `bad_refresh_token` or `incorrect_client_credentials` (GitHub's "Troubleshooting OAuth app access
 * token request errors" and "Refreshing user access tokens"). The API is a GitHub-shaped resource
 * server that accepts only the provider's live access tokens and pages with Link headers.
 */

const REDIRECT = 'http://127.0.0.1:8765/callback'
const OAUTH_APP = { client_id: 'Ov23liOAuthApp', client_secret: 'oauth-app-secret' }
const GITHUB_APP = { client_id: 'Iv23liGitHubApp', client_secret: 'github-app-secret' }
/** GitHub's example value: six months, in seconds. */
const REFRESH_TOKEN_EXPIRES_IN = 15_811_200

const clients: ClientMetadata[] = [
  { ...OAUTH_APP, grant_types: ['authorization_code'] },
  { ...GITHUB_APP, grant_types: ['authorization_code', 'refresh_token'] },
].map((client) => ({
  ...client,
  token_endpoint_auth_method: 'client_secret_post',
  redirect_uris: [REDIRECT],
  response_types: ['code'],
}))

const GITHUB_ERRORS = {
  incorrect_client_credentials: 'The client_id and/or client_secret passed are incorrect.',
  bad_verification_code: 'The code passed is incorrect or expired.',
  bad_refresh_token: 'The refresh token passed is incorrect or expired.',
} as const

/** oidc-provider's token answer, as GitHub would give it. */
function asGithub({ status, body, grantType, accept }: TokenAnswer): FrontAnswer {
  if (status !== 200) {
    const error: keyof typeof GITHUB_ERRORS =
      body.error === 'invalid_client'
        ? 'incorrect_client_credentials'
        : grantType === 'refresh_token'
          ? 'bad_refresh_token'
          : 'bad_verification_code'
    return {
      status: 200,
      body: {
        error,
        error_description: GITHUB_ERRORS[error],
        error_uri: `https://docs.github.com/#${error}`,
      },
    }
  }
  const tokens: Record<string, string | number> =
    body.refresh_token === undefined
      ? {
          access_token: body.access_token as string,
          token_type: 'bearer',
          scope: String(body.scope ?? '').replace(/ /g, ','),
        }
      : {
          access_token: body.access_token as string,
          expires_in: body.expires_in as number,
          refresh_token: body.refresh_token as string,
          refresh_token_expires_in: REFRESH_TOKEN_EXPIRES_IN,
          scope: '',
          token_type: 'bearer',
        }
  if (!accept.includes('application/json')) {
    const form = new URLSearchParams(Object.entries(tokens).map(([k, v]): [string, string] => [k, String(v)]))
    return {
      status: 200,
      body: form.toString(),
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
    }
  }
  return { status: 200, body: tokens }
}

const REPOS = [
  [
    {
      full_name: 'alice/widgets',
      private: false,
      language: 'TypeScript',
      stargazers_count: 3,
      open_issues_count: 2,
      pushed_at: '2026-11-30T10:00:00Z',
    },
  ],
  [
    {
      full_name: 'alice/notes',
      private: true,
      language: null,
      stargazers_count: 0,
      open_issues_count: 0,
      pushed_at: '2026-11-02T08:30:00Z',
    },
  ],
]
const ISSUES = [
  {
    number: 7,
    title: 'Crash on empty page',
    user: { login: 'bob' },
    labels: [{ name: 'bug' }],
    updated_at: '2026-12-01T09:15:00Z',
  },
  {
    number: 8,
    title: 'Add CSV export',
    user: { login: 'carol' },
    labels: [],
    updated_at: '2026-12-02T11:00:00Z',
    pull_request: { url: 'x' },
  },
]
const PULLS = [
  {
    number: 8,
    title: 'Add CSV export',
    user: { login: 'carol' },
    draft: false,
    base: { ref: 'main' },
    head: { ref: 'csv' },
    updated_at: '2026-12-02T11:00:00Z',
  },
]

/** A few of GitHub's REST endpoints, with its Link-header pagination; records the headers each request carried. */
function githubApi(seen: { accept?: string; version?: string }[]) {
  return (req: IncomingMessage): ApiAnswer | undefined => {
    seen.push({ accept: req.headers.accept, version: req.headers['x-github-api-version'] as string })
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    if (url.pathname === '/user') return { body: { login: 'alice', id: 1 } }
    if (url.pathname === '/user/repos') {
      const page = Number(url.searchParams.get('page') ?? '1')
      const link = (n: number) => {
        const next = new URL(url)
        next.searchParams.set('page', String(n))
        return next.href
      }
      return {
        headers:
          page < REPOS.length
            ? { link: `<${link(page + 1)}>; rel="next", <${link(REPOS.length)}>; rel="last"` }
            : {},
        body: REPOS[page - 1] ?? [],
      }
    }
    if (url.pathname === '/repos/alice/widgets/issues') return { body: ISSUES }
    if (url.pathname === '/repos/alice/widgets/pulls') return { body: PULLS }
    return undefined
  }
}

let engine: TestEngine | undefined
let idp: RunningOidcProvider | undefined
let front: RunningFront | undefined
let apiHeaders: { accept?: string; version?: string }[] = []
afterEach(async () => {
  await front?.close()
  await idp?.close()
  await engine?.close()
  engine = idp = front = undefined
  apiHeaders = []
})

async function setUp(appKind: 'oauth-app' | 'github-app', clientSecret?: string): Promise<TestEngine> {
  idp = await startOidcProvider({
    path: '/',
    issInCallback: false,
    clients,
    scopes: ['repo', 'read:user'],
    refreshTokenWithoutOfflineAccess: true,
    accessTokenTtl: 8 * 3600,
    api: githubApi(apiHeaders),
  })
  front = await startProviderFront(idp, {
    authorizePath: '/login/oauth/authorize',
    tokenPath: '/login/oauth/access_token',
    rewrite: asGithub,
  })
  engine = await startTestEngine()
  const app = appKind === 'oauth-app' ? OAUTH_APP : GITHUB_APP
  await createFromPreset(engine.store, {
    preset: 'github',
    name: 'gh',
    given: { clientId: app.client_id, clientSecret: clientSecret ?? app.client_secret, appKind },
    place: { authUrl: front.url, apiUrl: idp.resourceUrl, redirectUri: REDIRECT },
    fieldName: (key) => key,
  })
  return engine
}

async function connect(tamper: (callback: URL) => void = () => {}) {
  const store = (engine as TestEngine).store
  const datasource = await loadRestDatasource(store, 'gh', 'test')
  if (datasource.auth.type !== 'oauth2-authorization-code') throw new Error('3LO expected')
  const attempt = await startConsent(datasource.auth)
  const callback = new URL(await (idp as RunningOidcProvider).consent(attempt.url))
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
    expect(apiHeaders.length).toBe(4)
    expect(
      apiHeaders.every((h) => h.accept === 'application/vnd.github+json' && h.version === '2022-11-28'),
    ).toBe(true)
    expect(idp?.refused()).toBe(0)
  })

  it('is left alone by the keep-alive, and a revoked token asks for consent again', async () => {
    await setUp('oauth-app')
    await connect()
    const [kept] = await refreshIdle((engine as TestEngine).store, { olderThanMs: 0 })
    expect(kept).toMatchObject({ outcome: 'fresh', message: 'fine (its token does not expire)' })
    expect(front?.tokenRequests()).toEqual(['authorization_code'])
    const token = (await engine?.store.connections.get('gh'))?.tokens.access_token as string
    await (await idp?.provider.AccessToken.find(token))?.destroy()
    const error = await failure(rows('gh-repos'))
    expect(error.code).toBe('QUARRY_OAUTH_INVALID_GRANT')
    expect(error.message).toContain('the provider gave no refresh token to renew it')
    expect((await engine?.store.connections.get('gh'))?.status).toBe('needs_consent')
    expect(front?.tokenRequests()).toEqual(['authorization_code'])
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
    expect(front?.tokenRequests()).toEqual(['authorization_code', 'refresh_token'])
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
    expect(front?.tokenRequests()).toEqual(['authorization_code', 'refresh_token'])
  })
})
