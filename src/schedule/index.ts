/**
 * Schedules (issue 16): queries refreshed on a cron schedule by `quarry serve`.
 *
 *   define.ts   saving and changing a schedule (CLI and API): parameters checked, next run computed
 *   runner.ts   the Scheduler: claims each due tick once across servers, runs it, records it, and
 *               calls its `onRun` listeners
 *   follow-ups.ts what a run does besides refreshing: a snapshot, the alerts' checks
 *   backoff.ts  when a failing schedule tries again (Retry-After honoured)
 *
 * The definition's schema is src/domain/schedule.ts (the admin UI shares it); the store keeps
 * schedules and their runs in src/store/schedule-repo.ts.
 */

export { DEFAULT_BACKOFF, retryAt, type BackoffPolicy } from './backoff.js'
export { createSchedule, definitionOf, editSchedule, scheduleView } from './define.js'
export { followRuns } from './follow-ups.js'
export {
  Scheduler,
  type ScheduleRunEvent,
  type ScheduleRunListener,
  type SchedulerLog,
  type SchedulerOptions,
} from './runner.js'
