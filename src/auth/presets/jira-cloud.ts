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
  // The agile API (boards, sprints, epics) takes Jira Software's own scopes; read:jira-work does not reach it.
  scopes:
    'read:jira-work read:jira-user read:board-scope:jira-software read:sprint:jira-software read:epic:jira-software offline_access',
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

/**
 * The agile API lives beside the platform API on the same gateway: `/rest/agile/1.0` from a base
 * of `/rest/api/{2|3}`, reached by climbing out of the base (http/bind.ts).
 */
export const AGILE = '../../agile/1.0'

/** Converter for the boards query (agile GET board: values of Board). */
export const BOARDS_CONVERTER = `function convert(json) {
  return JSON.parse(json).values.map((b) => ({
    Board: b.id,
    Name: b.name,
    Type: b.type,
    Project: b.location ? b.location.projectKey : '',
  }));
}`

/** Converter for a board's sprints (agile GET board/{id}/sprint); a future sprint has no dates yet. */
export const SPRINTS_CONVERTER = `function convert(json) {
  const day = (value) => (value ? formatDate(value, 'yyyy-MM-dd') : '');
  return JSON.parse(json).values.map((s) => ({
    Sprint: s.id,
    Name: s.name,
    State: s.state,
    Start: day(s.startDate),
    End: day(s.endDate),
    Completed: day(s.completeDate),
  }));
}`

/** Converter for the issues of a sprint or an epic (agile: `issues` with their fields). */
export const AGILE_ISSUES_CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map((issue) => ({
    Key: issue.key,
    Summary: issue.fields.summary,
    Type: issue.fields.issuetype ? issue.fields.issuetype.name : '',
    Status: issue.fields.status ? issue.fields.status.name : '',
    Assignee: issue.fields.assignee ? issue.fields.assignee.displayName : '',
    Epic: issue.fields.epic ? issue.fields.epic.key : '',
    Sprint: issue.fields.sprint ? issue.fields.sprint.name : '',
  }));
}`

/** Converter for a board's epics (agile GET board/{id}/epic). */
export const EPICS_CONVERTER = `function convert(json) {
  return JSON.parse(json).values.map((e) => ({ Epic: e.key, Name: e.name, Done: e.done }));
}`

/** Converter for a project's versions (platform GET project/{key}/version: PageBeanVersion). */
export const VERSIONS_CONVERTER = `function convert(json) {
  return JSON.parse(json).values.map((v) => ({
    Version: v.name,
    Released: v.released,
    'Release date': v.releaseDate || '',
    Description: v.description || '',
  }));
}`

/**
 * Converter for time in status: from each issue's changelog (search/jql with expand=changelog),
 * one row per issue and status with the hours spent there and how often it was entered. The
 * issue starts in the status its first change leaves (or its current one, unchanged) at
 * `created`; the current status counts up to now.
 */
export const TIME_IN_STATUS_CONVERTER = `function convert(json) {
  const ms = (text) => Date.parse(String(text).replace(/([+-]\\d\\d)(\\d\\d)$/, '$1:$2'));
  const rows = [];
  for (const issue of JSON.parse(json).issues) {
    const changes = [];
    for (const history of (issue.changelog && issue.changelog.histories) || [])
      for (const item of history.items)
        if (item.fieldId === 'status' || item.field === 'status')
          changes.push({ at: ms(history.created), from: item.fromString, to: item.toString });
    changes.sort((a, b) => a.at - b.at);
    const current = issue.fields.status ? issue.fields.status.name : '';
    const spent = new Map();
    const visit = (status, from, to) => {
      const entry = spent.get(status) || { ms: 0, times: 0 };
      entry.ms += Math.max(0, to - from);
      entry.times += 1;
      spent.set(status, entry);
    };
    let status = changes.length > 0 ? changes[0].from : current;
    let since = ms(issue.fields.created);
    for (const change of changes) {
      visit(status, since, change.at);
      status = change.to;
      since = change.at;
    }
    visit(status, since, Date.now());
    for (const [name, entry] of spent)
      rows.push({
        Key: issue.key,
        Status: name,
        Hours: Math.round(entry.ms / 360000) / 10,
        Times: entry.times,
        Current: name === current,
      });
  }
  return rows;
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
      name: `${datasource}-boards`,
      datasource,
      path: `${AGILE}/board`,
      pagination: { type: 'offset', pageSize: 50, itemsPath: 'values', totalPath: 'total' },
      converter: BOARDS_CONVERTER,
    },
    {
      name: `${datasource}-sprints`,
      datasource,
      path: `${AGILE}/board/:board/sprint?state=:state`,
      params: [
        { name: 'board', type: 'integer', default: '1' },
        { name: 'state', type: 'string', default: 'active,closed,future' },
      ],
      pagination: { type: 'offset', pageSize: 50, itemsPath: 'values', totalPath: 'total' },
      converter: SPRINTS_CONVERTER,
    },
    {
      name: `${datasource}-sprint-issues`,
      datasource,
      path: `${AGILE}/sprint/:sprint/issue?fields=summary,issuetype,status,assignee,epic,sprint`,
      params: [{ name: 'sprint', type: 'integer', default: '1' }],
      pagination: { type: 'offset', pageSize: 100, itemsPath: 'issues', totalPath: 'total' },
      converter: AGILE_ISSUES_CONVERTER,
    },
    {
      name: `${datasource}-epics`,
      datasource,
      path: `${AGILE}/board/:board/epic`,
      params: [{ name: 'board', type: 'integer', default: '1' }],
      pagination: { type: 'offset', pageSize: 50, itemsPath: 'values', totalPath: 'total' },
      converter: EPICS_CONVERTER,
    },
    {
      name: `${datasource}-epic-issues`,
      datasource,
      path: `${AGILE}/epic/:epic/issue?fields=summary,issuetype,status,assignee,epic,sprint`,
      params: [{ name: 'epic', type: 'string', default: 'DEMO-1' }],
      pagination: { type: 'offset', pageSize: 100, itemsPath: 'issues', totalPath: 'total' },
      converter: AGILE_ISSUES_CONVERTER,
    },
    {
      name: `${datasource}-versions`,
      datasource,
      path: '/project/:project/version?orderBy=-releaseDate',
      params: [{ name: 'project', type: 'string', default: 'DEMO' }],
      pagination: { type: 'offset', pageSize: 50, itemsPath: 'values', totalPath: 'total' },
      converter: VERSIONS_CONVERTER,
    },
    {
      name: `${datasource}-time-in-status`,
      datasource,
      path: '/search/jql?jql=:jql&fields=status,created&expand=changelog&maxResults=100',
      params: [{ name: 'jql', type: 'string', default: 'updated >= -30d ORDER BY key ASC' }],
      pagination: { type: 'next-page-token' },
      converter: TIME_IN_STATUS_CONVERTER,
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
