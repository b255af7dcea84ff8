import { z } from 'zod'
import { PresetBlockSchema, type RestDatasource } from '../../domain/datasource.js'
import type { QueryInput } from '../../domain/query.js'
import {
  ATLASSIAN_APP_FIELDS,
  ATLASSIAN_REUSE_GRACE_MS,
  atlassianAuth,
  atlassianHosts,
  completeAtlassianConsent,
} from './atlassian-3lo.js'
import { definePreset, type PresetForm } from './preset.js'

/**
 * The Confluence Cloud preset: Confluence over the same Atlassian OAuth 2.0 (3LO) as Jira
 * (atlassian-3lo.ts, the site chosen from accessible-resources), the API behind
 * api.atlassian.com/ex/confluence/{cloudId}: REST v2 (/wiki/api/v2) for spaces and pages, v1
 * (/wiki/rest/api/search) for CQL, which v2 does not have.
 *
 * Scopes, as Atlassian's Confluence REST docs list them per operation: `read:space:confluence` (v2 GET
 * /spaces), `read:page:confluence` (v2 GET /spaces/{id}/pages), `search:confluence` (v1 GET /search,
 * a classic scope; an app may hold classic and granular scopes together), `offline_access` for a
 * refresh token.
 */
export const CONFLUENCE_CLOUD = {
  scopes: 'read:space:confluence read:page:confluence search:confluence offline_access',
  testPath: '/wiki/api/v2/spaces?limit=1',
} as const

/** The block a Confluence Cloud datasource stores: where the API gateway is, the site once connected. */
export const ConfluenceCloudBlockSchema = PresetBlockSchema.extend({
  name: z.literal('confluence-cloud'),
  /** api.atlassian.com, or a stand-in. */
  apiUrl: z.url({ protocol: /^https?$/ }),
})
export type ConfluenceCloudBlock = z.infer<typeof ConfluenceCloudBlockSchema>

/** The API base for a site: https://api.atlassian.com/ex/confluence/{cloudId}; paths start at /wiki. */
export function confluenceBaseUrl(apiUrl: string, cloudId: string): string {
  return `${apiUrl.replace(/\/+$/, '')}/ex/confluence/${encodeURIComponent(cloudId)}`
}

const ConfluenceCloudInputSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
})
type ConfluenceCloudInput = z.infer<typeof ConfluenceCloudInputSchema>

/**
 * A Confluence Cloud datasource before consent: everything but the site.
 *
 * @example confluenceCloudDatasource('wiki', { clientId: 'abc', clientSecret: 's3' }, {})
 */
export function confluenceCloudDatasource(
  name: string,
  input: ConfluenceCloudInput,
  place: { authUrl?: string; apiUrl?: string; redirectUri?: string; scopes?: string },
  env: NodeJS.ProcessEnv = process.env,
): RestDatasource & { preset: ConfluenceCloudBlock } {
  const { authUrl, apiUrl } = atlassianHosts(place, env)
  return {
    name,
    type: 'rest',
    // Completed by `quarry connect` once the site is known.
    baseUrl: confluenceBaseUrl(apiUrl, 'not-connected'),
    testPath: CONFLUENCE_CLOUD.testPath,
    headers: [],
    timeoutMs: 30_000,
    maxResponseBytes: 64 * 1024 * 1024,
    allowedHosts: [],
    connectionMode: 'shared',
    auth: atlassianAuth(authUrl, {
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      scopes: place.scopes ?? CONFLUENCE_CLOUD.scopes,
      redirectUri: place.redirectUri,
    }),
    preset: { name: 'confluence-cloud', apiUrl },
  }
}

/**
 * v2 lists page by cursor: `_links.next` (and the Link header) is `/wiki/api/v2/…?cursor=…`, relative
 * to the site rather than the gateway, so the cursor is taken from it and sent on the query's own path.
 * v1 search's `_links.next` carries a `cursor` too.
 */
const NEXT_CURSOR = {
  type: 'cursor',
  cursorPath: '_links.next',
  cursorParam: 'cursor',
  itemsPath: 'results',
} as const

export const SPACES_CONVERTER = `function convert(json) {
  return JSON.parse(json).results.map((s) => ({ Id: s.id, Key: s.key, Name: s.name, Type: s.type, Status: s.status }));
}`

export const PAGES_CONVERTER = `function convert(json) {
  return JSON.parse(json).results.map((p) => ({
    Id: p.id,
    Title: p.title,
    Status: p.status,
    Version: p.version ? p.version.number : '',
    Created: formatDate(p.createdAt, 'yyyy-MM-dd HH:mm'),
  }));
}`

export const SEARCH_CONVERTER = `function convert(json) {
  return JSON.parse(json).results.map((r) => ({
    Title: r.content ? r.content.title : r.title,
    Type: r.content ? r.content.type : r.entityType,
    Space: r.resultGlobalContainer ? r.resultGlobalContainer.title : '',
    Modified: r.lastModified ? formatDate(r.lastModified, 'yyyy-MM-dd HH:mm') : '',
    Url: r.url,
  }));
}`

/** The queries a Confluence Cloud datasource comes with. */
export function confluenceCloudQueries(datasource: string): QueryInput[] {
  return [
    {
      name: `${datasource}-spaces`,
      datasource,
      path: '/wiki/api/v2/spaces?limit=250',
      pagination: NEXT_CURSOR,
      converter: SPACES_CONVERTER,
    },
    {
      name: `${datasource}-pages`,
      datasource,
      // The space's id, as the spaces query lists it (v2 takes ids, not keys).
      path: '/wiki/api/v2/spaces/:spaceId/pages?limit=250',
      params: [{ name: 'spaceId', type: 'string' }],
      pagination: NEXT_CURSOR,
      converter: PAGES_CONVERTER,
    },
    {
      name: `${datasource}-search`,
      datasource,
      path: '/wiki/rest/api/search?cql=:cql&limit=50',
      params: [
        {
          name: 'cql',
          type: 'string',
          default: 'type = page AND lastmodified >= now("-30d") ORDER BY lastmodified DESC',
        },
      ],
      pagination: NEXT_CURSOR,
      converter: SEARCH_CONVERTER,
    },
  ]
}

const FORM: PresetForm = {
  title: 'Confluence Cloud',
  intro:
    'Create an OAuth 2.0 (3LO) app in the Atlassian developer console with the Confluence scopes, then paste its client ID and secret.',
  next: 'Then press Connect and give consent.',
  source: 'from your app in the Atlassian developer console',
  defaultName: 'confluence',
  fields: ATLASSIAN_APP_FIELDS,
}

/** The Confluence Cloud preset: the registry's member (index.ts). */
export const confluenceCloud = definePreset({
  name: 'confluence-cloud',
  provider: 'atlassian',
  reuseGraceMs: ATLASSIAN_REUSE_GRACE_MS,
  form: FORM,
  input: ConfluenceCloudInputSchema,
  block: ConfluenceCloudBlockSchema,
  datasource: (name, input, place) => confluenceCloudDatasource(name, input, place),
  queries: confluenceCloudQueries,
  completeConsent: (datasource, block, grant) =>
    completeAtlassianConsent(datasource, block, grant, 'Confluence', (cloudId) =>
      confluenceBaseUrl(block.apiUrl, cloudId),
    ),
})
