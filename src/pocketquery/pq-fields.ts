/**
 * What the PocketQuery datasource mappers (pq-rest-datasource.ts, pq-jdbc-datasource.ts) share: how
 * an exported value is read, and how a URL may be shown in a message.
 */
import type { ConnectionInput } from '../store/index.js'

/** What a mapper makes of one datasource before the schema checks it. */
export interface Mapped {
  readonly datasource: unknown
  readonly connection?: ConnectionInput
  readonly summary: string
  readonly notices: readonly string[]
}

/** Text with content, or undefined: unset in an export is null, missing or blank. */
export const text = (value: unknown): string | undefined => {
  if (typeof value === 'number') return String(value)
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
}

/**
 * A URL as a message may show it: options (`?…`, JDBC's `;…`) and `user:password@` can hold
 * credentials, so they are cut.
 *
 * @example shown('jdbc:mysql://u:pw@db/x?password=s') // 'jdbc:mysql://…@db/x?…'
 */
export function shown(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//…@').replace(/[?;].*$/, '?…')
}
