import { CONTEXT_PARAMS, contextParam, isContextName, type ContextParam } from './context-names.js'
import { QuarryError } from './errors.js'
import type { ParamValue } from './params.js'
import type { Viewer } from './viewer.js'

export {
  CONTEXT_PARAMS,
  CONTEXT_PREFIX,
  contextNamesIn,
  contextParam,
  isContextName,
  type ContextParam,
} from './context-names.js'

/**
 * Context parameters (issue 15): `:@user.name`, `:@user.email`, `:@user.groups`, `:@now` and
 * `:@today`. Quarry fills them for each run — with the signed-in person and the clock in the query's
 * time zone — and binds them like any parameter (encoded in REST, placeholders in SQL), so a query
 * can say "my issues" or "since today" without trusting a value from the URL. Nobody can give them a
 * value: a URL, the API or `--param` naming one is refused (QUARRY_PARAM_CONTEXT).
 */

/** The sentence that lists what exists, for a `:@name` that does not. */
export function unknownContextMessage(name: string, where: string): string {
  return (
    `The ${where} uses ":${name}", which is not a context parameter; Quarry fills ` +
    `${CONTEXT_PARAMS.map((param) => `:${param.name}`).join(', ')}.`
  )
}

/**
 * Refuses a value given for a context parameter (from a URL, the API or `--param`): Quarry fills
 * them, so a viewer cannot pretend to be someone else or move the clock.
 *
 * @example refuseContextValues({ '@user.name': 'ada' }) // throws QUARRY_PARAM_CONTEXT
 */
export function refuseContextValues(given: Readonly<Record<string, string>>): void {
  const name = Object.keys(given).find(isContextName)
  if (name === undefined) return
  throw new QuarryError(
    'QUARRY_PARAM_CONTEXT',
    `Parameter "${name}" is filled by Quarry (the signed-in user and the clock) and cannot be given a value; leave it out.`,
  )
}

/** What the run knows to fill context parameters with. */
export interface RunContext {
  /** The signed-in person; none for the CLI, schedules, alerts and visitors of a public view. */
  readonly viewer: Viewer | undefined
  readonly now: Date
  /** IANA name; the query's (UTC when it has none). */
  readonly timeZone: string
}

/**
 * The values of the context parameters a query uses. A `:@user.…` without a signed-in person, or
 * `:@user.email` for a user without an email address, is QUARRY_CONTEXT_MISSING; an unknown
 * `:@name` is QUARRY_TEMPLATE_INVALID.
 *
 * @example contextValues(['@today'], { viewer: undefined, now: new Date('2026-12-03T23:30:00Z'), timeZone: 'Europe/Berlin' })
 * // Map { '@today' => '2026-12-04' }
 */
export function contextValues(used: readonly string[], context: RunContext): Map<string, ParamValue> {
  const values = new Map<string, ParamValue>()
  for (const name of used) {
    if (!isContextName(name)) continue
    const param = contextParam(name)
    if (param === undefined)
      throw new QuarryError('QUARRY_TEMPLATE_INVALID', unknownContextMessage(name, 'query'))
    values.set(name, contextValue(param, context))
  }
  return values
}

function contextValue(param: ContextParam, { viewer, now, timeZone }: RunContext): ParamValue {
  if (param.needsViewer && viewer === undefined) {
    throw new QuarryError(
      'QUARRY_CONTEXT_MISSING',
      `The query uses :${param.name}, which Quarry fills with the signed-in user, and this run has none ` +
        '(the CLI, a schedule, an alert or a visitor of a public view). Open it signed in, or call the API with a token.',
    )
  }
  switch (param.name) {
    case '@user.name':
      return (viewer as Viewer).name
    case '@user.email': {
      const { name, email } = viewer as Viewer
      if (email === null || email === '') {
        throw new QuarryError(
          'QUARRY_CONTEXT_MISSING',
          `The query uses :@user.email, and user "${name}" has no email address; an admin sets one under Users in the admin UI (or PUT /api/users/${encodeURIComponent(name)} with an email).`,
        )
      }
      return email
    }
    case '@user.groups':
      return [...(viewer as Viewer).groups]
    case '@today':
      return zonedTime(now, timeZone).slice(0, 10)
    default:
      return zonedTime(now, timeZone)
  }
}

/**
 * An instant as ISO 8601 local time with its offset in a time zone, to the second.
 *
 * @example zonedTime(new Date('2026-12-03T14:04:05.678Z'), 'Europe/Berlin') // '2026-12-03T15:04:05+01:00'
 * @example zonedTime(new Date('2026-12-03T14:04:05Z'), 'UTC') // '2026-12-03T14:04:05+00:00'
 */
export function zonedTime(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(instant)
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? ''
  // longOffset reads "GMT+01:00", or plain "GMT" at offset zero.
  const offset = part('timeZoneName').replace(/^GMT/, '') || '+00:00'
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}${offset}`
}
