import { Cron } from 'croner'
import { z } from 'zod'
import { nameSchema } from './name.js'

/**
 * Schedules (issue 16): a query, with parameter values, refreshed on a cron schedule in a time zone.
 * `quarry serve` runs them (src/schedule/); the CLI, the API and the admin UI define them with this
 * schema. The cron library is croner: 5 fields (minute … weekday), or 6 with seconds first.
 */

// The time-zone check is shared with queries (their :@now and :@today, issue 15).
export { knownTimeZone } from './time-zone.js'
import { timeZoneSchema } from './time-zone.js'

/** Why a cron pattern is refused (croner's own words), or undefined when it is a pattern. */
export function cronProblem(cron: string): string | undefined {
  try {
    new Cron(cron, { paused: true })
    return undefined
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '')
  }
}

/**
 * The first time the pattern fires strictly after `after`, read in `timeZone` (daylight saving
 * included); null when it never fires again (a pattern bound to a past year).
 *
 * @example nextFire('0 9 * * 1-5', 'Europe/Berlin', new Date('2026-12-03T08:30:00Z')) // 2026-12-04T08:00:00.000Z
 */
export function nextFire(cron: string, timeZone: string, after: Date): Date | null {
  return new Cron(cron, { timezone: timeZone, paused: true }).nextRun(after)
}

/**
 * A schedule as the CLI, the API and the admin UI define it.
 *
 * @example ScheduleSchema.parse({ name: 'bugs-hourly', query: 'open-bugs', cron: '0 * * * *', timeZone: 'Europe/Berlin' })
 */
const cronField = z
  .string()
  .trim()
  .min(1, 'give a cron pattern such as "0 * * * *" (minute hour day month weekday)')
  .superRefine((cron, ctx) => {
    const problem = cronProblem(cron)
    if (problem !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `not a cron pattern (${problem}); write five fields (minute hour day month weekday), or six with seconds first`,
      })
    }
  })
const timeZoneField = timeZoneSchema
/** Raw parameter values, as a view's URL gives them; each is parsed by the query's declared type when it runs. */
const paramsField = z.record(z.string(), z.string())

export const ScheduleSchema = z.object({
  name: nameSchema,
  query: nameSchema,
  params: paramsField.default({}),
  cron: cronField,
  timeZone: timeZoneField.default('UTC'),
  enabled: z.boolean().default(true),
  /** Each run also freezes its rows as a snapshot of the query (kept by the query's retention rule). */
  snapshot: z.boolean().default(false),
})
/**
 * A change to a schedule: the fields given replace the saved ones; its name stays.
 *
 * @example ScheduleChangesSchema.parse({ enabled: false })
 */
export const ScheduleChangesSchema = z.object({
  query: nameSchema.optional(),
  params: paramsField.optional(),
  cron: cronField.optional(),
  timeZone: timeZoneField.optional(),
  enabled: z.boolean().optional(),
  snapshot: z.boolean().optional(),
})
export type ScheduleChanges = z.infer<typeof ScheduleChangesSchema>
export type Schedule = z.infer<typeof ScheduleSchema>
export type ScheduleInput = z.input<typeof ScheduleSchema>

/** How the last run of a schedule ended. */
export type ScheduleRunStatus = 'ok' | 'failed'

/** A schedule with what happened: the API's and the admin UI's view of one. */
export interface ScheduleState {
  readonly nextRunAt: string | null
  readonly lastRunAt: string | null
  readonly lastStatus: ScheduleRunStatus | null
  readonly lastRowCount: number | null
  readonly lastError: string | null
  readonly lastErrorCode: string | null
  readonly lastErrorAt: string | null
  /** Failed runs in a row: the backoff grows with it, a success sets it to 0. */
  readonly failures: number
}
