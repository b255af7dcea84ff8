import type { Selectable } from 'kysely'
import type { StoreContext } from './context.js'
import { StoreError } from './errors.js'
import { refusePerUserWithPublicQueries } from './per-user-guard.js'
import { fromDbTime, fromJsonText, toDbTime, toJsonText, type DatasourcesTable } from './schema.js'
import { isForeignKeyViolation, isUniqueViolation } from './sql-errors.js'
import type { DatasourceInput, DatasourcePatch, DatasourceRepo, StoredDatasource } from './types.js'

/** Additional authenticated data of datasource secret envelopes (secrets.ts). */
const SECRETS_CONTEXT = 'datasource-secrets'

/**
 * The error for a datasource name that is not in the store (shared with the other repositories).
 *
 * @example
 * if (row === undefined) throw datasourceNotFound('jira')
 */
export function datasourceNotFound(name: string): StoreError {
  return new StoreError(
    'QUARRY_DATASOURCE_NOT_FOUND',
    `No datasource named "${name}". List the datasources with: quarry datasource list`,
  )
}

function datasourceExists(name: string): StoreError {
  return new StoreError(
    'QUARRY_DATASOURCE_EXISTS',
    `A datasource named "${name}" already exists. Choose another name, or edit the existing one.`,
  )
}

/**
 * Datasources: a JSON config the store does not look inside, plus a map of secrets (client secrets,
 * passwords, secret header values) sealed as one envelope.
 *
 * @example
 * const repo = new SqlDatasourceRepo(context)
 * await repo.create({ name: 'jira', type: 'rest', config: { baseUrl: 'https://…' }, secrets: { clientSecret: '…' } })
 */
export class SqlDatasourceRepo implements DatasourceRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async list(): Promise<StoredDatasource[]> {
    return this.#context.run('datasources.list', 'read', async () => {
      const rows = await this.#context.db.selectFrom('datasources').selectAll().execute()
      // Sorted here, not by ORDER BY: PostgreSQL's collation would order differently from SQLite's.
      return rows.map((row) => this.#decode(row)).sort((a, b) => compare(a.name, b.name))
    })
  }

  async get(name: string): Promise<StoredDatasource | undefined> {
    return this.#context.run('datasources.get', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('datasources')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst()
      return row === undefined ? undefined : this.#decode(row)
    })
  }

  async create(input: DatasourceInput): Promise<StoredDatasource> {
    const now = toDbTime(new Date(), 'now')
    const values = {
      name: input.name,
      type: input.type,
      config: toJsonText(input.config, 'config'),
      secrets: this.#context.box.encryptMap(input.secrets, SECRETS_CONTEXT),
      created_at: now,
      updated_at: now,
    }
    return this.#context.audited('datasources.create', async (tx, record) => {
      try {
        const row = await tx.insertInto('datasources').values(values).returningAll().executeTakeFirstOrThrow()
        const created = this.#decode(row)
        await record({ kind: 'datasource', object: created.name, action: 'create', after: audited(created) })
        return created
      } catch (error) {
        if (isUniqueViolation(error)) throw datasourceExists(input.name)
        throw error
      }
    })
  }

  async update(name: string, patch: DatasourcePatch): Promise<StoredDatasource> {
    const changes = {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.config === undefined ? {} : { config: toJsonText(patch.config, 'config') }),
      ...(patch.secrets === undefined
        ? {}
        : { secrets: this.#context.box.encryptMap(patch.secrets, SECRETS_CONTEXT) }),
      updated_at: toDbTime(new Date(), 'now'),
    }
    return this.#context.audited('datasources.update', async (tx, record) => {
      try {
        const old = await tx.selectFrom('datasources').selectAll().where('name', '=', name).executeTakeFirst()
        if (old === undefined) throw datasourceNotFound(name)
        // One statement: a rename cascades to queries and the connection (ON UPDATE CASCADE).
        const row = await tx
          .updateTable('datasources')
          .set(changes)
          .where('name', '=', name)
          .returningAll()
          .executeTakeFirst()
        if (row === undefined) throw datasourceNotFound(name)
        const updated = this.#decode(row)
        await refusePerUserWithPublicQueries(tx, updated.name, updated.config)
        await record({
          kind: 'datasource',
          object: updated.name,
          action: 'update',
          before: { name, ...audited(this.#decode(old)) },
          after: { name: updated.name, ...audited(updated) },
        })
        return updated
      } catch (error) {
        if (isUniqueViolation(error) && patch.name !== undefined) throw datasourceExists(patch.name)
        throw error
      }
    })
  }

  async remove(name: string): Promise<void> {
    try {
      await this.#context.audited('datasources.remove', async (tx, record) => {
        const users = await tx.selectFrom('queries').select('name').where('datasource', '=', name).execute()
        if (users.length > 0) {
          throw inUse(
            name,
            users.map((row) => row.name),
          )
        }
        const old = await tx.selectFrom('datasources').selectAll().where('name', '=', name).executeTakeFirst()
        // The connection goes with it (ON DELETE CASCADE).
        const result = await tx.deleteFrom('datasources').where('name', '=', name).executeTakeFirst()
        if (old === undefined || result.numDeletedRows === 0n) throw datasourceNotFound(name)
        await record({
          kind: 'datasource',
          object: name,
          action: 'remove',
          before: audited(this.#decode(old)),
        })
      })
    } catch (error) {
      // A query created by another process between the check and the delete: the foreign key
      // (ON DELETE RESTRICT) refused the delete.
      if (isForeignKeyViolation(error)) {
        const users = await this.#context.db
          .selectFrom('queries')
          .select('name')
          .where('datasource', '=', name)
          .execute()
        throw inUse(
          name,
          users.map((row) => row.name),
        )
      }
      throw error
    }
  }

  #decode(row: Selectable<DatasourcesTable>): StoredDatasource {
    return Object.freeze({
      name: row.name,
      type: row.type,
      config: fromJsonText(row.config),
      secrets: this.#context.box.decryptMap(
        row.secrets,
        SECRETS_CONTEXT,
        `the secrets of datasource "${row.name}"`,
      ),
      createdAt: fromDbTime(row.created_at),
      updatedAt: fromDbTime(row.updated_at),
    })
  }
}

/** A datasource as the audit log sees it: its secrets are masked there (AUDIT_KINDS). */
function audited(datasource: StoredDatasource): { type: string; config: unknown; secrets: unknown } {
  return { type: datasource.type, config: datasource.config, secrets: datasource.secrets }
}

function inUse(name: string, queries: string[]): StoreError {
  const sorted = [...queries].sort(compare)
  const shown = sorted.slice(0, 10).map((query) => `"${query}"`)
  if (sorted.length > 10) shown.push(`and ${sorted.length - 10} more`)
  const count = sorted.length === 1 ? '1 query' : `${sorted.length} queries`
  return new StoreError(
    'QUARRY_DATASOURCE_IN_USE',
    `Datasource "${name}" is used by ${count}: ${shown.join(', ')}. Remove those queries or move them to ` +
      `another datasource first.`,
  )
}

/**
 * Code-unit order: the same on every dialect and locale.
 *
 * @example
 * ['b', 'B', 'a'].sort(compare) // ['B', 'a', 'b']
 */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
