import type { SimContext } from '../context.js'
import { ISSUE_TYPES, STATUSES } from '../data/model.js'
import { canBrowse, canSeeIssue } from '../data/permissions.js'
import { jiraError, json, type SimResponse } from '../http/respond.js'
import type { Route } from '../http/router.js'
import { SCOPE_READ_BOARD, SCOPE_READ_EPIC, SCOPE_READ_SPRINT } from '../oauth/scopes.js'
import { agileSite, versionsOf, type AgileSite, type SimBoard, type SimSprint } from './agile-world.js'
import { knownExpands } from './expand.js'
import { jiraDate } from './format.js'
import { issueJson, selectFields } from './fields.js'
import { gateway, type JiraCall } from './routes.js'
import type { SearchService } from './search.js'

/**
 * Jira Software's agile API (/rest/agile/1.0): boards, their sprints, epics and versions, and
 * the issues of a board, sprint or epic, paged with startAt/maxResults/total/isLast.
 *
 * The Agile API is not in the platform OpenAPI document (/work/shared/specs). Its parameters
 * and shapes come from Atlassian's Jira Software Cloud REST reference
 * (developer.atlassian.com/cloud/jira/software/rest, groups board, sprint, epic), as mirrored
 * by the jira.js client's parameter docs (mrrefactoring.github.io/jira.js AgileParameters.*):
 * - GET board: startAt, maxResults, type (scrum, kanban, simple; comma-separated), name (matches
 *   or partially matches), projectKeyOrId, accountIdLocation, projectLocation, includePrivate,
 *   negateLocationFiltering, orderBy (name, -name, +name; unsorted without it), expand (admins,
 *   permissions), filterId, projectTypeLocation;
 * - GET board/{id}/sprint: startAt, maxResults, state (future, active, closed; comma-separated);
 * - GET board/{id}/epic: startAt, maxResults, done; GET board/{id}/version: startAt, maxResults, released;
 * - GET sprint/{id}/issue, epic/{idOrKey}/issue, board/{id}/issue: startAt, maxResults, jql,
 *   validateQuery, fields, expand;
 * - required OAuth scopes: read:board-scope:jira-software (board), read:sprint:jira-software
 *   (sprint), read:epic:jira-software (epic).
 * Which boards, sprints and epics exist is the seeded world's (agile-world.ts).
 */
