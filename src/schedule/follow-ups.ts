import { loadQuery, takeSnapshot } from '../engine/index.js'
import { checkAlertsForRun, type CheckOptions } from '../notify/index.js'
import type { Store } from '../store/index.js'
import { mailRun, type MailingOptions } from '../subscribe/send.js'
import type { Scheduler } from './runner.js'

/**
 * What a schedule's run does besides refreshing its result (issue 16), wherever it runs — `quarry
 * serve`'s ticks and `quarry schedule run` alike:
 * - a schedule with `snapshot` freezes the run's rows, kept by the query's retention rule;
 * - every alert on the query with the run's parameter values is checked against the result (or the
 *   failure). Only the process that ran the tick gets here, so a change of state notifies once;
 * - a successful run is mailed to the schedule's subscriptions (src/subscribe/), once per tick alike.
 *
 * `awaitDeliveries`: wait for the notifications too (a command that exits after the run); the
 * server lets them go on in the background, so a dead receiver delays no other schedule.
 * Answers the function that removes both listeners.
 *
 * @example const stop = followRuns(scheduler, store, { alerts: { baseUrl: 'https://quarry.example.com' } })
 */
export function followRuns(
  scheduler: Scheduler,
  store: Store,
  options: {
    readonly alerts?: CheckOptions
    /** Default: the alerts' public address and delivery options. */
    readonly mail?: MailingOptions
    readonly awaitDeliveries?: boolean
  } = {},
): () => void {
  const stopFreezing = scheduler.onRun(async ({ schedule, query, params, result }) => {
    if (!schedule.snapshot || result === undefined) return
    const loaded = await loadQuery(store, query)
    await takeSnapshot(store, { query: loaded.query, params, result, by: `schedule:${schedule.name}` })
  })
  const stopAlerting = scheduler.onRun(async ({ query, params, result, error }) => {
    const outcome = result ?? error
    if (outcome === undefined) return
    const checks = await checkAlertsForRun(store, { query, params, result: outcome }, options.alerts)
    if (options.awaitDeliveries === true) await Promise.all(checks.map((check) => check.delivered))
  })
  const stopMailing = scheduler.onRun(async ({ schedule, query, params, result }) => {
    if (result === undefined) return
    const mailings = await mailRun(
      store,
      schedule.name,
      { query, params, result },
      options.mail ?? options.alerts,
    )
    if (options.awaitDeliveries === true) await Promise.all(mailings)
  })
  return () => {
    stopFreezing()
    stopAlerting()
    stopMailing()
  }
}
