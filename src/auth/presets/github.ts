import { z } from 'zod'
import { PresetBlockSchema, type RestDatasource } from '../../domain/datasource.js'
import type { QueryInput } from '../../domain/query.js'
import { definePreset, type PresetForm } from './preset.js'

/**
 * The GitHub preset: GitHub's REST API over GitHub's own OAuth 2.0 web flow, for either kind of app
 * (GitHub docs, "Authorizing OAuth apps" and "Generating a user access token for a GitHub App"):
 * authorize at github.com/login/oauth/authorize, token at github.com/login/oauth/access_token (JSON
 * when asked with `Accept: application/json`, which Quarry's token client sends). No OpenID: no ID
 * token, no `iss` in the callback. The client secret goes in the body; PKCE (S256 only) is sent too, as
 * GitHub recommends since it supports it (its changelog, 2025-07-14).
 *
 * - `oauth-app`: the token does not expire and comes without a refresh token — the connection holds
 *   it until it is revoked (then: connect again). Scopes are GitHub's (`repo`, `read:user`, …).
 * - `github-app` (user access tokens that expire, the default for GitHub Apps): the access token
 *   lives 8 hours (`expires_in`), the refresh token 6 months (`refresh_token_expires_in`), and every
 *   refresh answers with a new refresh token. GitHub documents no reuse grace for the old one. The
 *   app's permissions decide what the token may do; the scope parameter is ignored.
 *
 * GitHub answers token errors with HTTP 200 and an error body (`bad_verification_code`,
 * `bad_refresh_token`, `incorrect_client_credentials`): the token client reads them as failures
 * (oauth/token-client.ts).
 */
export const GITHUB = {
  authUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
  scopes: 'repo read:user',
  testPath: '/user',
  /** GitHub's REST API version this preset's queries are written for (its "API versions" page). */
  apiVersion: '2022-11-28',
} as const

/** Quarry's loopback callback: register exactly this URL as the app's callback URL. */
const DEFAULT_REDIRECT_URI = 'http://localhost:8765/callback'

const APP_KINDS = ['oauth-app', 'github-app'] as const

/** The block a GitHub datasource stores: where the API is and which kind of app it uses. */
export const GithubBlockSchema = PresetBlockSchema.extend({
  name: z.literal('github'),
  apiUrl: z.url({ protocol: /^https?$/ }),
  appKind: z.enum(APP_KINDS),
})
export type GithubBlock = z.infer<typeof GithubBlockSchema>

const GithubInputSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  appKind: z.enum(APP_KINDS).default('oauth-app'),
})
type GithubInput = z.infer<typeof GithubInputSchema>

/**
 * A GitHub datasource: complete at once (there are no sites to choose); consent brings the token.
 *
 * @example githubDatasource('gh', { clientId: 'Iv1.abc', clientSecret: 's3', appKind: 'github-app' }, {})
 */
export function githubDatasource(
  name: string,
  input: GithubInput,
  place: { authUrl?: string; apiUrl?: string; redirectUri?: string; scopes?: string },
): RestDatasource & { preset: GithubBlock } {
  const authUrl = (place.authUrl ?? GITHUB.authUrl).replace(/\/+$/, '')
  const apiUrl = (place.apiUrl ?? GITHUB.apiUrl).replace(/\/+$/, '')
  return {
    name,
    type: 'rest',
    baseUrl: apiUrl,
    testPath: GITHUB.testPath,
    headers: [
      { name: 'Accept', value: 'application/vnd.github+json', secret: false },
      { name: 'X-GitHub-Api-Version', value: GITHUB.apiVersion, secret: false },
    ],
    timeoutMs: 30_000,
    maxResponseBytes: 64 * 1024 * 1024,
    allowedHosts: [],
    connectionMode: 'shared',
    auth: {
      type: 'oauth2-authorization-code',
      authorizeUrl: `${authUrl}/login/oauth/authorize`,
      tokenUrl: `${authUrl}/login/oauth/access_token`,
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      scopes: place.scopes ?? GITHUB.scopes,
      redirectUri: place.redirectUri ?? DEFAULT_REDIRECT_URI,
      pkce: true,
      // GitHub has no prompt=consent (its only prompt is select_account), and needs none for a refresh token.
      authorizeParams: {},
      clientAuth: 'body',
    },
    preset: { name: 'github', apiUrl, appKind: input.appKind },
  }
}

