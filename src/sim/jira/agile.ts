import type { SimContext } from '../context.js'
import type { SimProject } from '../data/model.js'
import { canBrowse } from '../data/permissions.js'
import { jiraError, json, type SimResponse } from '../http/respond.js'
import type { Route } from '../http/router.js'
import { SCOPE_READ_BOARD } from '../oauth/scopes.js'
import { issueJson, selectFields } from './fields.js'
import { gateway, type JiraCall } from './routes.js'
import type { SearchService } from './search.js'

/**
 * Jira Software's agile API, the part people page through: boards, and a
 * board's issues with startAt/maxResults/total — the offset pagination Jira
 * still uses outside search/jql. One board per project (board id = the
 * project's place in the world, from 1).
 */
export function agileRoutes(ctx: SimContext, search: SearchService): Route[] {
  const base = String.raw`^\/ex\/jira\/(?<cloudId>[^/]+)\/rest\/agile\/1\.0`
  const route = (path: string, name: string, handler: (call: JiraCall) => SimResponse): Route => ({
    method: 'GET',
    pattern: new RegExp(`${base}/${path}$`),
    endpoint: `GET agile ${name}`,
    surface: 'jira',
    handler: (req) => gateway(ctx, req, SCOPE_READ_BOARD, handler),
  })
  return [
    route('board', 'board', (call) => {
      const page = paging(call, 50)
      if ('status' in page) return page
      const boards = boardsOf(ctx, call)
      const values = boards.slice(page.startAt, page.startAt + page.maxResults).map(({ project, id }) => ({
        id,
        self: `${call.site.url}/rest/agile/1.0/board/${id}`,
        name: `${project.key} board`,
        type: 'scrum',
        location: { projectId: Number(project.id), projectKey: project.key, projectName: project.name },
      }))
      return json(200, {
        maxResults: page.maxResults,
        startAt: page.startAt,
        total: boards.length,
        isLast: page.startAt + page.maxResults >= boards.length,
        values,
      })
    }),
    route('board/(?<board>\\d+)/issue', 'board/issue', (call) => {
      const page = paging(call, 50)
      if ('status' in page) return page
      const board = boardsOf(ctx, call).find((b) => b.id === Number(call.req.params.board))
      if (!board) {
        return jiraError(404, [
          `Board ${call.req.params.board} does not exist or you do not have permission to see it.`,
        ])
      }
      const query = call.req.url.searchParams
      const filter = query.get('jql')
      if (filter && /\border\s+by\b/i.test(filter))
        return jiraError(400, ['The jql of a board query cannot have an ORDER BY.'])
      const jql = `project = "${board.project.key}"${filter ? ` AND (${filter})` : ''} ORDER BY key ASC`
      const siteIndex = ctx.world.sites.indexOf(call.site)
      const rows = search.rows(siteIndex, call.caller.userIndex, jql)
      if (!(rows instanceof Uint32Array)) return rows
      const list = (name: string) =>
        query
          .getAll(name)
          .flatMap((v) => v.split(','))
          .map((v) => v.trim())
          .filter(Boolean)
      const fields = selectFields(query.has('fields') ? list('fields') : undefined, '*navigable')
      const options = {
        world: ctx.world,
        site: call.site,
        table: call.table,
        version: 2 as const,
        fields,
        expand: new Set(list('expand')),
      }
      const issues: unknown[] = []
      for (let i = page.startAt; i < Math.min(rows.length, page.startAt + page.maxResults); i++)
        issues.push(issueJson(options, rows[i] as number))

      return json(200, {
        expand: 'schema,names',
        startAt: page.startAt,
        maxResults: page.maxResults,
        total: rows.length,
        issues,
      })
    }),
  ]
}

function boardsOf(ctx: SimContext, call: JiraCall): { project: SimProject; id: number }[] {
  const siteIndex = ctx.world.sites.indexOf(call.site)
  return ctx.world.projects
    .map((project, index) => ({ project, id: index + 1 }))
    .filter(
      ({ project, id }) =>
        project.siteIndex === siteIndex && canBrowse(ctx.world, call.caller.userIndex, id - 1),
    )
}

/** startAt/maxResults from the query: Jira's defaults, its cap of 100, a 400 for nonsense. */
function paging(call: JiraCall, fallback: number): { startAt: number; maxResults: number } | SimResponse {
  const query = call.req.url.searchParams
  const read = (name: string, value: number): number | undefined => {
    const text = query.get(name)
    if (text === null) return value
    const n = Number(text)
    return text.trim() !== '' && Number.isInteger(n) && n >= 0 ? n : undefined
  }
  const startAt = read('startAt', 0)
  const maxResults = read('maxResults', fallback)
  if (startAt === undefined)
    return jiraError(400, [`The value '${query.get('startAt')}' is invalid for startAt.`])
  if (maxResults === undefined)
    return jiraError(400, [`The value '${query.get('maxResults')}' is invalid for maxResults.`])
  return { startAt, maxResults: Math.min(maxResults || fallback, 100) }
}
