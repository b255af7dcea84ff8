import type { SimContext } from '../context.js'
import { STATUSES } from '../data/model.js'
import { jiraError, json, type SimResponse } from '../http/respond.js'
import type { Route } from '../http/router.js'
import { SCOPE_READ_WORK } from '../oauth/scopes.js'
import { paging } from './agile.js'
import { versionsOf, type SimVersion } from './agile-world.js'
import type { JiraCall } from './routes.js'

type RouteMaker = (
  method: string,
  path: string,
  name: string,
  scopes: readonly string[],
  handler: (call: JiraCall) => SimResponse,
) => Route

/** The orderBy enum of GET project/{projectIdOrKey}/version (platform OpenAPI document). */
const VERSION_ORDER = /^([+-]?)(description|name|releaseDate|sequence|startDate)$/
const VERSION_STATUSES = new Set(['released', 'unreleased', 'archived'])

/**
 * GET project/{projectIdOrKey}/version: PageBeanVersion with startAt/maxResults, `query`
 * (name or description, case-insensitive), `status` (comma-separated released/unreleased/archived;
 * no simulated version is archived), `orderBy` and `expand=issuesstatus` — all as the platform
 * OpenAPI document describes them. A version's issues are the project's done issues resolved
 * in the eight weeks before its release (agile-world.ts).
 */
export function versionsRoute(ctx: SimContext, route: RouteMaker): Route {
  return route('GET', 'project/(?<project>[^/]+)/version', 'project/version', SCOPE_READ_WORK, (call) => {
    const ref = decodeURIComponent(call.req.params.project ?? '')
    const siteIndex = ctx.world.sites.indexOf(call.site)
    // "The project ID or project key (case sensitive)."
    const projectIndex = ctx.world.projects.findIndex(
      (p) => p.siteIndex === siteIndex && (p.key === ref || p.id === ref),
    )
    if (projectIndex < 0) return jiraError(404, [`No project could be found with key '${ref}'.`])
    const page = paging(call, 50)
    if ('status' in page) return page
    const query = call.req.url.searchParams
    const statuses = (query.get('status') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    const bad = statuses.find((s) => !VERSION_STATUSES.has(s))
    if (bad !== undefined) return jiraError(400, [`The value '${bad}' is invalid for status.`])
    const orderBy = query.get('orderBy') ?? 'sequence'
    const order = VERSION_ORDER.exec(orderBy)
    if (!order) return jiraError(400, [`The value '${orderBy}' is invalid for orderBy.`])
    const text = (query.get('query') ?? '').toLowerCase()
    const expand = new Set((query.get('expand') ?? '').split(',').map((s) => s.trim()))
    const field = order[2] as string
    const sign = order[1] === '-' ? -1 : 1
    const key = (v: SimVersion): string | number =>
      field === 'name'
        ? v.name
        : field === 'description'
          ? v.description
          : field === 'releaseDate'
            ? v.release
            : field === 'startDate'
              ? v.start
              : v.sequence
    const versions = versionsOf(ctx.world, projectIndex)
      .filter((v) => statuses.length === 0 || statuses.includes(v.released ? 'released' : 'unreleased'))
      .filter(
        (v) =>
          text === '' || v.name.toLowerCase().includes(text) || v.description.toLowerCase().includes(text),
      )
      .sort((a, b) => {
        const x = key(a)
        const y = key(b)
        const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
        return sign * c || a.sequence - b.sequence
      })
    const project = ctx.world.projects[projectIndex]
    const values = versions.slice(page.startAt, page.startAt + page.maxResults).map((v) => {
      const bean: Record<string, unknown> = {
        self: `${call.site.url}/rest/api/3/version/${v.id}`,
        id: String(v.id),
        description: v.description,
        name: v.name,
        archived: false,
        released: v.released,
        startDate: dateOnly(v.start),
        releaseDate: dateOnly(v.release),
        overdue: false,
        ...(v.released ? { userReleaseDate: userDate(v.release) } : {}),
        userStartDate: userDate(v.start),
        projectId: Number(project?.id),
      }
      if (expand.has('issuesstatus')) bean.issuesStatusForFixVersion = issuesStatus(call, projectIndex, v)
      return bean
    })
    const isLast = page.startAt + page.maxResults >= versions.length
    const pageUrl = (at: number) => {
      const next = new URLSearchParams(query)
      next.set('startAt', String(at))
      next.set('maxResults', String(page.maxResults))
      return `${call.site.url}/rest/api/${call.version}/project/${ref}/version?${next}`
    }
    const body: Record<string, unknown> = {
      self: pageUrl(page.startAt),
      maxResults: page.maxResults,
      startAt: page.startAt,
      total: versions.length,
      isLast,
      values,
    }
    if (!isLast) body.nextPage = pageUrl(page.startAt + page.maxResults)
    return json(200, body)
  })
}

/** Counts of the version's issues by status category (VersionIssuesStatus). */
function issuesStatus(call: JiraCall, projectIndex: number, version: SimVersion): Record<string, number> {
  let done = 0
  const table = call.table
  for (let row = 0; row < table.count; row++) {
    if (table.project[row] !== projectIndex) continue
    const updated = table.updated[row] as number
    if (
      STATUSES[table.status[row] as number]?.category === 'done' &&
      updated > version.start &&
      updated <= version.release
    )
      done++
  }
  return { unmapped: 0, toDo: 0, inProgress: 0, done }
}

/** `2026-01-15`: how Jira sends a version's dates. */
function dateOnly(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10)
}

/** `15/Jan/26`: the user-facing form Jira adds beside it. */
function userDate(epochMs: number): string {
  const d = new Date(epochMs)
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  return `${String(d.getUTCDate()).padStart(2, '0')}/${months[d.getUTCMonth()]}/${String(d.getUTCFullYear() % 100).padStart(2, '0')}`
}
