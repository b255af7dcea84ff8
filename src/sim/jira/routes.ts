import type { SimContext } from '../context.js'
import { ISSUE_TYPES, type IssueTable, type SimProject, type SimSite } from '../data/model.js'
import { canBrowse, canSeeIssue } from '../data/permissions.js'
import { BodyError, parseBody, type BodyFields } from '../http/body.js'
import { gatewayError, jiraError, json, type SimResponse } from '../http/respond.js'
import type { Route, SimRequest } from '../http/router.js'
import { authenticate, type Caller } from '../oauth/bearer.js'
import { SCOPE_READ_USER, SCOPE_READ_WORK } from '../oauth/scopes.js'
import { FIELDS, fieldNames, fieldSchemas, issueJson, selectFields, type ApiVersion } from './fields.js'
import { avatarUrls, issueTypeJson, jiraDate, userJson } from './format.js'
import { agileRoutes, paging } from './agile.js'
import { changelogJson, knownExpands } from './expand.js'
import { versionsRoute } from './versions.js'
import { SearchService, type SearchParams } from './search.js'

/** The body Jira sends for the search endpoints it removed in 2025 (CHANGE-2046). */
export const LEGACY_SEARCH_GONE = {
  errorMessages: [
    'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046',
  ],
  errors: {},
}

/** What a Jira handler gets once the gateway has let the request through. */
export interface JiraCall {
  readonly req: SimRequest
  readonly site: SimSite
  readonly table: IssueTable
  readonly caller: Caller
  readonly version: ApiVersion
}

/**
 * Jira Cloud's REST API as reached through the gateway:
 * `/ex/jira/{cloudId}/rest/api/{2|3}/…`.
 */
export function jiraRoutes(ctx: SimContext): Route[] {
  const search = new SearchService(ctx)
  const base = String.raw`^\/ex\/jira\/(?<cloudId>[^/]+)\/rest\/api\/(?<v>[23])`
  const route = (
    method: string,
    path: string,
    name: string,
    scopes: readonly string[],
    handler: (call: JiraCall) => SimResponse,
  ): Route => ({
    method,
    pattern: new RegExp(`${base}/${path}$`),
    endpoint: `${method} ${name}`,
    surface: 'jira',
    handler: (req) => gateway(ctx, req, scopes, handler),
  })
  const gone = (method: string): Route => ({
    method,
    pattern: new RegExp(`${base}/search$`),
    endpoint: `${method} search (removed)`,
    surface: 'jira',
    handler: () => json(410, LEGACY_SEARCH_GONE),
  })
  return [
    route('GET', 'search/jql', 'search/jql', SCOPE_READ_WORK, (call) => {
      const params = searchParamsFromQuery(call.req.url.searchParams)
      return params.ok
        ? search.search(call.site, call.caller.userIndex, call.version, params.value)
        : params.response
    }),
    route('POST', 'search/jql', 'search/jql', SCOPE_READ_WORK, (call) => {
      const params = searchParamsFromBody(call.req)
      return params.ok
        ? search.search(call.site, call.caller.userIndex, call.version, params.value)
        : params.response
    }),
    route('POST', 'search/approximate-count', 'search/approximate-count', SCOPE_READ_WORK, (call) => {
      const parsed = jsonBody(call.req)
      if (!parsed.ok) return parsed.response
      const body = parsed.value
      const unknown = Object.keys(body).find((key) => key !== 'jql')
      if (unknown !== undefined) return jiraError(400, [`Unrecognized field "${unknown}".`])
      if (typeof body.jql !== 'string')
        return jiraError(400, ['The jql field is required and must be a string.'])
      return search.count(call.site, call.caller.userIndex, body.jql)
    }),
    gone('GET'),
    gone('POST'),
    route('GET', 'issue/(?<issue>[^/]+)', 'issue', SCOPE_READ_WORK, (call) => issue(ctx, call)),
    route('GET', 'issue/(?<issue>[^/]+)/changelog', 'issue/changelog', SCOPE_READ_WORK, (call) =>
      changelog(ctx, call),
    ),
    versionsRoute(ctx, route),
    route('GET', 'project/search', 'project/search', SCOPE_READ_WORK, (call) => projectSearch(ctx, call)),
    route('GET', 'myself', 'myself', SCOPE_READ_USER, (call) => myself(call)),
    route('GET', 'field', 'field', SCOPE_READ_WORK, () => json(200, FIELDS.map(fieldDetails))),
    ...agileRoutes(ctx, search),
  ]
}

