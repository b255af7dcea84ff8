import type { VersionedKind } from '../domain/audit.js'
import { StoreError } from './errors.js'
import { libraryNotFound } from './library-repo.js'
import type { Store } from './types.js'
import { versionNotFound } from './version-repo.js'

/**
 * What the CLI and the server do with the versions of a query, converter or template (issue 19), in
 * one place: list them, diff two, revert to one. Each fails with the kind's own "not found" code.
 */

async function requireObject(store: Store, kind: VersionedKind, name: string): Promise<void> {
  if (kind === 'query') {
    if ((await store.queries.get(name)) === undefined) {
      throw new StoreError(
        'QUARRY_QUERY_NOT_FOUND',
        `No query named "${name}". List the queries with: quarry query list`,
      )
    }
    return
  }
  const repo = kind === 'converter' ? store.converters : store.templates
  if ((await repo.get(name)) === undefined) throw libraryNotFound(kind, name)
}

/**
 * The versions of one object, newest first.
 *
 * @example (await listVersions(store, 'query', 'bugs')).map((v) => v.version) // [3, 2, 1]
 */
export async function listVersions(store: Store, kind: VersionedKind, name: string) {
  await requireObject(store, kind, name)
  return store.versions.list(kind, name)
}

/**
 * A unified diff from version `from` to version `to`.
 *
 * @example (await diffObjectVersions(store, 'converter', 'rows', 1, 2)).patch // '--- rows v1\n+++ rows v2\n…'
 */
export async function diffObjectVersions(
  store: Store,
  kind: VersionedKind,
  name: string,
  from: number,
  to: number,
): Promise<{ from: number; to: number; patch: string }> {
  await requireObject(store, kind, name)
  const [a, b] = await Promise.all([store.versions.get(kind, name, from), store.versions.get(kind, name, to)])
  if (a === undefined) throw versionNotFound(kind, name, from)
  if (b === undefined) throw versionNotFound(kind, name, to)
  // Loaded here: the diff package is only for this, and every command that opens the store loads
  // this module (issue 18).
  const { diffVersions } = await import('../domain/version-diff.js')
  return { from, to, patch: diffVersions(kind, name, a, b) }
}

/**
 * Saves version `version` again as the newest version (itself audited as a revert); answers the new
 * version and the queries whose views change (a named converter's or template's users, or the query).
 *
 * @example const { version } = await revertObject(store, 'template', 'list', 1)
 */
export async function revertObject(store: Store, kind: VersionedKind, name: string, version: number) {
  const affected =
    kind === 'query'
      ? [(await store.queries.revert(name, version)).name]
      : [...(await (kind === 'converter' ? store.converters : store.templates).revert(name, version)).usedBy]
  const [latest] = await store.versions.list(kind, name)
  if (latest === undefined) throw versionNotFound(kind, name, version)
  return { version: latest, affected }
}
