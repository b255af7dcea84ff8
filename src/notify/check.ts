import { evaluateCondition, type ConditionOutcome } from '../domain/alert-condition.js'
import { describeCondition, joinAlertSecrets, type Alert, type AlertState } from '../domain/alert.js'
import { QuarryError } from '../domain/errors.js'
import type { RunResult } from '../engine/index.js'
import type { Store, StoredAlert } from '../store/index.js'
import { deliverAll, type DeliveryOptions, type DeliveryReport } from './deliver.js'
import type { AlertNotice } from './notice.js'

/** What one evaluation of an alert found. */
export type AlertEvaluation =
  | { readonly state: 'ok' | 'firing'; readonly outcome: ConditionOutcome }
  | { readonly state: 'error'; readonly error: string }

/**
 * Evaluates an alert's condition on a query's result: `firing` when it holds, `ok` when not, `error`
 * when it cannot be evaluated (a column no row has, rows that were streamed away). A row count needs
 * only the count; a column condition reads the rows.
 *
 * @example evaluateAlert(alert, await runQuery(deps, { query: alert.query, params: alert.params })).state // 'firing'
 */
export function evaluateAlert(alert: Alert, result: RunResult): AlertEvaluation {
  try {
    let rows: readonly unknown[]
    if (alert.condition.kind === 'row-count') {
      rows = new Array<unknown>(result.rowCount)
    } else if (result.rowsJson === '' && result.rowCount > 0) {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        'The run streamed its rows without keeping them, so a column condition cannot read them. Run the query without onRows.',
      )
    } else {
      rows = result.rowsJson === '' ? [] : (JSON.parse(result.rowsJson) as unknown[])
    }
    const outcome = evaluateCondition(alert.condition, rows)
    return { state: outcome.holds ? 'firing' : 'ok', outcome }
  } catch (error) {
    return { state: 'error', error: messageOf(error) }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** What checkAlert and testAlert run with: delivery's transport and timing, the clock, where views live. */
export interface CheckOptions extends DeliveryOptions {
  /** The server's public address, for a link to the query's view in each notice. */
  readonly baseUrl?: string
  /** Told when recording a delivery outcome fails (the store closed meanwhile); default: ignored. */
  readonly onRecordError?: (error: unknown) => void
}

/** What a check did. */
export interface AlertCheck {
  readonly alert: string
  readonly state: AlertState
  readonly previous: AlertState
  /** The condition changed state and this check is the one that notifies. */
  readonly changed: boolean
  readonly summary: string
  /**
   * The deliveries, under way in the background: resolves (never rejects) once every channel has
   * been delivered or given up on and the outcome is recorded. [] when nothing was sent.
   */
  readonly delivered: Promise<readonly DeliveryReport[]>
}

/** The alert of a stored row, secrets joined in. */
export function alertOf(stored: StoredAlert): Alert {
  return joinAlertSecrets(stored.config, stored.secrets)
}

function viewLink(baseUrl: string | undefined, alert: Alert): string | undefined {
  if (baseUrl === undefined) return undefined
  const url = new URL(`/v/${encodeURIComponent(alert.query)}`, baseUrl)
  for (const [name, value] of Object.entries(alert.params)) url.searchParams.set(name, value)
  return url.toString()
}

function noticeOf(
  alert: Alert,
  event: AlertNotice['event'],
  previous: AlertState,
  outcome: ConditionOutcome | undefined,
  at: Date,
  baseUrl: string | undefined,
): AlertNotice {
  const link = viewLink(baseUrl, alert)
  return {
    alert: alert.name,
    query: alert.query,
    params: alert.params,
    event,
    previous,
    condition: describeCondition(alert.condition),
    summary: outcome?.summary ?? 'not evaluated (a test notification)',
    rowCount: outcome?.rowCount ?? 0,
    matched: outcome?.matched ?? 0,
    at: at.toISOString(),
    ...(link === undefined ? {} : { link }),
  }
}

/** Delivers in the background and records the reports on the event; never rejects. */
function deliverAndRecord(
  store: Store,
  alert: Alert,
  notice: AlertNotice,
  eventId: string,
  options: CheckOptions,
): Promise<readonly DeliveryReport[]> {
  return deliverAll(alert.channels, notice, options).then(async (reports) => {
    try {
      await store.alerts.setDeliveries(eventId, reports)
    } catch (error) {
      options.onRecordError?.(error)
    }
    return reports
  })
}

/**
 * Checks an alert against a run of its query (or the run's failure): records the state and the time,
 * and when the condition changed (ok → firing, firing → ok) notifies every channel — once, even with
 * several servers checking the same run (the store's compare-and-set, AlertRepo.recordCheck). A failed
 * run or evaluation records `error` and notifies nobody; the next good check compares with the state
 * last notified, so an error between two firing checks sends nothing. Deliveries run in the
 * background (see AlertCheck.delivered): a dead receiver delays nothing else.
 *
 * @example
 * const check = await checkAlert(store, stored, await runQuery(deps, { query: stored.query, params }))
 * if (check.changed) await check.delivered
 */
export async function checkAlert(
  store: Store,
  stored: StoredAlert,
  result: RunResult | Error,
  options: CheckOptions = {},
): Promise<AlertCheck> {
  const alert = alertOf(stored)
  const at = new Date((options.now ?? Date.now)())
  const evaluation: AlertEvaluation =
    result instanceof Error ? { state: 'error', error: messageOf(result) } : evaluateAlert(alert, result)
  const summary = evaluation.state === 'error' ? evaluation.error : evaluation.outcome.summary
  const recorded = await store.alerts.recordCheck(stored.name, {
    state: evaluation.state,
    condition: evaluation.state === 'error' ? null : evaluation.state,
    error: evaluation.state === 'error' ? evaluation.error : null,
    at,
    summary,
  })
  const base = { alert: stored.name, state: evaluation.state, previous: recorded.previous, summary }
  if (!recorded.changed || recorded.eventId === undefined || evaluation.state === 'error')
    return { ...base, changed: false, delivered: Promise.resolve([]) }
  const notice = noticeOf(
    alert,
    evaluation.state,
    stored.notifiedState,
    evaluation.outcome,
    at,
    options.baseUrl,
  )
  return {
    ...base,
    changed: true,
    delivered: deliverAndRecord(store, alert, notice, recorded.eventId, options),
  }
}

/**
 * Sends a test notification to every channel of the alert and records it as a `test` event with its
 * deliveries; the state is left as it is. Resolves when every channel is done.
 *
 * @example const reports = await testAlert(store, stored); reports.every((r) => r.ok)
 */
export async function testAlert(
  store: Store,
  stored: StoredAlert,
  options: CheckOptions = {},
): Promise<readonly DeliveryReport[]> {
  const alert = alertOf(stored)
  const at = new Date((options.now ?? Date.now)())
  const notice = noticeOf(alert, 'test', stored.state, undefined, at, options.baseUrl)
  const eventId = await store.alerts.addEvent({
    alert: stored.name,
    at,
    kind: 'test',
    from: stored.state,
    to: stored.state,
    summary: 'test notification',
    deliveries: null,
  })
  return deliverAndRecord(store, alert, notice, eventId, options)
}

/** Two parameter maps hold the same values. */
function sameParams(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a)
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  )
}

/**
 * The one call a schedule's run makes: checks every alert on `query` whose parameter values are the
 * run's, against the run's result (or its failure), each as checkAlert does. Resolves once the states
 * are recorded; the deliveries continue in the background (each check's `delivered`).
 *
 * @example
 * const result = await runQuery(deps, { query: schedule.query, params: schedule.params, refresh: true })
 * await checkAlertsForRun(store, { query: schedule.query, params: schedule.params, result })
 */
export async function checkAlertsForRun(
  store: Store,
  run: {
    readonly query: string
    readonly params: Readonly<Record<string, string>>
    readonly result: RunResult | Error
  },
  options: CheckOptions = {},
): Promise<AlertCheck[]> {
  const alerts = (await store.alerts.list()).filter(
    (stored) => stored.query === run.query && sameParams(alertOf(stored).params, run.params),
  )
  return Promise.all(alerts.map((stored) => checkAlert(store, stored, run.result, options)))
}
