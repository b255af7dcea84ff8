import { resolveParams } from '../domain/params.js'
import { nextFire, ScheduleSchema, type Schedule, type ScheduleState } from '../domain/schedule.js'
import { loadQuery } from '../engine/index.js'
import { scheduleDefinition, scheduleNotFound, type Store, type StoredSchedule } from '../store/index.js'

/**
 * Defining schedules, the one implementation the CLI and the API share: the parameters are checked
 * against the query's declared ones when the schedule is saved (not at its first run, hours later),
 * and the next run is computed from the cron pattern in the schedule's time zone.
 */

async function checkParams(store: Store, schedule: Schedule): Promise<void> {
  const { query } = await loadQuery(store, schedule.query)
  // A parameter whose values come from a query is checked against that list when the schedule runs
  // (the list may change between now and then; with no value it takes the list's first), issue 17.
  const listed = new Set(query.params.filter((spec) => spec.options !== undefined).map((spec) => spec.name))
  resolveParams(
    { name: query.name, params: query.params.filter((spec) => !listed.has(spec.name)) },
    Object.fromEntries(Object.entries(schedule.params).filter(([name]) => !listed.has(name))),
  )
}

function firstRun(schedule: Schedule, now: Date): Date | null {
  return schedule.enabled ? nextFire(schedule.cron, schedule.timeZone, now) : null
}

/**
 * Saves a new schedule (already parsed by ScheduleSchema); it first runs at its next cron time.
 *
 * @example await createSchedule(store, ScheduleSchema.parse({ name: 'hourly', query: 'bugs', cron: '0 * * * *' }))
 */
export async function createSchedule(
  store: Store,
  schedule: Schedule,
  now = new Date(),
): Promise<StoredSchedule> {
  await checkParams(store, schedule)
  return store.schedules.create({ ...schedule, nextRunAt: firstRun(schedule, now) })
}

/**
 * Changes a schedule: the fields given replace the saved ones (the name stays). A new pattern, time
 * zone or switch on/off sets the next run afresh; otherwise it keeps its time (a retry included).
 *
 * @example await editSchedule(store, 'hourly', { cron: '*\/15 * * * *' })
 */
export async function editSchedule(
  store: Store,
  name: string,
  changes: Partial<Omit<Schedule, 'name'>>,
  now = new Date(),
): Promise<StoredSchedule> {
  const current = await store.schedules.get(name)
  if (current === undefined) throw scheduleNotFound(name)
  const merged = ScheduleSchema.parse({ ...definitionOf(current), ...changes })
  await checkParams(store, merged)
  const retimed =
    merged.cron !== current.cron || merged.timeZone !== current.timeZone || merged.enabled !== current.enabled
  return store.schedules.update(name, {
    query: merged.query,
    params: merged.params,
    cron: merged.cron,
    timeZone: merged.timeZone,
    enabled: merged.enabled,
    snapshot: merged.snapshot,
    ...(retimed ? { nextRunAt: firstRun(merged, now) } : {}),
  })
}

/** The definition of a stored schedule, as ScheduleSchema reads it (the store's own reading). */
export const definitionOf = scheduleDefinition

/** A schedule as the API answers it and the CLI shows it: its definition and what its runs left. */
export function scheduleView(stored: StoredSchedule): Schedule & ScheduleState {
  const iso = (date: Date | null) => (date === null ? null : date.toISOString())
  return {
    ...definitionOf(stored),
    nextRunAt: iso(stored.nextRunAt),
    lastRunAt: iso(stored.lastRunAt),
    lastStatus: stored.lastStatus,
    lastRowCount: stored.lastRowCount,
    lastError: stored.lastError,
    lastErrorCode: stored.lastErrorCode,
    lastErrorAt: iso(stored.lastErrorAt),
    failures: stored.failures,
  }
}
