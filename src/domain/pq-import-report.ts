/**
 * What a PocketQuery import says it did or would do (`quarry import --from pocketquery`, POST
 * /api/import/pocketquery), shared by the server and the admin UI. No secret is ever in it.
 */

export type PqEntityKind = 'datasource' | 'query' | 'converter' | 'template'

export interface PqPlanEntry {
  readonly action: 'create' | 'replace' | 'skip'
  readonly kind: PqEntityKind
  /** The name in PocketQuery. */
  readonly source: string
  /** The name in Quarry (absent for a skipped entity). */
  readonly name?: string
  /** Why the name changed, when it did. */
  readonly renamed?: string
  /** What it becomes (create/replace) or why not (skip). */
  readonly detail: string
  readonly notices: readonly string[]
}

/** The answer of POST /api/import/pocketquery. */
export interface PqImportResponse {
  /** False for a dry run: nothing was changed. */
  readonly imported: boolean
  readonly entries: readonly PqPlanEntry[]
  /** About the file as a whole. */
  readonly notices: readonly string[]
  /** The same as `quarry import --from pocketquery` prints. */
  readonly report: string
}
