import { z } from 'zod'

/**
 * Snapshots (issue 16): the words and shapes the CLI, the API and the admin UI share. A snapshot is a
 * query's rows frozen with when it was taken, who took it, the parameters and the query as it ran.
 */

/** A snapshot id: 12 hex digits (store/snapshot-repo.ts makes them). */
export const SNAPSHOT_ID = /^[0-9a-f]{12}$/

/**
 * What a query keeps when it has no rule of its own: its newest 100 snapshots, of any age. The
 * default is generous on purpose: a snapshot is taken by hand or by a schedule someone set up, and
 * losing one is worse than keeping it.
 */
export const DEFAULT_SNAPSHOT_RETENTION = Object.freeze({ keepLast: 100, maxAgeSeconds: null })

/** The largest result a snapshot takes: its rows as JSON text, before compression (64 MiB). */
export const SNAPSHOT_MAX_BYTES = 64 * 1024 * 1024

/** A query's retention rule as the API takes it: null means no such limit; both null keeps all. */
export const SnapshotRetentionSchema = z.object({
  keepLast: z.number().int().min(1).max(100_000).nullable(),
  maxAgeSeconds: z.number().int().min(60).nullable(),
})
export type SnapshotRetentionRule = z.infer<typeof SnapshotRetentionSchema>

/** How `?snapshot=` (and the CLI's SNAPSHOT argument) names one: an id, `latest`, or a date or time. */
export type SnapshotRef =
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'latest' }
  /** The newest taken at or before `at`. */
  | { readonly kind: 'at'; readonly at: Date }

/**
 * Reads a snapshot reference: a 12-hex-digit id, `latest`, a day `YYYY-MM-DD` (the newest snapshot
 * taken on or before that day, UTC, so its end counts) or an ISO time. Undefined when it is none of these.
 *
 * @example parseSnapshotRef('2026-12-01') // { kind: 'at', at: 2026-12-01T23:59:59.999Z }
 * @example parseSnapshotRef('3f9a0c17b2e4') // { kind: 'id', id: '3f9a0c17b2e4' }
 */
export function parseSnapshotRef(text: string): SnapshotRef | undefined {
  const value = text.trim()
  if (SNAPSHOT_ID.test(value)) return { kind: 'id', id: value }
  if (value === 'latest') return { kind: 'latest' }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const end = new Date(`${value}T23:59:59.999Z`)
    // `2026-02-30` parses to March: a day that does not exist is no reference.
    if (Number.isNaN(end.getTime()) || end.toISOString().slice(0, 10) !== value) return undefined
    return { kind: 'at', at: end }
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const at = new Date(value)
    if (!Number.isNaN(at.getTime())) return { kind: 'at', at }
  }
  return undefined
}

/** One snapshot as the API lists it (no rows). */
export const SnapshotSummarySchema = z.object({
  id: z.string(),
  query: z.string(),
  takenAt: z.string(),
  takenBy: z.string(),
  params: z.record(z.string(), z.string()),
  definitionHash: z.string(),
  fetchedAt: z.string(),
  notices: z.array(z.string()),
  columns: z.array(z.string()),
  rowCount: z.number(),
  rowsBytes: z.number(),
  storedBytes: z.number(),
})
export type SnapshotSummary = z.infer<typeof SnapshotSummarySchema>

/**
 * A retention rule in words, for the CLI and the admin UI.
 *
 * @example describeRetention({ keepLast: 10, maxAgeSeconds: 7_776_000 }) // 'the newest 10, none older than 90 days'
 */
export function describeRetention(rule: SnapshotRetentionRule): string {
  const parts: string[] = []
  if (rule.keepLast !== null) parts.push(rule.keepLast === 1 ? 'the newest 1' : `the newest ${rule.keepLast}`)
  if (rule.maxAgeSeconds !== null) parts.push(`none older than ${ageText(rule.maxAgeSeconds)}`)
  return parts.length === 0 ? 'all of them' : parts.join(', ')
}

function ageText(seconds: number): string {
  for (const [unit, size] of [
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
  ] as const) {
    if (seconds % size === 0) {
      const count = seconds / size
      return `${count} ${unit}${count === 1 ? '' : 's'}`
    }
  }
  return `${seconds} seconds`
}
