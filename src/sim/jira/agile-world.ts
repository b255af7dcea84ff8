import { ISSUE_TYPES, STATUSES, type IssueTable, type SimProject, type SimWorld } from '../data/model.js'
import { hash32 } from '../random.js'

/**
 * The agile side of the seeded world — boards, sprints, epics, versions and
 * status changelogs — derived from the issue columns (project, type, status,
 * created, updated, id) and the world's anchor, so it is as deterministic as
 * the world and costs no new columns. Built once per site on first use.
 *
 * The rules (chosen to look like a team's real board, not taken from Atlassian):
 * - one board per project, id = the project's place in the world from 1; software
 *   projects get scrum boards, others kanban;
 * - a board has SPRINTS_PER_BOARD two-week sprints ending with the one holding the
 *   anchor (active) and one after it (future); sprint id = board id × 100 + number;
 * - a done issue sits in the sprint that holds its resolution (`updated`); an open
 *   issue updated during the active sprint sits in it; one open issue in four of the
 *   rest waits in the future sprint; the others are in the backlog. Epics are in no sprint;
 * - an issue belongs to one of the epics of its project created before it (or none);
 * - a project has a version every eight weeks; versions before the anchor are released;
 * - an issue's changelog walks To Do → its current status, the last change at `updated`.
 */

export const DAY_MS = 86_400_000
export const SPRINT_MS = 14 * DAY_MS
export const SPRINTS_PER_BOARD = 14
export const VERSION_MS = 56 * DAY_MS
export const VERSIONS_PER_PROJECT = 8
const EPIC_TYPE = ISSUE_TYPES.findIndex((t) => t.name === 'Epic')
const DONE = STATUSES.findIndex((s) => s.name === 'Done')

export type SprintState = 'closed' | 'active' | 'future'

export interface SimSprint {
  readonly id: number
  readonly boardId: number
  readonly number: number
  readonly name: string
  readonly state: SprintState
  /** Epoch ms. */
  readonly start: number
  readonly end: number
}

export interface SimBoard {
  readonly id: number
  readonly projectIndex: number
  readonly project: SimProject
  readonly type: 'scrum' | 'kanban'
  readonly name: string
  readonly sprints: readonly SimSprint[]
}

export interface SimVersion {
  readonly id: number
  readonly projectIndex: number
  /** 1-based place in the project's list (Jira's `sequence`). */
  readonly sequence: number
  readonly name: string
  readonly description: string
  readonly start: number
  readonly release: number
  readonly released: boolean
}

/** One site's agile index: who is in which sprint and epic. */
export interface AgileSite {
  readonly boards: readonly SimBoard[]
  /** Rows of epics per project index, in creation order. */
  readonly epicRows: ReadonlyMap<number, readonly number[]>
  /** Sprint id → rows in it, in row (key) order. */
  readonly sprintRows: ReadonlyMap<number, readonly number[]>
  /** Epic row → its issues' rows, in row order. */
  readonly epicChildren: ReadonlyMap<number, readonly number[]>
  /** Row → its sprint id (absent: backlog or an epic). */
  readonly sprintOf: ReadonlyMap<number, number>
  /** Row → its epic's row (absent: none). */
  readonly epicOf: ReadonlyMap<number, number>
}

const cache = new WeakMap<IssueTable, AgileSite>()

/** The site's agile index, built on first use from the issue table. */
export function agileSite(world: SimWorld, table: IssueTable): AgileSite {
  let site = cache.get(table)
  if (!site) {
    site = buildSite(world, table)
    cache.set(table, site)
  }
  return site
}

export function boardsOfSite(world: SimWorld, siteIndex: number): SimBoard[] {
  return world.projects.flatMap((project, index) =>
    project.siteIndex === siteIndex ? [boardOf(world, index)] : [],
  )
}

function boardOf(world: SimWorld, projectIndex: number): SimBoard {
  const project = world.projects[projectIndex] as SimProject
  const id = projectIndex + 1
  // The active sprint holds the anchor; sprints start at 09:00 UTC on the anchor's fortnight.
  const activeStart = world.anchor - SPRINT_MS / 2 + 9 * 3_600_000
  const sprints: SimSprint[] = []
  for (let n = 1; n <= SPRINTS_PER_BOARD; n++) {
    const offset = n - (SPRINTS_PER_BOARD - 1)
    const start = activeStart + offset * SPRINT_MS
    const state: SprintState = offset < 0 ? 'closed' : offset === 0 ? 'active' : 'future'
    sprints.push({
      id: id * 100 + n,
      boardId: id,
      number: n,
      name: `${project.key} Sprint ${n}`,
      state,
      start,
      end: start + SPRINT_MS,
    })
  }
  return {
    id,
    projectIndex,
    project,
    type: project.projectTypeKey === 'software' ? 'scrum' : 'kanban',
    name: `${project.key} board`,
    sprints,
  }
}