export function gateway(
  ctx: SimContext,
  req: SimRequest,
  scopes: readonly string[],
  handler: (call: JiraCall) => SimResponse,
): SimResponse {
  const site = ctx.world.sites.find((s) => s.cloudId === req.params.cloudId)
  const auth = authenticate(ctx, req, scopes)
  if (!auth.ok) return auth.response
  if (!site) return gatewayError(404, 'Not Found')
  const siteIndex = ctx.world.sites.indexOf(site)
  // A token reaches only the sites its grant covers; others look like a bad token.
  if (!auth.caller.access.grant.siteIndexes.has(siteIndex)) return gatewayError(401, 'Unauthorized')
  return handler({
    req,
    site,
    table: ctx.world.issues[siteIndex] as IssueTable,
    caller: auth.caller,
    version: req.params.v === '2' ? 2 : 3,
  })
}

/** A parsed input, or the 400 to answer instead. */
type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly response: SimResponse }

const invalid = (messages: readonly string[]): Parsed<never> => ({
  ok: false,
  response: jiraError(400, messages),
})

function jsonBody(req: SimRequest): Parsed<BodyFields> {
  try {
    return { ok: true, value: parseBody(req.body, 'application/json') ?? {} }
  } catch (error) {
    if (error instanceof BodyError) return invalid([error.message])
    throw error
  }
}

const SEARCH_BODY_KEYS = new Set([
  'jql',
  'nextPageToken',
  'maxResults',
  'fields',
  'expand',
  'properties',
  'fieldsByKeys',
  'failFast',
  'reconcileIssues',
])

/** GET search/jql: list parameters may repeat or be comma-separated. */
function searchParamsFromQuery(query: URLSearchParams): Parsed<SearchParams> {
  const list = (name: string) =>
    query
      .getAll(name)
      .flatMap((value) => value.split(','))
      .map((value) => value.trim())
      .filter((value) => value !== '')
  const maxText = query.get('maxResults')
  const maxResults = maxText === null ? undefined : Number(maxText)
  if (maxText !== null && (maxText.trim() === '' || !Number.isInteger(maxResults)))
    return invalid([`The value '${maxText}' is invalid for maxResults.`])

  const reconcile = list('reconcileIssues').map(Number)
  if (reconcile.some((id) => !Number.isInteger(id))) return invalid(['reconcileIssues must be issue ids.'])
  const value: SearchParams = {
    jql: query.get('jql') ?? '',
    nextPageToken: query.get('nextPageToken') ?? undefined,
    maxResults,
    fields: query.has('fields') ? list('fields') : undefined,
    expand: list('expand'),
    properties: list('properties'),
    reconcileIssues: reconcile,
  }
  return { ok: true, value }
}

