import type { SelectQueryBuilder, Selectable } from 'kysely'
import type { AuditEntry, AuditFilter, AuditKind, AuditAction } from '../domain/audit.js'
import type { StoreContext } from './context.js'
import { fromDbTime, toDbTime, type AuditLogTable, type Database } from './schema.js'
import type { AuditRepo } from './types.js'

/** Entries an export reads per round trip: a long log streams without being held in memory. */
const EXPORT_PAGE = 500
const DEFAULT_LIMIT = 200

/**
 * Reads the audit log (issue 19); audit-recorder.ts writes it. Filters are exact (actor name, kind,
 * object) and a half-open time range [since, until).
 */
export class SqlAuditRepo implements AuditRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    return this.#context.run('audit.list', 'read', async () => {
      const rows = await filtered(this.#context.db.selectFrom('audit_log').selectAll(), filter)
        .orderBy('id', 'desc')
        .limit(filter.limit ?? DEFAULT_LIMIT)
        .execute()
      const schemas = await auditSchemas()
      return rows.map((row) => decode(row, schemas))
    })
  }

  async *stream(filter: AuditFilter = {}): AsyncGenerator<AuditEntry> {
    const schemas = await auditSchemas()
    let after = 0
    for (;;) {
      const page = await this.#context.run('audit.export', 'read', () =>
        filtered(this.#context.db.selectFrom('audit_log').selectAll(), filter)
          .where('id', '>', after)
          .orderBy('id', 'asc')
          .limit(EXPORT_PAGE)
          .execute(),
      )
      for (const row of page) yield decode(row, schemas)
      if (page.length < EXPORT_PAGE) return
      after = Number(page[page.length - 1]?.id)
    }
  }
}

function filtered<O>(
  query: SelectQueryBuilder<Database, 'audit_log', O>,
  filter: AuditFilter,
): SelectQueryBuilder<Database, 'audit_log', O> {
  let q = query
  if (filter.actor !== undefined) q = q.where('actor_name', '=', filter.actor)
  if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind)
  if (filter.object !== undefined) q = q.where('object', '=', filter.object)
  if (filter.since !== undefined) q = q.where('at', '>=', toDbTime(new Date(filter.since), 'since'))
  if (filter.until !== undefined) q = q.where('at', '<', toDbTime(new Date(filter.until), 'until'))
  return q
}

/** The schemas an entry is read with, loaded with the first read: most starts read none (audit-schemas.ts). */
export const auditSchemas = () => import('../domain/audit-schemas.js')

type AuditSchemas = Awaited<ReturnType<typeof auditSchemas>>

function decode(
  row: Selectable<AuditLogTable>,
  { ActorSchema, FieldChangeSchema }: AuditSchemas,
): AuditEntry {
  return Object.freeze({
    id: Number(row.id),
    at: fromDbTime(row.at).toISOString(),
    actor: ActorSchema.parse(JSON.parse(row.actor)),
    actorName: row.actor_name,
    kind: row.kind as AuditKind,
    object: row.object,
    action: row.action as AuditAction,
    changes: FieldChangeSchema.array().parse(JSON.parse(row.changes)),
    version: row.version === null ? null : Number(row.version),
  })
}
