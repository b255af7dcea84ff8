import { QuarryError } from '../domain/errors.js'
import type { Viewer } from '../domain/viewer.js'
import type { Store } from '../store/index.js'

/**
 * The Quarry user `--as` names (`quarry run`, `quarry datasource test`), as the viewer whose own
 * connection a per-user datasource uses (issue 15); an unknown name is refused.
 *
 * @example const viewer = await viewerNamed(store, 'alice')
 */
export async function viewerNamed(store: Store, name: string): Promise<Viewer> {
  const user = await store.accounts.getUser(name)
  if (user === undefined) {
    throw new QuarryError(
      'QUARRY_USER_NOT_FOUND',
      `No Quarry user named "${name}" (--as). Users are added in the server's admin UI (Users).`,
    )
  }
  return { name: user.name, email: null, groups: user.groups }
}