export function agileRoutes(ctx: SimContext, search: SearchService): Route[] {
  const base = String.raw`^\/ex\/jira\/(?<cloudId>[^/]+)\/rest\/agile\/1\.0`
  const route = (
    path: string,
    name: string,
    handler: (call: JiraCall) => SimResponse,
    scopes: readonly string[] = SCOPE_READ_BOARD,
  ): Route => ({
    method: 'GET',
    pattern: new RegExp(`${base}/${path}$`),
    endpoint: `GET agile ${name}`,
    surface: 'jira',
    handler: (req) => gateway(ctx, req, scopes, handler),
  })
  // Boards (and so their sprints) of projects the caller may not browse do not exist for them.
  const agile = (call: JiraCall): AgileSite => {
    const site = agileSite(ctx.world, call.table)
    return {
      ...site,
      boards: site.boards.filter((b) => canBrowse(ctx.world, call.caller.userIndex, b.projectIndex)),
    }
  }
  /** The board the path names, or Jira's 404. */
  const boardOf = (call: JiraCall): SimBoard | SimResponse =>
    agile(call).boards.find((b) => b.id === Number(call.req.params.board)) ??
    jiraError(404, [`Board ${call.req.params.board} does not exist or you do not have permission to see it.`])
  const issuesOf = (call: JiraCall, projectKey: string, rows: readonly number[] | undefined) =>
    issuePage(ctx, search, call, projectKey, rows)

  return [
    route('board', 'board', (call) => boards(ctx, call, agile(call))),
    route('board/(?<board>\\d+)', 'board/{id}', (call) => {
      const board = boardOf(call)
      return 'status' in board ? board : json(200, boardJson(call, board))
    }),
    route('board/(?<board>\\d+)/issue', 'board/issue', (call) => {
      const board = boardOf(call)
      return 'status' in board ? board : issuesOf(call, board.project.key, undefined)
    }),
    route('board/(?<board>\\d+)/sprint', 'board/sprint', (call) => {
      const board = boardOf(call)
      if ('status' in board) return board
      if (board.type !== 'scrum') return jiraError(400, ['The board does not support sprints'])
      const states = list(call, 'state')
      const bad = states.find((s) => !['future', 'active', 'closed'].includes(s))
      if (bad !== undefined) return jiraError(400, [`The value '${bad}' is invalid for state.`])
      const sprints = board.sprints.filter((s) => states.length === 0 || states.includes(s.state))
      return valuesPage(call, 50, sprints, (s) => sprintJson(call, s))
    }),
    route('board/(?<board>\\d+)/epic', 'board/epic', (call) => {
      const board = boardOf(call)
      if ('status' in board) return board
      const done = call.req.url.searchParams.get('done')
      if (done !== null && done !== 'true' && done !== 'false')
        return jiraError(400, [`The value '${done}' is invalid for done.`])
      const epics = (agile(call).epicRows.get(board.projectIndex) ?? []).filter(
        (row) => done === null || epicDone(call, row) === (done === 'true'),
      )
      return valuesPage(call, 50, epics, (row) => epicJson(call, row))
    }),
    route('board/(?<board>\\d+)/version', 'board/version', (call) => {
      const board = boardOf(call)
      if ('status' in board) return board
      const released = call.req.url.searchParams.get('released')
      if (released !== null && released !== 'true' && released !== 'false')
        return jiraError(400, [`The value '${released}' is invalid for released.`])
      const versions = versionsOf(ctx.world, board.projectIndex).filter(
        (v) => released === null || v.released === (released === 'true'),
      )
      return valuesPage(call, 50, versions, (v) => ({
        self: `${call.site.url}/rest/agile/1.0/version/${v.id}`,
        id: v.id,
        projectId: Number(board.project.id),
        name: v.name,
        description: v.description,
        archived: false,
        released: v.released,
        releaseDate: jiraDate(v.release),
      }))
    }),
    route(
      'sprint/(?<sprint>\\d+)',
      'sprint/{id}',
      (call) => {
        const found = sprintOf(call, agile(call))
        return 'status' in found ? found : json(200, sprintJson(call, found.sprint))
      },
      SCOPE_READ_SPRINT,
    ),
    route(
      'sprint/(?<sprint>\\d+)/issue',
      'sprint/issue',
      (call) => {
        const found = sprintOf(call, agile(call))
        if ('status' in found) return found
        return issuesOf(call, found.board.project.key, agile(call).sprintRows.get(found.sprint.id) ?? [])
      },
      SCOPE_READ_SPRINT,
    ),
    route(
      'epic/(?<epic>[^/]+)',
      'epic/{idOrKey}',
      (call) => {
        const row = epicRow(ctx, call)
        return typeof row === 'number' ? json(200, epicJson(call, row)) : row
      },
      SCOPE_READ_EPIC,
    ),
    route(
      'epic/(?<epic>[^/]+)/issue',
      'epic/issue',
      (call) => {
        const row = epicRow(ctx, call)
        if (typeof row !== 'number') return row
        const project = ctx.world.projects[call.table.project[row] as number]
        return issuesOf(call, project?.key ?? '', agile(call).epicChildren.get(row) ?? [])
      },
      SCOPE_READ_EPIC,
    ),
  ]
}

/** A query parameter's values, repeated or comma-separated. */
function list(call: JiraCall, name: string): string[] {
  return call.req.url.searchParams
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)
}