export const REPOS_CONVERTER = `function convert(json) {
  return JSON.parse(json).map((r) => ({
    Repository: r.full_name,
    Private: r.private,
    Language: r.language || '',
    Stars: r.stargazers_count,
    'Open issues': r.open_issues_count,
    Pushed: r.pushed_at ? formatDate(r.pushed_at, 'yyyy-MM-dd HH:mm') : '',
  }));
}`

/** Issues and pull requests: GitHub's issues list holds both (a pull request has `pull_request`); only issues are kept. */
export const ISSUES_CONVERTER = `function convert(json) {
  return JSON.parse(json)
    .filter((i) => !i.pull_request)
    .map((i) => ({
      Number: i.number,
      Title: i.title,
      Author: i.user ? i.user.login : '',
      Labels: i.labels.map((l) => (typeof l === 'string' ? l : l.name)).join(', '),
      Updated: formatDate(i.updated_at, 'yyyy-MM-dd HH:mm'),
    }));
}`

export const PULLS_CONVERTER = `function convert(json) {
  return JSON.parse(json).map((p) => ({
    Number: p.number,
    Title: p.title,
    Author: p.user ? p.user.login : '',
    Draft: p.draft,
    Base: p.base.ref,
    Head: p.head.ref,
    Updated: formatDate(p.updated_at, 'yyyy-MM-dd HH:mm'),
  }));
}`

/** The queries a GitHub datasource comes with; GitHub pages with `Link: <…>; rel="next"`. */
export function githubQueries(datasource: string): QueryInput[] {
  const repoParams = [
    { name: 'owner', type: 'string' as const },
    { name: 'repo', type: 'string' as const },
  ]
  return [
    {
      name: `${datasource}-repos`,
      datasource,
      path: '/user/repos?sort=pushed&per_page=100',
      pagination: { type: 'link-header' },
      converter: REPOS_CONVERTER,
    },
    {
      name: `${datasource}-issues`,
      datasource,
      path: '/repos/:owner/:repo/issues?state=open&per_page=100',
      params: repoParams,
      pagination: { type: 'link-header' },
      converter: ISSUES_CONVERTER,
    },
    {
      name: `${datasource}-pulls`,
      datasource,
      path: '/repos/:owner/:repo/pulls?state=open&per_page=100',
      params: repoParams,
      pagination: { type: 'link-header' },
      converter: PULLS_CONVERTER,
    },
  ]
}

const FORM: PresetForm = {
  title: 'GitHub',
  intro:
    "Register an OAuth app or a GitHub App (Settings → Developer settings) with Quarry's callback URL, then paste its client ID and a client secret.",
  next: 'Then press Connect and authorize the app.',
  source: "from your app's page in GitHub's Developer settings",
  defaultName: 'github',
  fields: [
    { key: 'clientId', label: 'Client ID', kind: 'text', required: true, hint: "the app's client ID" },
    {
      key: 'clientSecret',
      label: 'Client secret',
      kind: 'secret',
      required: true,
      hint: 'a client secret of the app, stored encrypted',
    },
    {
      key: 'appKind',
      label: 'App kind',
      kind: 'choice',
      required: false,
      choices: [
        { value: 'oauth-app', label: 'OAuth app (tokens do not expire)' },
        { value: 'github-app', label: 'GitHub App (tokens expire in 8 hours and are refreshed)' },
      ],
      hint: 'which kind of app the client ID belongs to (default oauth-app)',
    },
  ],
}

/** The GitHub preset: the registry's member (index.ts). */
export const github = definePreset({
  name: 'github',
  provider: 'github',
  form: FORM,
  input: GithubInputSchema,
  block: GithubBlockSchema,
  datasource: (name, input, place) => githubDatasource(name, input, place),
  queries: githubQueries,
  // Nothing to choose: the API is the same for every user.
  completeConsent: (datasource) => Promise.resolve({ datasource, site: null, where: '' }),
})
