/**
 * The demo world's permission schemes: who may browse which project (Jira's
 * "Browse projects" permission). Most projects are open to everyone on their
 * site; a few are restricted to a group, so two people connected to the same
 * site see different issues (issue 15). The scheme is part of the fixed cast,
 * so it is the same for every seed. Every Jira route that answers with issues
 * or projects asks this module, the way Jira filters by permission before it
 * answers.
 */
import type { IssueTable, SimWorld } from './model.js'

/**
 * Projects whose Browse permission is granted to a group rather than to
 * everyone on the site: project key → the logins in that group. alice (a Jira
 * administrator in the story) is in every group, so her view is the whole site.
 */
export const RESTRICTED_PROJECTS: Readonly<Record<string, readonly string[]>> = {
  // Operations: the on-call group. carol and heidi (acme) cannot see OPS.
  OPS: ['alice', 'bob', 'grace'],
  // Mobile: the app team. dave (globex) cannot see MOB.
  MOB: ['alice', 'frank'],
}

/**
 * Whether a user may browse a project: she must reach its site, and, for a
 * restricted project, be in its group.
 *
 * @example canBrowse(world, users.findIndex((u) => u.login === 'carol'), opsIndex) // false
 */
export function canBrowse(world: SimWorld, userIndex: number, projectIndex: number): boolean {
  const user = world.users[userIndex]
  const project = world.projects[projectIndex]
  if (!user || !project || !user.siteIndexes.includes(project.siteIndex)) return false
  const group = RESTRICTED_PROJECTS[project.key]
  return group === undefined || group.includes(user.login)
}

/**
 * Indexes (into `world.projects`) of a site's projects the user may browse.
 *
 * @example browsableProjects(world, 0, aliceIndex) // every acme project
 */
export function browsableProjects(world: SimWorld, siteIndex: number, userIndex: number): number[] {
  const out: number[] = []
  world.projects.forEach((project, index) => {
    if (project.siteIndex === siteIndex && canBrowse(world, userIndex, index)) out.push(index)
  })
  return out
}

/**
 * The rows of a search result the user may see, in the same order. Returns the
 * input itself when she may browse every project of the site (the common case:
 * no copy of a 100,000-row result).
 *
 * @example visibleRows(world, table, carolIndex, rows) // rows without OPS issues
 */
export function visibleRows(
  world: SimWorld,
  table: IssueTable,
  userIndex: number,
  rows: Uint32Array,
): Uint32Array {
  const hidden = new Set<number>()
  world.projects.forEach((project, index) => {
    if (project.siteIndex === table.siteIndex && !canBrowse(world, userIndex, index)) hidden.add(index)
  })
  if (hidden.size === 0) return rows
  return rows.filter((row) => !hidden.has(table.project[row] as number))
}

/**
 * Whether the user may see one issue (a row of the table).
 *
 * @example canSeeIssue(world, table, carolIndex, table.rowOfKey('OPS-1')!) // false
 */
export function canSeeIssue(world: SimWorld, table: IssueTable, userIndex: number, row: number): boolean {
  return canBrowse(world, userIndex, table.project[row] as number)
}
