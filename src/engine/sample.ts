import type { Viewer } from '../domain/viewer.js'
import { bindLoadedQuery } from './bind.js'
import { runValues } from './values.js'
import type { EngineDeps } from './deps.js'
import { restFetcher } from './fetch.js'
import { loadedQuery, type LoadedQuery } from './load.js'
import { rowsText } from './sql-stage.js'

/** The rows a SQL sample shows at most. */
export const SAMPLE_SQL_ROWS = 1000

/**
 * What a query's converter is given, for writing one against: a REST query's first page as the
 * API answered it (no pagination, no cache), a SQL query's rows as one JSON array text (the first
 * 1,000).
 *
 * @example const { text } = await sampleQuery(deps, { query: 'jira-issues', params: { jql: 'project = DEMO' } })
 */
export async function sampleQuery(
  deps: EngineDeps,
  request: {
    readonly query: string | LoadedQuery
    readonly params?: Readonly<Record<string, string>>
    /** Whose :@user.… values the sample binds (issue 15). */
    readonly viewer?: Viewer
  },
): Promise<{ text: string }> {
  const loaded = await loadedQuery(deps.store, request.query)
  const run = await bindLoadedQuery(loaded, runValues(deps, loaded, request).bound)
  if (run.kind === 'rest') return { text: (await restFetcher(run.datasource, deps)(run.first)).text }
  const batches = run.sql.sqlRows(run.datasource, run.bound, { maxRows: SAMPLE_SQL_ROWS, onLimit: () => {} })
  return { text: await rowsText(batches) }
}
