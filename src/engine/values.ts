import { contextValues } from '../domain/context-params.js'
import { resolveParams, type ParamValue } from '../domain/params.js'
import type { Viewer } from '../domain/viewer.js'
import { nowOf, type EngineDeps } from './deps.js'
import { usedContextNames } from './detect-params.js'
import type { LoadedQuery } from './load.js'

/** A run's parameter values: the ones given (and defaults), and those plus the context parameters. */
export interface RunValues {
  /** The declared parameters' values: what the run reports back and a view's form shows. */
  readonly values: Map<string, ParamValue>
  /** The same with the context parameters the query uses (`@user.name`, `@today` …): what is bound. */
  readonly bound: ReadonlyMap<string, ParamValue>
}

/**
 * Resolves the given values against the query's parameters (a value for a context parameter is
 * refused there) and fills the context parameters the query uses — never from the request (issue 15).
 *
 * @example runValues(deps, loaded, { params: { project: 'DEMO' }, viewer: { name: 'ada', email: null, groups: [] } })
 */
export function runValues(
  deps: Pick<EngineDeps, 'now'>,
  loaded: LoadedQuery,
  request: { readonly params?: Readonly<Record<string, string>>; readonly viewer?: Viewer },
): RunValues {
  const values = resolveParams(loaded.query, request.params ?? {})
  const context = contextValues(usedContextNames(loaded), {
    viewer: request.viewer,
    now: nowOf(deps),
    timeZone: loaded.query.timeZone ?? 'UTC',
  })
  return { values, bound: context.size === 0 ? values : new Map([...values, ...context]) }
}
