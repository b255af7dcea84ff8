import type { Selectable } from 'kysely'
import type { StoreContext } from './context.js'
import { compare, datasourceNotFound } from './datasource-repo.js'
import { StoreError } from './errors.js'
import { refusePublicOnPerUser } from './per-user-guard.js'
import { fromDbTime, fromJsonText, toDbTime, toJsonText, type QueriesTable } from './schema.js'
import { libraryNotFound } from './library-repo.js'
import { isForeignKeyViolation, isUniqueViolation } from './sql-errors.js'
import type { QueryInput, QueryPatch, QueryRepo, StoredQuery } from './types.js'
import { dropVersions, moveVersions, saveVersion, SqlVersionRepo, versionNotFound } from './version-repo.js'

function queryNotFound(name: string): StoreError {
  return new StoreError(
    'QUARRY_QUERY_NOT_FOUND',
    `No query named "${name}". List the queries with: quarry query list`,
  )
}

function queryExists(name: string): StoreError {
  return new StoreError(
    'QUARRY_QUERY_EXISTS',
    `A query named "${name}" already exists. Choose another name, or edit the existing one.`,
  )
}

/**
 * Queries: a JSON definition the store does not look inside, tied to a datasource by name (a foreign
 * key, so a query can never point at a datasource that is gone).
 *
 * @example
 * const repo = new SqlQueryRepo(context)
 * await repo.create({ name: 'open-bugs', datasource: 'jira', definition: { method: 'GET', path: '/search/jql' } })
 */
