import { z } from 'zod'
import { PresetBlockSchema } from '../../domain/datasource.js'
import type { QueryInput } from '../../domain/query.js'
import { nothingToComplete, oauthPresetDatasource, trimSlash } from './oauth-preset-datasource.js'
import { definePreset, type PresetForm } from './preset.js'

/**
 * The GitLab preset: GitLab's REST API (v4) over GitLab as an OAuth 2.0 / OpenID provider
 * (https://docs.gitlab.com/api/oauth2/), on GitLab.com or a self-managed instance (its URL a field):
 * - the issuer is the instance's URL (https://gitlab.com), with /oauth/authorize and /oauth/token; the
 *   ID token (scope openid) names it as `iss`;
 * - PKCE (S256) and the client secret in the body;
 * - access tokens live 2 hours (`expires_in: 7200`); every refresh answers with a new refresh token
 *   and revokes the one sent (and the access token before it): no reuse grace, a lost answer to a
 *   refresh costs the grant (said on the connection, reuse-grace.ts);
 * - no offline_access scope (GitLab refuses unknown scopes): a refresh token always comes;
 * - lists page with `Link: <…>; rel="next"` (and X-Next-Page), followed by the link-header rule.
 * The hosts can point elsewhere (`--auth-url`, `--api-url`).
 */
export const GITLAB = {
  url: 'https://gitlab.com',
  scopes: 'openid read_api read_user',
  testPath: '/user',
} as const

/** The loopback callback Quarry listens on: register it as the application's redirect URI. */
export const GITLAB_REDIRECT_URI = 'http://localhost:8765/callback'

/** The block a GitLab datasource stores: where the API is. */
export const GitLabBlockSchema = PresetBlockSchema.extend({
  name: z.literal('gitlab'),
  apiUrl: z.url({ protocol: /^https?$/ }),
})
export type GitLabBlock = z.infer<typeof GitLabBlockSchema>

/** The fields the admin gives: the application's ID and secret, and the instance when not GitLab.com. */
const GitLabInputSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  gitlabUrl: z.url({ protocol: /^https?$/ }).optional(),
})

/** Converter for the ready-made projects query. */
export const GITLAB_PROJECTS_CONVERTER = `function convert(json) {
  return JSON.parse(json).map((p) => ({
    Project: p.path_with_namespace,
    Name: p.name,
    Activity: p.last_activity_at ? formatDate(p.last_activity_at, 'yyyy-MM-dd HH:mm') : '',
    URL: p.web_url,
  }));
}`

/** Converter for the ready-made issues and merge requests queries (the fields they share). */
export const GITLAB_ITEMS_CONVERTER = `function convert(json) {
  return JSON.parse(json).map((i) => ({
    Ref: i.references ? i.references.full : '#' + i.iid,
    Title: i.title,
    State: i.state,
    Author: i.author ? i.author.username : '',
    Assignee: i.assignees && i.assignees.length ? i.assignees.map((a) => a.username).join(', ') : '',
    Updated: formatDate(i.updated_at, 'yyyy-MM-dd HH:mm'),
  }));
}`

/** The queries a GitLab datasource comes with; every list follows the Link header. */
export function gitlabQueries(datasource: string): QueryInput[] {
  return [
    {
      name: `${datasource}-projects`,
      datasource,
      path: '/projects?membership=true&simple=true&order_by=last_activity_at&per_page=100',
      pagination: { type: 'link-header' },
      converter: GITLAB_PROJECTS_CONVERTER,
    },
    {
      name: `${datasource}-issues`,
      datasource,
      // The project's ID or its path (group/project): a parameter is encoded, so its "/" becomes %2F as the API wants.
      path: '/projects/:project/issues?state=:state&order_by=updated_at&per_page=100',
      params: [
        { name: 'project', type: 'string' },
        { name: 'state', type: 'string', default: 'opened' },
      ],
      pagination: { type: 'link-header' },
      converter: GITLAB_ITEMS_CONVERTER,
    },
    {
      name: `${datasource}-merge-requests`,
      datasource,
      path: '/merge_requests?scope=:scope&state=:state&order_by=updated_at&per_page=100',
      params: [
        { name: 'scope', type: 'string', default: 'assigned_to_me' },
        { name: 'state', type: 'string', default: 'opened' },
      ],
      pagination: { type: 'link-header' },
      converter: GITLAB_ITEMS_CONVERTER,
    },
  ]
}

const FORM: PresetForm = {
  title: 'GitLab',
  intro:
    'In GitLab, add an application (User settings → Applications, or a group’s) with the scopes openid, read_api and read_user, confidential, and the redirect URI below; paste its ID and secret.',
  next: 'Then press Connect and authorize the application.',
  source: 'from your application in GitLab (User settings → Applications)',
  defaultName: 'gitlab',
  fields: [
    { key: 'clientId', label: 'Application ID', kind: 'text', required: true, hint: "the application's ID" },
    {
      key: 'clientSecret',
      label: 'Secret',
      kind: 'secret',
      required: true,
      hint: "the application's secret, stored encrypted",
    },
    {
      key: 'gitlabUrl',
      label: 'GitLab URL',
      kind: 'text',
      required: false,
      hint: 'a self-managed instance, e.g. https://gitlab.example.com (default https://gitlab.com)',
    },
  ],
}

/** The GitLab preset: the registry's member (index.ts). */
export const gitlab = definePreset({
  name: 'gitlab',
  provider: 'gitlab',
  form: FORM,
  input: GitLabInputSchema,
  block: GitLabBlockSchema,
  datasource: (name, input, place) => {
    const instance = trimSlash(input.gitlabUrl ?? GITLAB.url)
    const issuer = trimSlash(place.authUrl ?? instance)
    const apiUrl = trimSlash(place.apiUrl ?? `${instance}/api/v4`)
    return oauthPresetDatasource(name, {
      baseUrl: apiUrl,
      testPath: GITLAB.testPath,
      auth: {
        type: 'oauth2-authorization-code',
        issuer,
        authorizeUrl: `${issuer}/oauth/authorize`,
        tokenUrl: `${issuer}/oauth/token`,
        clientId: input.clientId,
        clientSecret: input.clientSecret,
        scopes: place.scopes ?? GITLAB.scopes,
        redirectUri: place.redirectUri ?? GITLAB_REDIRECT_URI,
        pkce: true,
        // GitLab issues a refresh token with every consent: no prompt needed.
        authorizeParams: {},
        clientAuth: 'body',
      },
      preset: { name: 'gitlab', apiUrl },
    })
  },
  queries: gitlabQueries,
  completeConsent: (datasource) => nothingToComplete(datasource),
})