export function versionsOf(world: SimWorld, projectIndex: number): SimVersion[] {
  const project = world.projects[projectIndex] as SimProject
  const first = world.anchor - (VERSIONS_PER_PROJECT - 2) * VERSION_MS
  return Array.from({ length: VERSIONS_PER_PROJECT }, (_, i) => {
    const release = first + i * VERSION_MS
    return {
      id: 10_000 + projectIndex * 100 + i + 1,
      projectIndex,
      sequence: i + 1,
      name: `${project.key} ${Math.floor(i / 4) + 1}.${i % 4}`,
      description: `${project.name} release ${i + 1}`,
      start: release - VERSION_MS,
      release,
      released: release <= world.anchor,
    }
  })
}

function buildSite(world: SimWorld, table: IssueTable): AgileSite {
  const boards = boardsOfSite(world, table.siteIndex)
  const boardByProject = new Map(boards.map((b) => [b.projectIndex, b]))
  const epicRows = new Map<number, number[]>()
  const sprintRows = new Map<number, number[]>()
  const epicChildren = new Map<number, number[]>()
  const sprintOf = new Map<number, number>()
  const epicOf = new Map<number, number>()
  const push = <K>(map: Map<K, number[]>, key: K, row: number) => {
    const list = map.get(key)
    if (list) list.push(row)
    else map.set(key, [row])
  }
  // Rows are in creation order, so an epic is always listed before the issues that may join it.
  for (let row = 0; row < table.count; row++) {
    const projectIndex = table.project[row] as number
    const id = table.id[row] as number
    if (table.issueType[row] === EPIC_TYPE) {
      push(epicRows, projectIndex, row)
      continue
    }
    const epics = epicRows.get(projectIndex)
    if (epics && epics.length > 0) {
      const pick = hash32(id, 0xe1c) % (epics.length + 1)
      if (pick < epics.length) {
        const epic = epics[epics.length - 1 - pick] as number
        epicOf.set(row, epic)
        push(epicChildren, epic, row)
      }
    }
    const board = boardByProject.get(projectIndex)
    const sprint = board ? sprintFor(board, table, row) : undefined
    if (sprint !== undefined) {
      sprintOf.set(row, sprint)
      push(sprintRows, sprint, row)
    }
  }
  return { boards, epicRows, sprintRows, epicChildren, sprintOf, epicOf }
}

function sprintFor(board: SimBoard, table: IssueTable, row: number): number | undefined {
  const updated = table.updated[row] as number
  const during = board.sprints.find((s) => s.state !== 'future' && updated >= s.start && updated < s.end)
  if (table.status[row] === DONE) return during?.id
  if (during?.state === 'active') return during.id
  if (hash32(table.id[row] as number, 0x5b1) % 4 === 0) return board.sprints.at(-1)?.id
  return undefined
}

/** One status change: the changelog entry Jira writes on a transition. */
export interface StatusChange {
  /** Unique within the site. */
  readonly id: string
  readonly at: number
  readonly from: number
  readonly to: number
  /** Index into world.users. */
  readonly authorIndex: number
}

const IN_PROGRESS = 1
const IN_REVIEW = 2
const BLOCKED = 4

/** The statuses an issue went through, from To Do (index 0) to its current one. */
function statusPath(current: number, id: number): number[] {
  switch (current) {
    case IN_PROGRESS:
      return [0, IN_PROGRESS]
    case IN_REVIEW:
      return [0, IN_PROGRESS, IN_REVIEW]
    case BLOCKED:
      return [0, IN_PROGRESS, BLOCKED]
    case DONE:
      // One done issue in three was blocked on its way.
      return hash32(id, 0xb10c) % 3 === 0
        ? [0, IN_PROGRESS, BLOCKED, IN_PROGRESS, IN_REVIEW, DONE]
        : [0, IN_PROGRESS, IN_REVIEW, DONE]
    default:
      return [0]
  }
}

/** The issue's status changes, oldest first; the last one happens at `updated`. */
export function statusChanges(table: IssueTable, row: number): StatusChange[] {
  const id = table.id[row] as number
  const path = statusPath(table.status[row] as number, id)
  const created = table.created[row] as number
  const span = (table.updated[row] as number) - created
  const steps = path.length - 1
  const weights = Array.from({ length: steps }, (_, i) => 1 + (hash32(id, i, 0xc4a) % 8))
  const sum = weights.reduce((a, b) => a + b, 0)
  const author =
    (table.assignee[row] as number) >= 0 ? (table.assignee[row] as number) : (table.reporter[row] as number)
  const changes: StatusChange[] = []
  let acc = 0
  for (let i = 0; i < steps; i++) {
    acc += weights[i] as number
    const at = i === steps - 1 ? created + span : created + Math.floor((span * acc) / sum)
    changes.push({
      id: String(id * 10 + i + 1),
      at,
      from: path[i] as number,
      to: path[i + 1] as number,
      authorIndex: author,
    })
  }
  return changes
}