/** POST search/jql: the body is SearchAndReconcileRequestBean, which allows no other keys. */
function searchParamsFromBody(req: SimRequest): Parsed<SearchParams> {
  const parsed = jsonBody(req)
  if (!parsed.ok) return parsed
  const body = parsed.value
  const unknown = Object.keys(body).find((key) => !SEARCH_BODY_KEYS.has(key))
  if (unknown !== undefined) return invalid([`Unrecognized field "${unknown}".`])
  const problems: string[] = []
  const optional = <T>(name: string, check: (v: unknown) => v is T, expected: string): T | undefined => {
    const value = body[name]
    if (value === undefined || value === null) return undefined
    if (check(value)) return value
    problems.push(`The field "${name}" must be ${expected}.`)
    return undefined
  }
  const isString = (v: unknown): v is string => typeof v === 'string'
  const isInt = (v: unknown): v is number => Number.isInteger(v)
  const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString)
  const isInts = (v: unknown): v is number[] => Array.isArray(v) && v.every(isInt)
  const isBool = (v: unknown): v is boolean => typeof v === 'boolean'
  const params: SearchParams = {
    jql: optional('jql', isString, 'a string') ?? '',
    nextPageToken: optional('nextPageToken', isString, 'a string'),
    maxResults: optional('maxResults', isInt, 'an integer'),
    fields: optional('fields', isStrings, 'an array of strings'),
    expand: (optional('expand', isString, 'a comma-separated string') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    properties: optional('properties', isStrings, 'an array of strings') ?? [],
    reconcileIssues: optional('reconcileIssues', isInts, 'an array of issue ids') ?? [],
  }
  optional('fieldsByKeys', isBool, 'true or false')
  optional('failFast', isBool, 'true or false')
  return problems.length > 0 ? invalid(problems) : { ok: true, value: params }
}

/** The row of the issue the path names (id or key), or the 404 Jira answers (for a hidden issue too, as in Jira). */
function issueRow(ctx: SimContext, call: JiraCall): number | SimResponse {
  let ref: string
  try {
    ref = decodeURIComponent(call.req.params.issue ?? '')
  } catch {
    return jiraError(404, ['Issue does not exist or you do not have permission to see it.'])
  }
  const row = /^\d+$/.test(ref) ? call.table.rowOfId(Number(ref)) : call.table.rowOfKey(ref.toUpperCase())
  if (row === undefined || !canSeeIssue(ctx.world, call.table, call.caller.userIndex, row))
    return jiraError(404, ['Issue does not exist or you do not have permission to see it.'])
  return row
}

/** GET issue/{key}/changelog: PageBeanChangelog, oldest first, paged by startAt/maxResults (default 100). */
function changelog(ctx: SimContext, call: JiraCall): SimResponse {
  const row = issueRow(ctx, call)
  if (typeof row !== 'number') return row
  const page = paging(call, 100)
  if ('status' in page) return page
  const all = changelogJson(ctx.world, call.site, call.table, row)
  const values = all.slice(page.startAt, page.startAt + page.maxResults)
  const isLast = page.startAt + page.maxResults >= all.length
  const here = `${call.site.url}/rest/api/${call.version}/issue/${call.table.key(row)}/changelog`
  const body: Record<string, unknown> = {
    self: `${here}?startAt=${page.startAt}&maxResults=${page.maxResults}`,
    maxResults: page.maxResults,
    startAt: page.startAt,
    total: all.length,
    isLast,
    values,
  }
  if (!isLast)
    body.nextPage = `${here}?startAt=${page.startAt + page.maxResults}&maxResults=${page.maxResults}`
  return json(200, body)
}

function issue(ctx: SimContext, call: JiraCall): SimResponse {
  const row = issueRow(ctx, call)
  if (typeof row !== 'number') return row

  const query = call.req.url.searchParams
  const list = (name: string) =>
    query
      .getAll(name)
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean)
  const fields = selectFields(query.has('fields') ? list('fields') : undefined, '*all', '*all')
  const expand = knownExpands(list('expand'))
  const bean = issueJson(
    { world: ctx.world, site: call.site, table: call.table, version: call.version, fields, expand },
    row,
  )
  if (expand.has('names')) bean.names = fieldNames(fields)
  if (expand.has('schema')) bean.schema = fieldSchemas(fields)
  return json(200, bean)
}

