/**
 * The audit log's words (issue 19): who changed what, when, field by field, with secrets masked.
 * Shared by the store (which records), the server and CLI (which list and export) and the admin UI.
 * Their schemas are in audit-schemas.ts, built only by what reads or checks entries.
 */
import type { Actor } from './audit-schemas.js'

export type { Actor, AuditEntry, AuditFilter, FieldChange, ObjectVersion } from './audit-schemas.js'

/** Changes made outside a request and outside the CLI. */
export const SYSTEM_ACTOR: Actor = Object.freeze({ type: 'system' })

/**
 * The one name an actor is listed and filtered by: the user's name (for an API token too: the
 * token acts for its user), `cli:OSUSER`, or `system`.
 *
 * @example actorName({ type: 'cli', osUser: 'root' }) // 'cli:root'
 * @example actorName({ type: 'token', user: 'ada', token: 'ci' }) // 'ada'
 */
export function actorName(actor: Actor): string {
  switch (actor.type) {
    case 'user':
    case 'token':
      return actor.user
    case 'cli':
      return `cli:${actor.osUser}`
    case 'system':
      return 'system'
  }
}

export { AUDIT_KINDS, AUDIT_KIND_NAMES, SECRET_FIELD_NAME, type AuditKind } from './audit-kinds.js'

/** What an entry says happened to the object. */
export const AUDIT_ACTIONS = [
  'create',
  'update',
  'remove',
  'revert',
  'connect',
  'needs-consent',
  'disconnect',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

/** The kinds whose every save keeps a version (number, who, when, the full definition). */
export const VERSIONED_KINDS = ['query', 'converter', 'template'] as const
export type VersionedKind = (typeof VERSIONED_KINDS)[number]
