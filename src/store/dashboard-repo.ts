import type { Selectable } from 'kysely'
import type { StoreContext } from './context.js'
import { compare } from './datasource-repo.js'
import { StoreError } from './errors.js'
import { fromDbTime, fromJsonText, toDbTime, toJsonText, type DashboardsTable } from './schema.js'
import { isUniqueViolation } from './sql-errors.js'
import type { DashboardRepo, StoredDashboard } from './types.js'

/** The error for a dashboard name that is not in the store. */
export function dashboardNotFound(name: string): StoreError {
  return new StoreError(
    'QUARRY_DASHBOARD_NOT_FOUND',
    `No dashboard named "${name}". List the dashboards with: quarry dashboard list`,
  )
}

function dashboardExists(name: string): StoreError {
  return new StoreError(
    'QUARRY_DASHBOARD_EXISTS',
    `A dashboard named "${name}" already exists. Choose another name, or edit the existing one.`,
  )
}

/**
 * Dashboards (issue 17): a JSON definition the store does not look inside, under its name. Every
 * write is audited (kind `dashboard`) in its own transaction.
 *
 * @example await store.dashboards.create({ name: 'team', definition: { panels: [] } })
 */
export class SqlDashboardRepo implements DashboardRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async list(): Promise<StoredDashboard[]> {
    return this.#context.run('dashboards.list', 'read', async () => {
      const rows = await this.#context.db.selectFrom('dashboards').selectAll().execute()
      return rows.map(decode).sort((a, b) => compare(a.name, b.name))
    })
  }

  async get(name: string): Promise<StoredDashboard | undefined> {
    return this.#context.run('dashboards.get', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('dashboards')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst()
      return row === undefined ? undefined : decode(row)
    })
  }

  async create(input: { name: string; definition: unknown }): Promise<StoredDashboard> {
    const now = toDbTime(new Date(), 'now')
    const values = {
      name: input.name,
      definition: toJsonText(input.definition, 'definition'),
      created_at: now,
      updated_at: now,
    }
    try {
      return await this.#context.audited('dashboards.create', async (tx, record) => {
        const row = await tx.insertInto('dashboards').values(values).returningAll().executeTakeFirstOrThrow()
        const created = decode(row)
        await record({ kind: 'dashboard', object: created.name, action: 'create', after: recorded(created) })
        return created
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw dashboardExists(input.name)
      throw error
    }
  }

  async update(name: string, change: { name?: string; definition: unknown }): Promise<StoredDashboard> {
    const values = {
      ...(change.name === undefined ? {} : { name: change.name }),
      definition: toJsonText(change.definition, 'definition'),
      updated_at: toDbTime(new Date(), 'now'),
    }
    try {
      return await this.#context.audited('dashboards.update', async (tx, record) => {
        const old = await tx.selectFrom('dashboards').selectAll().where('name', '=', name).executeTakeFirst()
        if (old === undefined) throw dashboardNotFound(name)
        const row = await tx
          .updateTable('dashboards')
          .set(values)
          .where('name', '=', name)
          .returningAll()
          .executeTakeFirstOrThrow()
        const updated = decode(row)
        await record({
          kind: 'dashboard',
          object: updated.name,
          action: 'update',
          before: recorded(decode(old)),
          after: recorded(updated),
        })
        return updated
      })
    } catch (error) {
      if (isUniqueViolation(error) && change.name !== undefined) throw dashboardExists(change.name)
      throw error
    }
  }

  async remove(name: string): Promise<void> {
    await this.#context.audited('dashboards.remove', async (tx, record) => {
      const old = await tx.selectFrom('dashboards').selectAll().where('name', '=', name).executeTakeFirst()
      const result = await tx.deleteFrom('dashboards').where('name', '=', name).executeTakeFirst()
      if (old === undefined || Number(result.numDeletedRows) === 0) throw dashboardNotFound(name)
      await record({ kind: 'dashboard', object: name, action: 'remove', before: recorded(decode(old)) })
    })
  }
}

/** What the audit log keeps of a dashboard: its name and whole definition. */
function recorded(dashboard: StoredDashboard): { name: string; definition: unknown } {
  return { name: dashboard.name, definition: dashboard.definition }
}

function decode(row: Selectable<DashboardsTable>): StoredDashboard {
  return Object.freeze({
    name: row.name,
    definition: fromJsonText(row.definition),
    createdAt: fromDbTime(row.created_at),
    updatedAt: fromDbTime(row.updated_at),
  })
}
