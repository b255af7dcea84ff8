import { z } from 'zod'
import { PresetBlockSchema, type RestDatasource } from '../../domain/datasource.js'
import type { QueryInput } from '../../domain/query.js'
import {
  ATLASSIAN,
  ATLASSIAN_APP_FIELDS,
  ATLASSIAN_REUSE_GRACE_MS,
  DEFAULT_REDIRECT_URI,
  atlassianAuth,
  completeAtlassianConsent,
  atlassianHosts,
} from './atlassian-3lo.js'
import { definePreset, type PresetForm } from './preset.js'

/**
 * The Jira Cloud preset: Jira Cloud over Atlassian's OAuth 2.0 (3LO) (atlassian-3lo.ts), the API
 * behind api.atlassian.com/ex/jira/{cloudId}, and offline_access for a refresh token.
 */
export const JIRA_CLOUD = {
  ...ATLASSIAN,
  scopes: 'read:jira-work read:jira-user offline_access',
  testPath: '/myself',
} as const

export { DEFAULT_REDIRECT_URI }

/** The block a Jira Cloud datasource stores: where the API gateway is, which API version, the site once connected. */
export const JiraCloudBlockSchema = PresetBlockSchema.extend({
  name: z.literal('jira-cloud'),
  /** api.atlassian.com, or a stand-in such as `quarry sim`. */
  apiUrl: z.url({ protocol: /^https?$/ }),
  apiVersion: z.union([z.literal(2), z.literal(3)]).default(3),
})
export type JiraCloudBlock = z.infer<typeof JiraCloudBlockSchema>

export interface JiraCloudOptions {
  readonly name: string
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri?: string
  readonly scopes?: string
  readonly apiVersion?: 2 | 3
  readonly authUrl?: string
  readonly apiUrl?: string
}

/** The API base for a site: https://api.atlassian.com/ex/jira/{cloudId}/rest/api/{2|3}. */
export function jiraBaseUrl(apiUrl: string, cloudId: string, version: 2 | 3): string {
  return `${apiUrl.replace(/\/+$/, '')}/ex/jira/${encodeURIComponent(cloudId)}/rest/api/${version}`
}

/**
 * A Jira Cloud datasource before consent: everything but the site, which
 * `quarry connect` picks from accessible-resources.
 *
 * @example jiraCloudDatasource({ name: 'jira', clientId: 'abc', clientSecret: 's3' })
 */
export function jiraCloudDatasource(
  options: JiraCloudOptions,
  env: NodeJS.ProcessEnv = process.env,
): RestDatasource & { preset: JiraCloudBlock } {
  const { authUrl, apiUrl } = atlassianHosts(options, env)
  const apiVersion = options.apiVersion ?? 3
  return {
    name: options.name,
    type: 'rest',
    // Completed by `quarry connect` once the site is known.
    baseUrl: jiraBaseUrl(apiUrl, 'not-connected', apiVersion),
    testPath: JIRA_CLOUD.testPath,
    headers: [],
    timeoutMs: 30_000,
    maxResponseBytes: 64 * 1024 * 1024,
    allowedHosts: [],
    connectionMode: 'shared',
    auth: atlassianAuth(authUrl, {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      scopes: options.scopes ?? JIRA_CLOUD.scopes,
      redirectUri: options.redirectUri,
    }),
    preset: { name: 'jira-cloud', apiUrl, apiVersion },
  }
}

/** The fields the admin gives: the app's credentials from the Atlassian developer console, and the API version. */
const JiraCloudInputSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  // The form and the CLI give "2"/"3"; API clients may send the number.
  apiVersion: z
    .union([z.literal(2), z.literal(3), z.enum(['2', '3']).transform((v) => Number(v) as 2 | 3)])
    .optional(),
})

/** Converter for the ready-made issues query: ADF (v3) or wiki text (v2) both become plain text. */
export const ISSUES_CONVERTER = `function convert(json) {
  const { issues } = JSON.parse(json);
  const text = (value) => (value && typeof value === 'object' ? adfToText(value) : value ?? '');
  return issues.map((issue) => ({
    Key: issue.key,
    Summary: issue.fields.summary,
    Status: issue.fields.status ? issue.fields.status.name : '',
    Assignee: issue.fields.assignee ? issue.fields.assignee.displayName : '',
    Updated: formatDate(issue.fields.updated, 'yyyy-MM-dd HH:mm'),
    Description: text(issue.fields.description),
  }));
}`

/** Converter for the ready-made projects query. */
export const PROJECTS_CONVERTER = `function convert(json) {
  return JSON.parse(json).values.map((p) => ({ Key: p.key, Name: p.name, Type: p.projectTypeKey }));
}`

/** The queries a Jira Cloud datasource comes with. */
export function jiraCloudQueries(datasource: string): QueryInput[] {
  return [
    {
      name: `${datasource}-issues`,
      datasource,
      path: '/search/jql?jql=:jql&fields=summary,status,assignee,updated,description&maxResults=100',
      params: [{ name: 'jql', type: 'string', default: 'updated >= -30d ORDER BY updated DESC' }],
      pagination: { type: 'next-page-token' },
      converter: ISSUES_CONVERTER,
    },
    {
      name: `${datasource}-projects`,
      datasource,
      path: '/project/search',
      pagination: { type: 'offset', pageSize: 50, itemsPath: 'values', totalPath: 'total' },
      converter: PROJECTS_CONVERTER,
    },
    {
      name: `${datasource}-count`,
      datasource,
      method: 'POST',
      path: '/search/approximate-count',
      body: '{"jql": ":jql"}',
      params: [{ name: 'jql', type: 'string', default: 'updated >= -30d' }],
    },
  ]
}

const FORM: PresetForm = {
  title: 'Jira Cloud',
  intro:
    'Create an OAuth 2.0 (3LO) app in the Atlassian developer console, then paste its client ID and secret.',
  next: 'Then press Connect and give consent.',
  source: 'from your app in the Atlassian developer console',
  defaultName: 'jira',
  fields: [
    ...ATLASSIAN_APP_FIELDS,
    {
      key: 'apiVersion',
      label: 'API version',
      kind: 'choice',
      required: false,
      choices: [
        { value: '3', label: '3 (rich text as ADF)' },
        { value: '2', label: '2 (rich text as wiki markup)' },
      ],
      hint: 'REST API version (default 3)',
    },
  ],
}

/** The Jira Cloud preset: the registry's member (index.ts). */
export const jiraCloud = definePreset({
  name: 'jira-cloud',
  provider: 'atlassian',
  reuseGraceMs: ATLASSIAN_REUSE_GRACE_MS,
  form: FORM,
  input: JiraCloudInputSchema,
  block: JiraCloudBlockSchema,
  datasource: (name, input, place) =>
    jiraCloudDatasource({
      name,
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      ...(input.apiVersion ? { apiVersion: input.apiVersion } : {}),
      ...(place.redirectUri ? { redirectUri: place.redirectUri } : {}),
      ...(place.scopes ? { scopes: place.scopes } : {}),
      ...(place.authUrl ? { authUrl: place.authUrl } : {}),
      ...(place.apiUrl ? { apiUrl: place.apiUrl } : {}),
    }),
  queries: jiraCloudQueries,
  // The grant names the sites it reaches; the chosen one's cloud id makes the base URL.
  completeConsent: (datasource, block, grant) =>
    completeAtlassianConsent(datasource, block, grant, 'Jira', (cloudId) =>
      jiraBaseUrl(block.apiUrl, cloudId, block.apiVersion),
    ),
})