function boards(ctx: SimContext, call: JiraCall, agile: AgileSite): SimResponse {
  const query = call.req.url.searchParams
  const types = list(call, 'type')
  const badType = types.find((t) => !['scrum', 'kanban', 'simple'].includes(t))
  if (badType !== undefined) return jiraError(400, [`The value '${badType}' is invalid for type.`])
  const orderBy = query.get('orderBy')
  if (orderBy !== null && !/^[+-]?name$/.test(orderBy))
    return jiraError(400, [`The value '${orderBy}' is invalid for orderBy.`])
  const name = (query.get('name') ?? '').toLowerCase()
  // projectKeyOrId and projectLocation both name a project the board's filter refers to.
  const projectRefs = [query.get('projectKeyOrId'), query.get('projectLocation')].filter((v) => v !== null)
  const projectTypes = list(call, 'projectTypeLocation')
  const account = query.get('accountIdLocation')
  const userIndex = account === null ? -1 : ctx.world.users.findIndex((u) => u.accountId === account)
  const negate = query.get('negateLocationFiltering') === 'true'
  const filterId = query.get('filterId')
  const located = projectRefs.length > 0 || projectTypes.length > 0 || account !== null
  const location = (board: SimBoard) =>
    projectRefs.every((ref) => board.project.key === ref || board.project.id === ref) &&
    (projectTypes.length === 0 || projectTypes.includes(board.project.projectTypeKey)) &&
    (account === null || relevantTo(call, board, userIndex))
  const found = agile.boards
    // No simulated board is built on a saved filter, and none is private (includePrivate adds nothing).
    .filter(() => filterId === null)
    .filter((b) => types.length === 0 || types.includes(b.type))
    .filter((b) => name === '' || b.name.toLowerCase().includes(name))
    .filter((b) => !located || location(b) !== negate)
  if (orderBy !== null) {
    const sign = orderBy.startsWith('-') ? -1 : 1
    found.sort((a, b) => sign * a.name.localeCompare(b.name))
  }
  const expand = new Set(list(call, 'expand'))
  return valuesPage(call, 50, found, (board) => {
    const bean = boardJson(call, board)
    const lead = ctx.world.users[board.project.leadIndex]
    // The board's administrators are its project's lead; a token that sees a board may edit it.
    if (expand.has('admins')) {
      bean.admins = {
        users: lead ? [{ accountId: lead.accountId, displayName: lead.displayName }] : [],
        groups: [],
      }
    }
    if (expand.has('permissions')) bean.canEdit = true
    return bean
  })
}

/** accountIdLocation: a board is relevant to a user who leads its project or is assigned one of its issues. */
function relevantTo(call: JiraCall, board: SimBoard, userIndex: number): boolean {
  if (userIndex < 0) return false
  if (board.project.leadIndex === userIndex) return true
  const { table } = call
  for (let row = 0; row < table.count; row++)
    if (table.project[row] === board.projectIndex && table.assignee[row] === userIndex) return true
  return false
}

function boardJson(call: JiraCall, board: SimBoard): Record<string, unknown> {
  const { project } = board
  return {
    id: board.id,
    self: `${call.site.url}/rest/agile/1.0/board/${board.id}`,
    name: board.name,
    type: board.type,
    location: {
      projectId: Number(project.id),
      projectKey: project.key,
      projectName: project.name,
      projectTypeKey: project.projectTypeKey,
      displayName: `${project.name} (${project.key})`,
      name: `${project.name} (${project.key})`,
    },
  }
}

function sprintJson(call: JiraCall, sprint: SimSprint): Record<string, unknown> {
  return {
    id: sprint.id,
    self: `${call.site.url}/rest/agile/1.0/sprint/${sprint.id}`,
    state: sprint.state,
    name: sprint.name,
    ...(sprint.state === 'future' ? {} : { startDate: jiraIso(sprint.start), endDate: jiraIso(sprint.end) }),
    ...(sprint.state === 'closed' ? { completeDate: jiraIso(sprint.end) } : {}),
    createdDate: jiraIso(sprint.start - 86_400_000),
    originBoardId: sprint.boardId,
    goal: '',
  }
}

/** The agile API writes dates as ISO 8601 with a `Z` (the platform API writes `+0000`). */
function jiraIso(epochMs: number): string {
  return new Date(epochMs).toISOString()
}

function sprintOf(call: JiraCall, agile: AgileSite): { board: SimBoard; sprint: SimSprint } | SimResponse {
  const id = Number(call.req.params.sprint)
  for (const board of agile.boards) {
    const sprint = board.sprints.find((s) => s.id === id)
    if (sprint) return { board, sprint }
  }
  return jiraError(404, [
    `Sprint with id ${call.req.params.sprint} does not exist or you do not have permission to see it.`,
  ])
}

function epicDone(call: JiraCall, row: number): boolean {
  return STATUSES[call.table.status[row] as number]?.category === 'done'
}

function epicJson(call: JiraCall, row: number): Record<string, unknown> {
  const id = call.table.id[row] as number
  const summary = call.table.summary(row)
  return {
    id,
    key: call.table.key(row),
    self: `${call.site.url}/rest/agile/1.0/epic/${id}`,
    name: summary,
    summary,
    color: { key: `color_${1 + (id % 9)}` },
    done: epicDone(call, row),
  }
}

