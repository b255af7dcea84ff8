import type { Kysely, Selectable } from 'kysely'
import { actorName, type Actor, type ObjectVersion, type VersionedKind } from '../domain/audit.js'
import { auditSchemas } from './audit-repo.js'
import type { StoreContext } from './context.js'
import { StoreError } from './errors.js'
import {
  fromDbTime,
  fromJsonText,
  toDbTime,
  toJsonText,
  type Database,
  type ObjectVersionsTable,
} from './schema.js'
import type { VersionRepo } from './types.js'

/**
 * The versions of queries, converters and templates (issue 19): every save keeps the whole
 * definition as a new version, numbered from 1, in the transaction of the save. The repositories of
 * those kinds call saveVersion, moveVersions and dropVersions; VersionRepo reads them back.
 */

/**
 * Keeps `definition` as the next version of `kind` `name`; returns its number. Called after the
 * object's own row was written in the same transaction: that write holds the row (PostgreSQL's row
 * lock, SQLite's write lock), so two saves of one object cannot pick the same number.
 */
export async function saveVersion(
  tx: Kysely<Database>,
  kind: VersionedKind,
  name: string,
  definition: unknown,
  actor: Actor,
  at: Date = new Date(),
): Promise<number> {
  const row = await tx
    .selectFrom('object_versions')
    .select((eb) => eb.fn.max('version').as('latest'))
    .where('kind', '=', kind)
    .where('name', '=', name)
    .executeTakeFirst()
  const version = Number(row?.latest ?? 0) + 1
  await tx
    .insertInto('object_versions')
    .values({
      kind,
      name,
      version,
      at: toDbTime(at, 'at'),
      actor: JSON.stringify(actor),
      actor_name: actorName(actor),
      definition: toJsonText(definition, 'definition'),
    })
    .execute()
  return version
}

/** A rename takes the history along. */
export async function moveVersions(
  tx: Kysely<Database>,
  kind: VersionedKind,
  from: string,
  to: string,
): Promise<void> {
  if (from === to) return
  await tx
    .updateTable('object_versions')
    .set({ name: to })
    .where('kind', '=', kind)
    .where('name', '=', from)
    .execute()
}

/**
 * A removed object's versions go with it: a new object of the same name starts again at 1. The
 * removal's audit entry keeps the last definition, field by field.
 */
export async function dropVersions(tx: Kysely<Database>, kind: VersionedKind, name: string): Promise<void> {
  await tx.deleteFrom('object_versions').where('kind', '=', kind).where('name', '=', name).execute()
}

/**
 * The error for a version number that the object does not have.
 *
 * @example versionNotFound('query', 'bugs', 9).code // 'QUARRY_VERSION_NOT_FOUND'
 */
export function versionNotFound(kind: VersionedKind, name: string, version: number): StoreError {
  return new StoreError(
    'QUARRY_VERSION_NOT_FOUND',
    `The ${kind} "${name}" has no version ${version}. List its versions with: quarry ${kind} versions ${name}`,
  )
}

/** Reads the versions of queries, converters and templates. */
export class SqlVersionRepo implements VersionRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async list(kind: VersionedKind, name: string): Promise<ObjectVersion[]> {
    return this.#context.run('versions.list', 'read', async () => {
      const rows = await this.#context.db
        .selectFrom('object_versions')
        .selectAll()
        .where('kind', '=', kind)
        .where('name', '=', name)
        .orderBy('version', 'desc')
        .execute()
      const { ActorSchema } = await auditSchemas()
      return rows.map((row) => decode(row, ActorSchema))
    })
  }

  async get(kind: VersionedKind, name: string, version: number): Promise<ObjectVersion | undefined> {
    return this.#context.run('versions.get', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('object_versions')
        .selectAll()
        .where('kind', '=', kind)
        .where('name', '=', name)
        .where('version', '=', version)
        .executeTakeFirst()
      return row === undefined ? undefined : decode(row, (await auditSchemas()).ActorSchema)
    })
  }
}

function decode(
  row: Selectable<ObjectVersionsTable>,
  ActorSchema: Awaited<ReturnType<typeof auditSchemas>>['ActorSchema'],
): ObjectVersion {
  return Object.freeze({
    version: Number(row.version),
    at: fromDbTime(row.at).toISOString(),
    actor: ActorSchema.parse(JSON.parse(row.actor)),
    actorName: row.actor_name,
    definition: fromJsonText(row.definition),
  })
}
