import { runQuery, type EngineDeps, type RunResult } from '../engine/index.js'
import { alertNotFound } from '../store/index.js'
import { alertOf, checkAlert, type AlertCheck, type CheckOptions } from './check.js'

/**
 * Runs an alert's query now (past the cache) with the alert's parameter values and checks the result:
 * `quarry alert check` and `POST /api/alerts/:name/check`. A failed run is recorded as the alert's
 * error, not thrown; a missing alert throws QUARRY_ALERT_NOT_FOUND.
 *
 * @example const check = await runAndCheckAlert(deps, 'blockers'); await check.delivered
 */
export async function runAndCheckAlert(
  deps: EngineDeps,
  name: string,
  options: CheckOptions = {},
): Promise<AlertCheck> {
  const stored = await deps.store.alerts.get(name)
  if (stored === undefined) throw alertNotFound(name)
  const alert = alertOf(stored)
  let result: RunResult | Error
  try {
    result = await runQuery(deps, { query: alert.query, params: alert.params, refresh: true })
  } catch (error) {
    result = error instanceof Error ? error : new Error(String(error))
  }
  return checkAlert(deps.store, stored, result, options)
}
