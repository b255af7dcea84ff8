/**
 * The engine: runQuery() takes a query through parameters → bound request → cache, or the
 * REST or SQL stage → one result. The one place the pipeline's stages meet; the CLI, the
 * server and the tests all run (and sample, and check) queries through this module.
 *
 *   load.ts        a query and its datasource from the store (library.ts: its named converter and template)
 *   bind.ts        parameters bound: a REST query's first request, a SQL query's statement
 *   fetch.ts       one authenticated request (scrub.ts masks secrets in upstream errors)
 *   rest-stage.ts  pages → rows;  sql-stage.ts  batches → rows (sql-module.ts loads the drivers)
 *   cache.ts       the cache key, cached results, concurrent runs sharing one
 *   result.ts      the one RunResult, assembled in one place
 *   param-options.ts  parameters' allowed values from other queries, checked on every run
 *   run.ts         runQuery();  sample.ts  a converter's input;  check.ts  does a datasource work
 *   snapshot.ts    frozen results: take, find, compare, retention;  snapshot-diff.ts  rows diffed by a key
 */

export { checkDatasource } from './check.js'
export type { EngineDeps } from './deps.js'
export {
  loadDatasource,
  loadQuery,
  loadRestDatasource,
  loadSavedQuery,
  resolveNamed,
  type LoadedQuery,
} from './load.js'
export { converterOf, templateFromContent, templateOf, velocityLibrary } from './library.js'
export type { QueryRun, RunResult } from './result.js'
export { queryParamOptions, runQuery, type RunRequest } from './run.js'
export {
  checkedOptionValues,
  checkOptionSources,
  savedQueryParams,
  type LoadedParamOptions,
  type ParamOption,
  type ParamOptionsState,
} from './param-options.js'
export { sampleQuery } from './sample.js'
export { closeSqlPools } from './sql-module.js'
export {
  compareSnapshots,
  findSnapshot,
  pruneAllSnapshots,
  pruneSnapshots,
  retentionOf,
  snapshotQuery,
  snapshotRowsJson,
  snapshotSummary,
  takeSnapshot,
  type SnapshotComparison,
  type TakeSnapshotRequest,
  type TakenSnapshot,
} from './snapshot.js'
export {
  canonical,
  cellText,
  describeChange,
  diffAsRows,
  diffRows,
  type ChangedRow,
  type RowDiff,
} from './snapshot-diff.js'
export {
  barFields,
  dashboardOfRow,
  dashboardRowOf,
  loadDashboard,
  panelOf,
  panelTemplate,
  panelTitle,
  runPanel,
  valuesForPanel,
} from './dashboard.js'
