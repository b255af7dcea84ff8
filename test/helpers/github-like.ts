import type { IncomingMessage } from 'node:http'
import type { ClientMetadata } from 'oidc-provider'
import { startOidcProvider, type ApiAnswer, type RunningOidcProvider } from './oidc-provider.js'
import {
  startProviderFront,
  type FrontAnswer,
  type RunningFront,
  type TokenAnswer,
} from './provider-front.js'

/**
 * `oidc-provider` made to behave like GitHub (issue 14): no OpenID (no `iss` in the callback, no ID
 * token), GitHub's scopes; an OAuth app's client without the refresh grant (its token lasts until
 * revoked) and a GitHub App's with rotating refresh tokens and 8-hour access tokens. What oidc-provider
 * cannot be told to do, a real HTTP front does (provider-front.ts): GitHub's paths, and the token
 * answers as GitHub documents them — `token_type: bearer`, scopes comma-separated, no `expires_in` for
 * an OAuth app; `expires_in`, `refresh_token`, `refresh_token_expires_in` for a GitHub App;
 * form-encoded unless asked for JSON; every error as HTTP 200 with `bad_verification_code`,
 * `bad_refresh_token` or `incorrect_client_credentials` (GitHub's "Troubleshooting OAuth app access
 * token request errors" and "Refreshing user access tokens"). The API is a GitHub-shaped resource
 * server that accepts only the provider's live access tokens and pages with Link headers.
 */

export const OAUTH_APP = { client_id: 'Ov23liOAuthApp', client_secret: 'oauth-app-secret' }
export const GITHUB_APP = { client_id: 'Iv23liGitHubApp', client_secret: 'github-app-secret' }
/** GitHub's example value: six months, in seconds. */
const REFRESH_TOKEN_EXPIRES_IN = 15_811_200

const clients = (redirectUris: readonly string[]): ClientMetadata[] =>
  [
    { ...OAUTH_APP, grant_types: ['authorization_code'] },
    { ...GITHUB_APP, grant_types: ['authorization_code', 'refresh_token'] },
  ].map((client) => ({
    ...client,
    token_endpoint_auth_method: 'client_secret_post',
    redirect_uris: [...redirectUris],
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
  return (url: URL, _token: unknown, req: IncomingMessage): ApiAnswer | undefined => {
    seen.push({ accept: req.headers.accept, version: req.headers['x-github-api-version'] as string })
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

export interface GithubLike {
  readonly idp: RunningOidcProvider
  readonly front: RunningFront
  /** The Accept and X-GitHub-Api-Version headers of each API request. */
  readonly apiHeaders: { accept?: string; version?: string }[]
  close(): Promise<void>
}

/** The GitHub-like provider, its front (the preset's auth URL) and API (`idp.resourceUrl`, the preset's API URL). */
export async function startGithubLike(redirectUris: readonly string[]): Promise<GithubLike> {
  const apiHeaders: { accept?: string; version?: string }[] = []
  const idp = await startOidcProvider({
    path: '/',
    issInCallback: false,
    clients: clients(redirectUris),
    scopes: ['repo', 'read:user'],
    refreshTokenWithoutOfflineAccess: true,
    accessTokenTtl: 8 * 3600,
    api: githubApi(apiHeaders),
  })
  const front = await startProviderFront(idp, {
    authorizePath: '/login/oauth/authorize',
    tokenPath: '/login/oauth/access_token',
    rewrite: asGithub,
  })
  return {
    idp,
    front,
    apiHeaders,
    close: async () => {
      await front.close()
      await idp.close()
    },
  }
}