/** The epic the path names (id or key), or Jira's 404 when it is no epic. */
function epicRow(ctx: SimContext, call: JiraCall): number | SimResponse {
  const ref = decodeURIComponent(call.req.params.epic ?? '')
  const row = /^\d+$/.test(ref) ? call.table.rowOfId(Number(ref)) : call.table.rowOfKey(ref.toUpperCase())
  if (
    row === undefined ||
    call.table.issueType[row] !== EPIC_TYPE ||
    !canSeeIssue(ctx.world, call.table, call.caller.userIndex, row)
  )
    return jiraError(404, [`Epic ${ref} does not exist or you do not have permission to see it.`])
  return row
}
const EPIC_TYPE = ISSUE_TYPES.findIndex((t) => t.name === 'Epic')

/** A `values` page (boards, sprints, epics, versions) with startAt, maxResults, total and isLast. */
function valuesPage<T>(
  call: JiraCall,
  fallback: number,
  items: readonly T[],
  toJson: (item: T) => unknown,
): SimResponse {
  const page = paging(call, fallback)
  if ('status' in page) return page
  return json(200, {
    maxResults: page.maxResults,
    startAt: page.startAt,
    total: items.length,
    isLast: page.startAt + page.maxResults >= items.length,
    values: items.slice(page.startAt, page.startAt + page.maxResults).map(toJson),
  })
}

/**
 * Issues of a board (rows undefined: the whole project), sprint or epic, narrowed by `jql`
 * (no ORDER BY: the agile API ranks itself; the simulator ranks by key). With
 * validateQuery=false a JQL the simulator cannot run is ignored instead of refused.
 */
function issuePage(
  ctx: SimContext,
  search: SearchService,
  call: JiraCall,
  projectKey: string,
  rows: readonly number[] | undefined,
): SimResponse {
  const page = paging(call, 50)
  if ('status' in page) return page
  const query = call.req.url.searchParams
  const filter = query.get('jql')
  if (filter && /\border\s+by\b/i.test(filter))
    return jiraError(400, ['The jql of a board query cannot have an ORDER BY.'])
  const siteIndex = ctx.world.sites.indexOf(call.site)
  let matching: readonly number[] | Uint32Array
  if (filter || rows === undefined) {
    const jql = `project = "${projectKey}"${filter ? ` AND (${filter})` : ''} ORDER BY key ASC`
    const found = search.rows(siteIndex, call.caller.userIndex, jql)
    if (found instanceof Uint32Array) {
      const hits = new Set(found)
      matching = rows === undefined ? found : rows.filter((row) => hits.has(row))
    } else if (query.get('validateQuery') === 'false' && rows !== undefined) {
      matching = rows
    } else {
      return found
    }
  } else {
    matching = rows
  }
  const requested = query.has('fields') ? list(call, 'fields') : undefined
  const fields = selectFields(requested, '*navigable')
  const expand = knownExpands(list(call, 'expand'))
  const options = {
    world: ctx.world,
    site: call.site,
    table: call.table,
    version: 2 as const,
    fields,
    expand,
  }
  const agile = agileSite(ctx.world, call.table)
  // The agile API adds its own fields: the issue's sprint and epic, when all fields or those are asked for.
  const wants = (id: string) =>
    !fields.idOnly &&
    (requested === undefined ||
      requested.includes(id) ||
      requested.includes('*all') ||
      requested.includes('*navigable'))
  const sprints = new Map(agile.boards.flatMap((b) => b.sprints.map((s) => [s.id, s] as const)))
  const issues: unknown[] = []
  for (let i = page.startAt; i < Math.min(matching.length, page.startAt + page.maxResults); i++) {
    const row = matching[i] as number
    const bean = issueJson(options, row)
    const beanFields = bean.fields as Record<string, unknown> | undefined
    if (beanFields) {
      if (wants('sprint')) {
        const sprintId = agile.sprintOf.get(row)
        const sprint = sprintId === undefined ? undefined : sprints.get(sprintId)
        beanFields.sprint = sprint ? sprintJson(call, sprint) : null
      }
      if (wants('epic')) {
        const epic = agile.epicOf.get(row)
        beanFields.epic = epic === undefined ? null : epicJson(call, epic)
      }
    }
    issues.push(bean)
  }
  return json(200, {
    expand: 'schema,names',
    startAt: page.startAt,
    maxResults: page.maxResults,
    total: matching.length,
    issues,
  })
}

/** startAt/maxResults from the query: Jira's defaults, its cap of 100, a 400 for nonsense. */
export function paging(
  call: JiraCall,
  fallback: number,
): { startAt: number; maxResults: number } | SimResponse {
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
