import { httpUrl } from '../domain/http-url.js'
import { QuarryError } from '../domain/errors.js'
import { describeIssues } from '../domain/field-issues.js'
import { ScheduleChangesSchema, ScheduleSchema } from '../domain/schedule.js'
import { createSchedule, editSchedule, followRuns, Scheduler, scheduleView } from '../schedule/index.js'
import { scheduleNotFound } from '../store/index.js'
import { withEngine, withStore, type StoreFlags } from './context.js'
import { parseAssignments } from './flags.js'

/** The flags of `schedule add|edit`. */
export interface ScheduleFlags {
  readonly query?: string
  readonly cron?: string
  readonly tz?: string
  readonly param?: string[]
  /** `--no-params` sets it false. */
  readonly params?: boolean
  readonly disabled?: boolean
  readonly enable?: boolean
  readonly disable?: boolean
  /** `--snapshot` true, `--no-snapshot` false, neither undefined. */
  readonly snapshot?: boolean
}

/** The schema's fields as the CLI names them, for messages. */
const LABELS = { name: 'the name', query: '--query', cron: '--cron', timeZone: '--tz', params: '--param' }

function when(date: string | null): string {
  return date === null ? '—' : date.replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}

export async function addSchedule(name: string, flags: ScheduleFlags, global: StoreFlags): Promise<void> {
  const raw = {
    name,
    query: flags.query,
    params: parseAssignments('--param', flags.param ?? []),
    cron: flags.cron,
    ...(flags.tz === undefined ? {} : { timeZone: flags.tz }),
    enabled: flags.disabled !== true,
    snapshot: flags.snapshot === true,
  }
  const result = ScheduleSchema.safeParse(raw)
  if (!result.success) throw describeIssues(result.error, `schedule "${name}"`, raw, LABELS)
  const schedule = result.data
  const saved = await withStore(global, (store) => createSchedule(store, schedule))
  const next = scheduleView(saved).nextRunAt
  console.log(
    `Added schedule "${name}": ${schedule.query} at "${schedule.cron}" (${schedule.timeZone}); ` +
      (next === null ? 'switched off.' : `next run ${when(next)}. quarry serve runs it.`),
  )
}

export async function changeSchedule(name: string, flags: ScheduleFlags, global: StoreFlags): Promise<void> {
  if (flags.enable === true && flags.disable === true)
    throw new QuarryError('QUARRY_CONFIG_INVALID', 'Give --enable or --disable, not both.')
  const raw = {
    ...(flags.query === undefined ? {} : { query: flags.query }),
    ...(flags.cron === undefined ? {} : { cron: flags.cron }),
    ...(flags.tz === undefined ? {} : { timeZone: flags.tz }),
    ...(flags.param === undefined ? {} : { params: parseAssignments('--param', flags.param) }),
    ...(flags.params === false ? { params: {} } : {}),
    ...(flags.enable === true ? { enabled: true } : flags.disable === true ? { enabled: false } : {}),
    ...(flags.snapshot === undefined ? {} : { snapshot: flags.snapshot }),
  }
  const result = ScheduleChangesSchema.safeParse(raw)
  if (!result.success) throw describeIssues(result.error, `schedule "${name}"`, raw, LABELS)
  const changes = result.data
  const saved = await withStore(global, (store) => editSchedule(store, name, changes))
  const next = scheduleView(saved).nextRunAt
  console.log(`Updated schedule "${name}"; ${next === null ? 'switched off' : `next run ${when(next)}`}.`)
}

export async function listSchedules(global: StoreFlags): Promise<void> {
  await withStore(global, async (store) => {
    const all = (await store.schedules.list()).map(scheduleView)
    if (all.length === 0)
      console.log('No schedules yet. Add one: quarry schedule add NAME --query QUERY --cron "0 * * * *"')
    for (const schedule of all) {
      const last =
        schedule.lastRunAt === null
          ? 'never run'
          : `last run ${when(schedule.lastRunAt)} ${schedule.lastStatus === 'ok' ? `ok, ${schedule.lastRowCount ?? 0} rows` : 'failed'}`
      const error =
        schedule.lastError === null ? '' : `last error ${when(schedule.lastErrorAt)}: ${schedule.lastError}`
      console.log(
        [
          schedule.name,
          schedule.query,
          `"${schedule.cron}" ${schedule.timeZone}`,
          schedule.enabled ? `next run ${when(schedule.nextRunAt)}` : 'off',
          last,
          error,
        ]
          .filter(Boolean)
          .join('  ·  '),
      )
    }
  })
}

export async function showSchedule(name: string, global: StoreFlags): Promise<void> {
  await withStore(global, async (store) => {
    const schedule = await store.schedules.get(name)
    if (schedule === undefined) throw scheduleNotFound(name)
    const runs = await store.schedules.runs(name, 20)
    console.log(JSON.stringify({ ...scheduleView(schedule), runs }, null, 2))
  })
}

export async function removeSchedule(name: string, global: StoreFlags): Promise<void> {
  await withStore(global, (store) => store.schedules.remove(name))
  console.log(`Removed schedule "${name}".`)
}

/** Runs it here, now; a failure is recorded like the server's and exits as the query's failure would. */
export async function runScheduleNow(name: string, global: StoreFlags, publicUrl?: string): Promise<void> {
  if (publicUrl !== undefined && !httpUrl.safeParse(publicUrl).success) {
    throw new QuarryError(
      'QUARRY_USAGE',
      `--public-url must be an http(s) address such as https://quarry.example.com, not "${publicUrl}".`,
    )
  }
  const event = await withEngine(global, (deps) => {
    const scheduler = new Scheduler({ deps: () => deps })
    // As a server's tick: a snapshot when the schedule takes them, its query's alerts checked (and
    // their notices sent before the command exits), its subscriptions mailed when the links' address is given.
    followRuns(scheduler, deps.store, {
      awaitDeliveries: true,
      ...(publicUrl === undefined ? {} : { mail: { baseUrl: publicUrl } }),
    })
    return scheduler.runNow(name)
  })
  if (event.error !== undefined) throw event.error
  console.log(
    `Ran schedule "${name}": ${event.result?.rowCount ?? 0} rows, kept for its views until after its next run.`,
  )
}