export class SqlQueryRepo implements QueryRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async list(): Promise<StoredQuery[]> {
    return this.#context.run('queries.list', 'read', async () => {
      const rows = await this.#context.db.selectFrom('queries').selectAll().execute()
      return rows.map(decode).sort((a, b) => compare(a.name, b.name))
    })
  }

  async get(name: string): Promise<StoredQuery | undefined> {
    return this.#context.run('queries.get', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('queries')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst()
      return row === undefined ? undefined : decode(row)
    })
  }

  async create(input: QueryInput): Promise<StoredQuery> {
    const now = toDbTime(new Date(), 'now')
    const values = {
      name: input.name,
      datasource: input.datasource,
      definition: toJsonText(input.definition, 'definition'),
      converter_name: input.converterName ?? null,
      template_name: input.templateName ?? null,
      created_at: now,
      updated_at: now,
    }
    try {
      return await this.#context.audited('queries.create', async (tx, record, actor) => {
        const created = decode(
          await tx.insertInto('queries').values(values).returningAll().executeTakeFirstOrThrow(),
        )
        await refusePublicOnPerUser(tx, created)
        const version = await saveVersion(tx, 'query', created.name, versioned(created), actor)
        await record({
          kind: 'query',
          object: created.name,
          action: 'create',
          after: versioned(created),
          version,
        })
        return created
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw queryExists(input.name)
      if (isForeignKeyViolation(error)) throw await this.#missingReference(input)
      throw error
    }
  }

  async update(name: string, patch: QueryPatch): Promise<StoredQuery> {
    return this.#save('queries.update', name, patch, 'update')
  }

  async revert(name: string, version: number): Promise<StoredQuery> {
    const old = await new SqlVersionRepo(this.#context).get('query', name, version)
    if (old === undefined) throw versionNotFound('query', name, version)
    const definition = old.definition as ReturnType<typeof versioned>
    return this.#save(
      'queries.revert',
      name,
      {
        datasource: definition.datasource,
        definition: definition.definition,
        converterName: definition.converterName,
        templateName: definition.templateName,
      },
      'revert',
    )
  }

  /** An update or a revert: the row, a new version and the audit entry, in one transaction. */
  async #save(
    operation: string,
    name: string,
    patch: QueryPatch,
    action: 'update' | 'revert',
  ): Promise<StoredQuery> {
    const changes = {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.datasource === undefined ? {} : { datasource: patch.datasource }),
      ...(patch.definition === undefined ? {} : { definition: toJsonText(patch.definition, 'definition') }),
      ...(patch.converterName === undefined ? {} : { converter_name: patch.converterName }),
      ...(patch.templateName === undefined ? {} : { template_name: patch.templateName }),
      updated_at: toDbTime(new Date(), 'now'),
    }
    try {
      return await this.#context.audited(operation, async (tx, record, actor) => {
        const old = await tx.selectFrom('queries').selectAll().where('name', '=', name).executeTakeFirst()
        if (old === undefined) throw queryNotFound(name)
        const row = await tx
          .updateTable('queries')
          .set(changes)
          .where('name', '=', name)
          .returningAll()
          .executeTakeFirst()
        if (row === undefined) throw queryNotFound(name)
        const updated = decode(row)
        await refusePublicOnPerUser(tx, updated)
        await moveVersions(tx, 'query', name, updated.name)
        // A query's snapshots and their retention rule follow its rename (issue 16); they are kept
        // by name, not by a foreign key, so that deleting the query keeps them.
        if (updated.name !== name) {
          for (const table of ['snapshots', 'snapshot_retention'] as const)
            await tx.updateTable(table).set({ query: updated.name }).where('query', '=', name).execute()
        }
        const version = await saveVersion(tx, 'query', updated.name, versioned(updated), actor)
        await record({
          kind: 'query',
          object: updated.name,
          action,
          before: { name, ...versioned(decode(old)) },
          after: { name: updated.name, ...versioned(updated) },
          version,
        })
        return updated
      })
    } catch (error) {
      if (isUniqueViolation(error) && patch.name !== undefined) throw queryExists(patch.name)
      if (isForeignKeyViolation(error)) throw await this.#missingReference(patch)
      throw error
    }
  }

  /** Which of the names a query refers to is missing, after the foreign key refused one. */
  async #missingReference(refs: QueryPatch): Promise<unknown> {
    const db = this.#context.db
    const exists = async (table: 'datasources' | 'converters' | 'templates', name: string) =>
      (await db.selectFrom(table).select('name').where('name', '=', name).executeTakeFirst()) !== undefined
    if (refs.datasource !== undefined && !(await exists('datasources', refs.datasource)))
      return datasourceNotFound(refs.datasource)
    if (refs.converterName != null && !(await exists('converters', refs.converterName)))
      return libraryNotFound('converter', refs.converterName)
    if (refs.templateName != null && !(await exists('templates', refs.templateName)))
      return libraryNotFound('template', refs.templateName)
    return new StoreError(
      'QUARRY_DATASOURCE_NOT_FOUND',
      'The query names a datasource, converter or template that another process just removed. Try again.',
    )
  }

  async remove(name: string): Promise<void> {
    return this.#context.audited('queries.remove', async (tx, record) => {
      const old = await tx.selectFrom('queries').selectAll().where('name', '=', name).executeTakeFirst()
      const result = await tx.deleteFrom('queries').where('name', '=', name).executeTakeFirst()
      if (old === undefined || result.numDeletedRows === 0n) throw queryNotFound(name)
      await dropVersions(tx, 'query', name)
      await record({ kind: 'query', object: name, action: 'remove', before: versioned(decode(old)) })
    })
  }
}

/** What a version of a query keeps: everything a save sets but its name. */
function versioned(query: StoredQuery) {
  return {
    datasource: query.datasource,
    definition: query.definition,
    converterName: query.converterName,
    templateName: query.templateName,
  }
}

function decode(row: Selectable<QueriesTable>): StoredQuery {
  return Object.freeze({
    name: row.name,
    datasource: row.datasource,
    definition: fromJsonText(row.definition),
    converterName: row.converter_name,
    templateName: row.template_name,
    createdAt: fromDbTime(row.created_at),
    updatedAt: fromDbTime(row.updated_at),
  })
}