/**
 * GET project/search with the parameters the platform OpenAPI document lists: `keys` and `id`
 * (repeated, up to 50), `query` (key or name, case-insensitive), `typeKey` (comma-separated),
 * `status` (live/archived/deleted: the simulator's projects are all live), `orderBy` (its enum;
 * projects have no category, archive or delete date, so those sort by key), `expand`
 * (description, lead, issueTypes, url, insight; `projectKeys` is ignored: the Project schema has no
 * place for it) and startAt/maxResults.
 * `categoryId`, `action`, `properties` and `propertyQuery` are accepted: no project has a
 * category or properties, and every project a token sees allows every action.
 */
function projectSearch(ctx: SimContext, call: JiraCall): SimResponse {
  const query = call.req.url.searchParams
  const int = (name: string, fallback: number): number | undefined => {
    const text = query.get(name)
    if (text === null) return fallback
    const value = Number(text)
    return text.trim() !== '' && Number.isInteger(value) && value >= 0 ? value : undefined
  }
  const startAt = int('startAt', 0)
  // 0 would page forever (nextPage = self): treat it as the default, as for search.
  const requested = int('maxResults', 50) || 50
  if (startAt === undefined)
    return jiraError(400, [`The value '${query.get('startAt')}' is invalid for startAt.`])
  if (requested === undefined)
    return jiraError(400, [`The value '${query.get('maxResults')}' is invalid for maxResults.`])
  const maxResults = Math.min(requested, 100)
  const list = (name: string) =>
    query
      .getAll(name)
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean)
  const keys = query.getAll('keys').filter(Boolean)
  const ids = query.getAll('id').filter(Boolean)
  if (keys.length > 50 || ids.length > 50)
    return jiraError(400, ['Up to 50 project keys and 50 project ids can be provided.'])
  if (ids.some((id) => !/^\d+$/.test(id))) return jiraError(400, ['The id parameter takes project ids.'])
  const statuses = list('status')
  const badStatus = statuses.find((s) => !PROJECT_STATUSES.has(s))
  if (badStatus !== undefined) return jiraError(400, [`The value '${badStatus}' is invalid for status.`])
  const orderBy = query.get('orderBy') ?? 'key'
  const order = PROJECT_ORDER.exec(orderBy)
  if (!order) return jiraError(400, [`The value '${orderBy}' is invalid for orderBy.`])
  const categoryId = query.get('categoryId')
  const types = list('typeKey')
  const text = (query.get('query') ?? '').toLowerCase()
  const expand = new Set(list('expand'))
  const siteIndex = ctx.world.sites.indexOf(call.site)
  const table = call.table
  const stats = projectStats(ctx, table)
  const leadName = (p: SimProject) => ctx.world.users[p.leadIndex]?.displayName ?? ''
  const projects = ctx.world.projects
    .map((p, index) => ({ p, index }))
    .filter(({ p, index }) => p.siteIndex === siteIndex && canBrowse(ctx.world, call.caller.userIndex, index))
    // Every simulated project is live, and none has a category.
    .filter(() => (statuses.length === 0 || statuses.includes('live')) && categoryId === null)
    .filter(({ p }) => keys.length === 0 || keys.includes(p.key))
    .filter(({ p }) => ids.length === 0 || ids.includes(p.id))
    .filter(({ p }) => types.length === 0 || types.includes(p.projectTypeKey))
    .filter(
      ({ p }) => text === '' || p.key.toLowerCase().includes(text) || p.name.toLowerCase().includes(text),
    )
  const by = order[2] as string
  const sign = order[1] === '-' ? -1 : 1
  const value = ({ p, index }: { p: SimProject; index: number }): string | number =>
    by === 'name'
      ? p.name
      : by === 'owner'
        ? leadName(p)
        : by === 'issueCount'
          ? (stats.count[index] ?? 0)
          : by === 'lastIssueUpdatedDate'
            ? (stats.lastUpdated[index] ?? 0)
            : p.key
  projects.sort((a, b) => {
    const x = value(a)
    const y = value(b)
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
    return sign * c || a.p.key.localeCompare(b.p.key)
  })
  const values = projects.slice(startAt, startAt + maxResults).map(({ p }) => {
    const bean: Record<string, unknown> = {
      expand: 'description,lead,issueTypes,url,projectKeys,permissions,insight',
      self: `${call.site.url}/rest/api/3/project/${p.id}`,
      id: p.id,
      key: p.key,
      name: p.name,
      avatarUrls: avatarUrls(`${call.site.url}/rest/api/3/universal_avatar/view/type/project/avatar/10400`),
      projectTypeKey: p.projectTypeKey,
      simplified: false,
      style: 'classic',
      isPrivate: false,
      properties: {},
    }
    if (expand.has('description')) bean.description = p.description
    const lead = ctx.world.users[p.leadIndex]
    if (expand.has('lead') && lead) bean.lead = userJson(call.site, lead)
    if (expand.has('issueTypes')) bean.issueTypes = ISSUE_TYPES.map((t) => issueTypeJson(call.site, t))
    if (expand.has('url')) bean.url = `${call.site.url}/browse/${p.key}`
    if (expand.has('insight')) {
      const last = stats.lastUpdated[ctx.world.projects.indexOf(p)]
      bean.insight = {
        totalIssueCount: stats.count[ctx.world.projects.indexOf(p)] ?? 0,
        ...(last ? { lastIssueUpdateTime: jiraDate(last) } : {}),
      }
    }
    return bean
  })
  const isLast = startAt + maxResults >= projects.length
  // Page links keep the request's filters: only startAt changes from page to page.
  const pageUrl = (at: number) => {
    const next = new URLSearchParams(query)
    next.set('startAt', String(at))
    next.set('maxResults', String(maxResults))
    return `${call.site.url}/rest/api/${call.version}/project/search?${next}`
  }
  const page: Record<string, unknown> = {
    self: pageUrl(startAt),
    maxResults,
    startAt,
    total: projects.length,
    isLast,
    values,
  }
  if (!isLast) page.nextPage = pageUrl(startAt + maxResults)

  return json(200, page)
}

