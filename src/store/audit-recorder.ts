import { AsyncLocalStorage } from 'node:async_hooks'
import type { Kysely } from 'kysely'
import { actorName, SYSTEM_ACTOR, type Actor, type AuditAction, type AuditKind } from '../domain/audit.js'
import { fieldChanges } from '../domain/audit-diff.js'
import { toDbTime, type Database } from './schema.js'

/**
 * The one way a change reaches the audit log (issue 19). Every repository write that changes
 * configuration calls recordChange with the executor of its own transaction, so the change and its
 * entry commit together or not at all: a change without an entry cannot happen.
 *
 * Who made it comes from the task's actor: the server runs each request inside actingAs(the signed-in
 * user, or the API token's user); the CLI opens its store with the `cli` actor as the default; anything
 * else (the token keep-alive) is `system`.
 *
 * Adding a kind of object: one line in AUDIT_KINDS (src/domain/audit.ts) naming its secret fields,
 * then `await recordChange(tx, { kind: 'schedule', object: name, action: 'update', before, after })` in
 * the transaction of each of its repository's writes.
 */

const actors = new AsyncLocalStorage<Actor>()

/**
 * Runs `fn` with every store change it makes recorded as made by `actor`.
 *
 * @example await actingAs({ type: 'user', user: 'ada' }, () => store.queries.remove('old'))
 */
export function actingAs<T>(actor: Actor, fn: () => T): T {
  return actors.run(actor, fn)
}

/** The actor of the calling task, else the store's default (the CLI's), else `system`. */
export function currentActor(fallback: Actor | undefined): Actor {
  return actors.getStore() ?? fallback ?? SYSTEM_ACTOR
}

export interface Change {
  readonly kind: AuditKind
  readonly object: string
  readonly action: AuditAction
  /** The object's recorded document before the change; undefined when it was created. */
  readonly before?: unknown
  /** After the change; undefined when it was removed. */
  readonly after?: unknown
  /** The version of a query, converter or template this change saved. */
  readonly version?: number
}

/**
 * Writes one audit entry inside the caller's transaction, with a field-level diff of before and after
 * whose secrets are masked (domain/audit-diff.ts). An update that changed nothing is still recorded
 * (someone saved it), with no changes listed.
 */
export async function recordChange(
  tx: Kysely<Database>,
  actor: Actor,
  change: Change,
  at: Date = new Date(),
): Promise<void> {
  await tx
    .insertInto('audit_log')
    .values({
      at: toDbTime(at, 'at'),
      actor: JSON.stringify(actor),
      actor_name: actorName(actor),
      kind: change.kind,
      object: change.object,
      action: change.action,
      changes: JSON.stringify(fieldChanges(change.kind, change.before, change.after)),
      version: change.version ?? null,
    })
    .execute()
}
