import { z } from 'zod'

/**
 * The time zone as IANA names it (`Europe/Berlin`, `UTC`), or undefined when this runtime does not know it.
 *
 * @example knownTimeZone('Europe/Berlin') // 'Europe/Berlin'
 */
export function knownTimeZone(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone
  } catch {
    return undefined
  }
}

/** An IANA time zone name this runtime knows (schedules' cron, queries' :@now and :@today). */
export const timeZoneSchema = z.string().refine((zone) => knownTimeZone(zone) !== undefined, {
  message: 'not a time zone: name one as IANA does, e.g. "Europe/Berlin" or "UTC"',
})
