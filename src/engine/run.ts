import { connectionUser, requireConnection } from '../auth/connection-owner.js'
import type { Viewer } from '../domain/viewer.js'
import { SHARED_CONNECTION } from '../store/index.js'
import { bindLoadedQuery } from './bind.js'
import { cacheKey, throughCache } from './cache.js'
import { nowOf, type EngineDeps } from './deps.js'
import { loadedQuery, type LoadedQuery } from './load.js'
import { checkedOptionValues, loadParamOptions, type LoadedParamOptions } from './param-options.js'
import { resultRows, type QueryRun } from './result.js'
import { runValues } from './values.js'

/** What to run, and how: a query, its parameters, and the caller's hooks. */
export interface RunRequest {
  /** A stored query's name, or one loaded already (the server checked its visibility on it). */
  readonly query: string | LoadedQuery
  /** Raw parameter values, parsed by each parameter's declared type. */
  readonly params?: Readonly<Record<string, string>>
  /** Bypass the cache (and refill it). */
  readonly refresh?: boolean
  /** Overrides the query's cache TTL. */
  readonly cacheTtlSeconds?: number
  /**
   * Answer from a fresh cache entry even when the query's TTL is 0: a scheduled query's views read
   * the result its schedule refreshed (issue 16). A miss runs live, stored only per the TTL.
   */
  readonly readCache?: boolean
  /** Called after each page arrives, with a REST page's text length. */
  readonly onPage?: (pages: number, chars?: number) => void
  /**
   * Receives each page's rows (a JSON array text) as soon as they exist; the
   * result's rowsJson is then empty unless the run is cached. For output that
   * can stream (CSV, NDJSON, JSON, HTML), so large results never sit in memory.
   */
  readonly onRows?: (rowsJson: string) => Promise<void>
  /**
   * With onRows: receives instead the pages a stage has as row objects already (a SQL query's rows
   * straight from the driver, JSON values as json-types.ts gives them), so a renderer that wants
   * objects skips the JSON text round trip. Pages that exist only as text (REST, a converter's, a
   * cached result) still go to onRows.
   */
  readonly onRowObjects?: (rows: readonly unknown[]) => Promise<void>
  readonly signal?: AbortSignal
  /**
   * The signed-in person the run is for (issue 15): the :@user.… context parameters are theirs, and a
   * per-user datasource runs with their own connection, its cached results theirs alone. None: a run
   * for nobody in particular (the CLI without --as, schedules, alerts, subscriptions, visitors of a
   * public view), refused on a per-user datasource.
   */
  readonly viewer?: Viewer
  /**
   * The parameters' options lists, loaded already with these very params (a view loads them first to
   * show its dropdowns even when the run fails); else the run loads them (param-options.ts).
   */
  readonly paramOptions?: LoadedParamOptions
  /** The queries whose options lists this run is for, outermost first: a circle among them is refused. */
  readonly optionsChain?: readonly string[]
}

/**
 * The options lists of a query's parameters, each run through runQuery (its own cache TTL; refreshed
 * with the run that needs it).
 *
 * @example const loaded = await queryParamOptions(deps, loaded.query, { project: 'DEMO' })
 */
export function queryParamOptions(
  deps: EngineDeps,
  query: Pick<LoadedQuery['query'], 'name' | 'params'>,
  given: Readonly<Record<string, string>>,
  options: {
    readonly refresh?: boolean
    readonly optionsChain?: readonly string[]
    /** The options queries run for the same person (their :@user.… values, their own connection). */
    readonly viewer?: Viewer
  } = {},
): Promise<LoadedParamOptions> {
  const { viewer } = options
  const run = (request: RunRequest) => runQuery(deps, viewer === undefined ? request : { ...request, viewer })
  return loadParamOptions(query, given, run, options)
}

/**
 * Runs a query: parameters → bound request → cache, or the REST or SQL stage → result.
 *
 * @example const result = await runQuery(deps, { query: 'jira-issues', params: { jql: 'project = DEMO' } })
 */
export async function runQuery(deps: EngineDeps, request: RunRequest): Promise<QueryRun> {
  const loaded = await loadedQuery(deps.store, request.query)
  const given = request.params ?? {}
  // Values outside a parameter's options list are refused here, whoever runs the query (issue 17).
  const hasOptions = loaded.query.params.some((spec) => spec.options !== undefined)
  const checked = hasOptions
    ? checkedOptionValues(
        loaded.query,
        given,
        request.paramOptions ??
          (await queryParamOptions(deps, loaded.query, given, {
            refresh: request.refresh ?? false,
            ...(request.optionsChain === undefined ? {} : { optionsChain: request.optionsChain }),
            ...(request.viewer === undefined ? {} : { viewer: request.viewer }),
          })),
      )
    : given
  const { values, bound } = runValues(deps, loaded, { ...request, params: checked })
  const run = await bindLoadedQuery(loaded, bound)
  const user = connectionUser(run.datasource, request.viewer)
  // Checked before the cache too: a revoked connection stops serving its person's cached rows.
  if (user !== SHARED_CONNECTION) await requireConnection(deps.store, run.datasource, user)
  const result = await throughCache(
    deps,
    {
      key: cacheKey(run, user),
      ttlSeconds: request.cacheTtlSeconds ?? loaded.query.cacheTtlSeconds ?? 0,
      refresh: request.refresh ?? false,
      readCache: request.readCache ?? false,
      onRows: request.onRows,
    },
    async (keep) => {
      const rows = resultRows({ onRows: request.onRows, onRowObjects: request.onRowObjects, keep })
      const notices: string[] = []
      const stage = {
        deps,
        values: bound,
        rows,
        notices,
        onPage: request.onPage,
        signal: request.signal,
        user,
      }
      // A converter's worker starts while the request is made, not after it (pool.ts, warm()).
      if (run.query.converter !== undefined) deps.converters.warm()
      // Loaded on a miss only: a cached run needs neither stage's code (HTTP, auth, converters,
      // SQL drivers), and loading it was most of a cached `quarry run`'s start (issue 18).
      const pages =
        run.kind === 'rest'
          ? await (await import('./rest-stage.js')).restStage({ ...stage, run })
          : await (await import('./sql-stage.js')).sqlStage({ ...stage, run })
      return rows.result({ query: loaded.query.name, pages, notices, fetchedAt: nowOf(deps) })
    },
  )
  return { ...result, values }
}
