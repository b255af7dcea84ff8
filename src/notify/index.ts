/**
 * Alerts' checks and notifications (issue 16): evaluate a condition on a run's result, record the
 * state, and tell the channels (webhook, Slack, email) when it changes, with retries in the background.
 */
export {
  alertOf,
  checkAlert,
  checkAlertsForRun,
  evaluateAlert,
  testAlert,
  type AlertCheck,
  type AlertEvaluation,
  type CheckOptions,
} from './check.js'
export {
  backoffMs,
  deliver,
  deliverAll,
  DEFAULT_RETRY,
  type DeliveryAttempt,
  type DeliveryOptions,
  type DeliveryReport,
  type RetryPolicy,
} from './deliver.js'
export type { AlertNotice } from './notice.js'
export { runAndCheckAlert } from './run-check.js'
export { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook, verifyWebhook } from './webhook-signature.js'
