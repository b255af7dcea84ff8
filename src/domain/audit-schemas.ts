import { z } from 'zod'
import { AUDIT_KIND_NAMES } from './audit-kinds.js'
import { AUDIT_ACTIONS } from './audit.js'

/*
 * The audit log's schemas (issue 19): what an entry, a version and a filter are. Apart from audit.ts,
 * whose words every start loads, so that a start that records or lists nothing (a cached `quarry
 * run`) does not build them: the store's readers of entries and versions import this module when
 * they first read (bench/RESULTS.md, "CLI: cached run").
 */

/**
 * Who made a change: a signed-in user, a user through one of their API tokens, the CLI (with the
 * operating-system user that ran it), or Quarry itself (the server's token keep-alive, a refresh
 * that ran into `invalid_grant` outside any request).
 */
export const ActorSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), user: z.string() }),
  z.object({ type: z.literal('token'), user: z.string(), token: z.string() }),
  z.object({ type: z.literal('cli'), osUser: z.string() }),
  z.object({ type: z.literal('system') }),
])
export type Actor = z.infer<typeof ActorSchema>

/** One field that changed: its path, and its value before and after (absent: it did not exist). */
export const FieldChangeSchema = z.object({
  field: z.string(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  /** True for a secret: before and after are then the mask, never the value. */
  secret: z.boolean().optional(),
})
export type FieldChange = z.infer<typeof FieldChangeSchema>

export const AuditEntrySchema = z.object({
  id: z.number().int(),
  at: z.iso.datetime(),
  actor: ActorSchema,
  /** actorName(actor): what the actor filter matches. */
  actorName: z.string(),
  kind: z.enum(AUDIT_KIND_NAMES),
  /** The object's name (a token: its id; a setting: its key). */
  object: z.string(),
  action: z.enum(AUDIT_ACTIONS),
  changes: z.array(FieldChangeSchema),
  /** A version of a query, converter or template this change made, if any. */
  version: z.number().int().nullable(),
})
export type AuditEntry = z.infer<typeof AuditEntrySchema>

const ISO_TIME =
  'must be an ISO 8601 time with its zone, e.g. 2026-12-01T08:00:00Z (the CLI also takes 2026-12-01).'

/** Filters of the audit list and export: all optional, combined with AND. */
export const AuditFilterSchema = z.object({
  actor: z.string().min(1).optional(),
  kind: z.enum(AUDIT_KIND_NAMES).optional(),
  object: z.string().min(1).optional(),
  /** Entries at or after this time. */
  since: z.iso.datetime({ offset: true, error: ISO_TIME }).optional(),
  /** Entries before this time. */
  until: z.iso.datetime({ offset: true, error: ISO_TIME }).optional(),
  /** At most this many, newest first (the list; the export streams all, oldest first). */
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
})
export type AuditFilter = z.infer<typeof AuditFilterSchema>

export const ObjectVersionSchema = z.object({
  version: z.number().int(),
  at: z.iso.datetime(),
  actor: ActorSchema,
  actorName: z.string(),
  /** The whole definition as saved (a query: datasource, definition, named converter and template). */
  definition: z.unknown(),
})
export type ObjectVersion = z.infer<typeof ObjectVersionSchema>
