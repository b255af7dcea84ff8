/**
 * What a query is compiled against. `JqlContext` is the public input; the clause
 * compilers share it plus lookups that are built once per world.
 */
import type { IssueTable, SimWorld } from '../data/model.js'

export interface JqlContext {
  readonly world: SimWorld
  readonly table: IssueTable
  /** Index into world.users (for currentUser()). */
  readonly currentUser: number
  /** Epoch ms, the simulator's clock (relative dates use it). */
  readonly now: number
}

interface UserIndex {
  /** Exact account id → user index. */
  readonly byAccountId: ReadonlyMap<string, number>
  /** Lower-cased login, e-mail and display name → user indexes (display names may repeat). */
  readonly byName: ReadonlyMap<string, readonly number[]>
}

const userIndexes = new WeakMap<SimWorld, UserIndex>()

/**
 * The users a JQL user value names: an account id, a login, an e-mail address or a
 * display name (the last three case-insensitive). Empty when nobody matches.
 *
 * @example resolveUsers(world, 'Alice Anderson') // [0]
 */
export function resolveUsers(world: SimWorld, value: string): readonly number[] {
  let index = userIndexes.get(world)
  if (index === undefined) {
    const byAccountId = new Map<string, number>()
    const byName = new Map<string, number[]>()
    const add = (name: string, user: number): void => {
      const key = name.toLowerCase()
      const list = byName.get(key)
      if (list === undefined) byName.set(key, [user])
      else if (!list.includes(user)) list.push(user)
    }
    world.users.forEach((user, i) => {
      byAccountId.set(user.accountId, i)
      add(user.login, i)
      add(user.email, i)
      add(user.displayName, i)
    })
    index = { byAccountId, byName }
    userIndexes.set(world, index)
  }
  const exact = index.byAccountId.get(value)
  if (exact !== undefined) return [exact]
  return index.byName.get(value.toLowerCase()) ?? []
}

/**
 * Indexes into world.projects of the projects on the searched site.
 *
 * @example siteProjects(ctx).map((p) => world.projects[p]?.key) // ['DEMO', 'OPS']
 */
export function siteProjects(ctx: JqlContext): number[] {
  const out: number[] = []
  ctx.world.projects.forEach((project, i) => {
    if (project.siteIndex === ctx.table.siteIndex) out.push(i)
  })
  return out
}
