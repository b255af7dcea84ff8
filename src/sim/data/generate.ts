/**
 * The simulator's demo world: the fixed cast of people.ts plus `issues` issues
 * spread over its sites (60% acme, 25% globex, 15% initech) and projects. The
 * same (seed, issues, anchor) always yields the same world.
 */
import { fillSiteColumns } from './issue-columns.js'
import { ColumnIssueTable } from './issue-table.js'
import type { IssueTable, SimWorld } from './model.js'
import { PROJECT_CAST, SITE_CAST, buildProjects, buildSites, buildUsers, usersOfSite } from './people.js'

export interface GenerateOptions {
  /** Any integer; everything random derives from it. */
  readonly seed: number
  /** Total number of issues across all sites. */
  readonly issues: number
  /** Epoch ms, midnight UTC: issues are created in the 400 days before it. See `midnightUtc`. */
  readonly anchor: number
}

/** Enough for any benchmark; beyond it the columns alone would take hundreds of megabytes. */
export const MAX_ISSUES = 5_000_000

/**
 * Builds the world. Only the typed-array columns are filled now; issue text is
 * generated when asked for.
 *
 * @example
 * const world = generateWorld({ seed: 42, issues: 1000, anchor: Date.UTC(2026, 0, 1) })
 * world.issues[0]?.key(0) // 'DEMO-1'
 */
export function generateWorld(options: GenerateOptions): SimWorld {
  const { seed, issues, anchor } = options
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`)
  if (!Number.isSafeInteger(issues) || issues < 0 || issues > MAX_ISSUES)
    throw new RangeError(`issues must be an integer in 0..${MAX_ISSUES}, got ${issues}`)
  if (!Number.isFinite(anchor)) throw new RangeError(`anchor must be epoch milliseconds, got ${anchor}`)

  const sites = buildSites(seed)
  const users = buildUsers(seed, sites)
  const projects = buildProjects(sites, users)
  const projectsPerSite = sites.map((_, s) => projects.filter((p) => p.siteIndex === s).length)
  const counts = splitIssues(
    issues,
    SITE_CAST.map((site) => site.share),
    projectsPerSite,
  )
  const tables: IssueTable[] = sites.map((site, siteIndex) => {
    const siteUsers = usersOfSite(users, siteIndex)
    const siteProjects = projects.flatMap((p, index) =>
      p.siteIndex === siteIndex ? [{ index, key: p.key, weight: PROJECT_CAST[index]?.weight ?? 1 }] : [],
    )
    const { columns, rowsByProject } = fillSiteColumns({
      seed,
      siteIndex,
      count: counts[siteIndex] ?? 0,
      projects: siteProjects,
      siteUsers,
      anchor,
    })
    return new ColumnIssueTable(columns, rowsByProject, { seed, siteIndex, site, users, siteUsers, projects })
  })
  return Object.freeze({
    seed,
    anchor,
    sites: Object.freeze(sites),
    users: Object.freeze(users),
    projects: Object.freeze(projects),
    issues: Object.freeze(tables),
  })
}

/**
 * Midnight UTC at or before an instant: the usual anchor ("today").
 *
 * @example midnightUtc(Date.UTC(2026, 2, 5, 14, 30)) === Date.UTC(2026, 2, 5) // true
 */
export function midnightUtc(instant: number): number {
  return Math.floor(instant / 86_400_000) * 86_400_000
}

/**
 * Splits `total` by `shares` (largest remainder). When `total` covers every
 * minimum, each part gets its minimum first (one issue per project), and the
 * rest is split by share.
 *
 * @example splitIssues(10, [0.6, 0.25, 0.15], [3, 2, 1]) // [5, 3, 2]
 */
export function splitIssues(total: number, shares: readonly number[], minimums: readonly number[]): number[] {
  const floor = minimums.reduce((a, b) => a + b, 0)
  const base = total >= floor ? minimums.map((m) => m) : shares.map(() => 0)
  const rest = total - base.reduce((a, b) => a + b, 0)
  const sum = shares.reduce((a, b) => a + b, 0)
  const exact = shares.map((s) => (rest * s) / sum)
  const parts = exact.map((x, i) => (base[i] ?? 0) + Math.floor(x))
  let left = total - parts.reduce((a, b) => a + b, 0)
  const byRemainder = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (const [, i] of byRemainder) {
    if (left-- <= 0) break
    parts[i] = (parts[i] ?? 0) + 1
  }
  return parts
}