const PROJECT_STATUSES = new Set(['live', 'archived', 'deleted'])
/** The orderBy enum of project/search (OpenAPI): an optional sign and a field. */
const PROJECT_ORDER =
  /^([+-]?)(category|key|name|owner|issueCount|lastIssueUpdatedDate|archivedDate|deletedDate)$/

/** Issue count and last update per project index, for orderBy and the insight expansion. */
function projectStats(ctx: SimContext, table: IssueTable): { count: number[]; lastUpdated: number[] } {
  let stats = PROJECT_STATS.get(table)
  if (!stats) {
    const count = ctx.world.projects.map(() => 0)
    const lastUpdated = ctx.world.projects.map(() => 0)
    for (let row = 0; row < table.count; row++) {
      const p = table.project[row] as number
      count[p] = (count[p] ?? 0) + 1
      lastUpdated[p] = Math.max(lastUpdated[p] ?? 0, table.updated[row] as number)
    }
    stats = { count, lastUpdated }
    PROJECT_STATS.set(table, stats)
  }
  return stats
}
const PROJECT_STATS = new WeakMap<IssueTable, { count: number[]; lastUpdated: number[] }>()

function myself(call: JiraCall): SimResponse {
  return json(200, {
    ...userJson(call.site, call.caller.user),
    locale: call.caller.user.locale,
    groups: { size: 1, items: [] },
    applicationRoles: { size: 1, items: [] },
    expand: 'groups,applicationRoles',
  })
}

function fieldDetails(field: (typeof FIELDS)[number]): Record<string, unknown> {
  return {
    id: field.id,
    key: field.id,
    name: field.name,
    custom: false,
    orderable: field.orderable,
    navigable: field.navigable,
    searchable: field.searchable,
    clauseNames: field.clauseNames,
    schema: field.schema,
  }
}
