import { randomUUID } from 'node:crypto'
import type { Kysely, Selectable } from 'kysely'
import type { StoreContext } from './context.js'
import { compare } from './datasource-repo.js'
import { StoreError } from './errors.js'
import {
  fromDbTime,
  fromDbTimeOrNull,
  fromJsonText,
  toDbTime,
  toJsonText,
  type AlertEventsTable,
  type AlertsTable,
  type Database,
} from './schema.js'
import { isForeignKeyViolation, isUniqueViolation } from './sql-errors.js'
import type {
  AlertCheckOutcome,
  AlertCheckRecord,
  AlertEvent,
  AlertInput,
  AlertPatch,
  AlertRepo,
  StoredAlert,
} from './types.js'

/** How many of an alert's latest events the store keeps: enough history to read, never a growing table. */
export const ALERT_EVENTS_KEPT = 100

/** Additional authenticated data of alert secret envelopes (secrets.ts). */
export const ALERT_SECRETS_CONTEXT = 'alert-secrets'

/**
 * The error for an alert name that is not in the store.
 *
 * @example if (row === undefined) throw alertNotFound('blockers')
 */
export function alertNotFound(name: string): StoreError {
  return new StoreError(
    'QUARRY_ALERT_NOT_FOUND',
    `No alert named "${name}". List the alerts with: quarry alert list`,
  )
}

function alertExists(name: string): StoreError {
  return new StoreError(
    'QUARRY_ALERT_EXISTS',
    `An alert named "${name}" already exists. Choose another name, or edit the existing one.`,
  )
}

function queryMissing(name: string): StoreError {
  return new StoreError(
    'QUARRY_QUERY_NOT_FOUND',
    `No query named "${name}" for the alert to watch. List the queries with: quarry query list`,
  )
}

/**
 * Alerts (issue 16): the definition as JSON the store does not look inside, the channels' secrets as
 * one envelope, and the state its checks found; with a log of its changes and their deliveries.
 *
 * @example await store.alerts.create({ name: 'blockers', query: 'open-issues', config, secrets })
 */
export class SqlAlertRepo implements AlertRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async list(): Promise<StoredAlert[]> {
    return this.#context.run('alerts.list', 'read', async () => {
      const rows = await this.#context.db.selectFrom('alerts').selectAll().execute()
      return rows.map((row) => this.#decode(row)).sort((a, b) => compare(a.name, b.name))
    })
  }

  async get(name: string): Promise<StoredAlert | undefined> {
    return this.#context.run('alerts.get', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('alerts')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst()
      return row === undefined ? undefined : this.#decode(row)
    })
  }

  async create(input: AlertInput): Promise<StoredAlert> {
    const now = toDbTime(new Date(), 'now')
    const values = {
      name: input.name,
      query: input.query,
      config: toJsonText(input.config, 'config'),
      secrets: this.#context.box.encryptMap(input.secrets, ALERT_SECRETS_CONTEXT),
      state: 'ok',
      notified_state: 'ok',
      last_error: null,
      last_checked_at: null,
      last_changed_at: null,
      created_at: now,
      updated_at: now,
    }
    try {
      return await this.#context.audited('alerts.create', async (tx, record) => {
        const row = await tx.insertInto('alerts').values(values).returningAll().executeTakeFirstOrThrow()
        await record({ kind: 'alert', object: input.name, action: 'create', after: recorded(row) })
        return this.#decode(row)
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw alertExists(input.name)
      if (isForeignKeyViolation(error)) throw queryMissing(input.query)
      throw error
    }
  }

  async update(name: string, patch: AlertPatch): Promise<StoredAlert> {
    const changes = {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.query === undefined ? {} : { query: patch.query }),
      ...(patch.config === undefined ? {} : { config: toJsonText(patch.config, 'config') }),
      ...(patch.secrets === undefined
        ? {}
        : { secrets: this.#context.box.encryptMap(patch.secrets, ALERT_SECRETS_CONTEXT) }),
      updated_at: toDbTime(new Date(), 'now'),
    }
    try {
      return await this.#context.audited('alerts.update', async (tx, record) => {
        const old = await tx.selectFrom('alerts').selectAll().where('name', '=', name).executeTakeFirst()
        const row = await tx
          .updateTable('alerts')
          .set(changes)
          .where('name', '=', name)
          .returningAll()
          .executeTakeFirst()
        if (old === undefined || row === undefined) throw alertNotFound(name)
        await record({
          kind: 'alert',
          object: row.name,
          action: 'update',
          before: recorded(old),
          after: recorded(row),
        })
        return this.#decode(row)
      })
    } catch (error) {
      if (isUniqueViolation(error) && patch.name !== undefined) throw alertExists(patch.name)
      if (isForeignKeyViolation(error) && patch.query !== undefined) throw queryMissing(patch.query)
      throw error
    }
  }

  async remove(name: string): Promise<void> {
    await this.#context.audited('alerts.remove', async (tx, record) => {
      const old = await tx.selectFrom('alerts').selectAll().where('name', '=', name).executeTakeFirst()
      const result = await tx.deleteFrom('alerts').where('name', '=', name).executeTakeFirst()
      if (old === undefined || result.numDeletedRows === 0n) throw alertNotFound(name)
      await record({ kind: 'alert', object: name, action: 'remove', before: recorded(old) })
    })
  }

  async recordCheck(name: string, check: AlertCheckRecord): Promise<AlertCheckOutcome> {
    const at = toDbTime(check.at, 'at')
    return this.#context.run('alerts.recordCheck', 'write', () =>
      this.#context.db.transaction().execute(async (tx) => {
        const row = await tx
          .selectFrom('alerts')
          .select(['state', 'notified_state'])
          .where('name', '=', name)
          .executeTakeFirst()
        if (row === undefined) throw alertNotFound(name)
        const previous = row.state as StoredAlert['state']
        const seen = {
          state: check.state,
          last_error: check.error,
          last_checked_at: at,
          ...(previous === check.state ? {} : { last_changed_at: at }),
        }
        const told = row.notified_state as StoredAlert['notifiedState']
        if (check.condition === null || check.condition === told) {
          await tx.updateTable('alerts').set(seen).where('name', '=', name).execute()
          return { changed: false, previous, eventId: undefined }
        }
        // Compare-and-set on the notified state: of two processes that both saw the change, the
        // second finds it made already and does not notify again.
        const moved = await tx
          .updateTable('alerts')
          .set({ ...seen, notified_state: check.condition })
          .where('name', '=', name)
          .where('notified_state', '=', told)
          .executeTakeFirst()
        if (moved.numUpdatedRows === 0n) return { changed: false, previous, eventId: undefined }
        const eventId = randomUUID()
        await tx
          .insertInto('alert_events')
          .values({
            id: eventId,
            alert: name,
            at,
            kind: 'change',
            from_state: told,
            to_state: check.condition,
            summary: check.summary,
            deliveries: null,
          })
          .execute()
        await pruneEvents(tx, name)
        return { changed: true, previous, eventId }
      }),
    )
  }

  async addEvent(event: Omit<AlertEvent, 'id'>): Promise<string> {
    const id = randomUUID()
    const values = {
      id,
      alert: event.alert,
      at: toDbTime(event.at, 'at'),
      kind: event.kind,
      from_state: event.from,
      to_state: event.to,
      summary: event.summary,
      deliveries: event.deliveries === null ? null : toJsonText(event.deliveries, 'deliveries'),
    }
    return this.#context.run('alerts.addEvent', 'write', async () => {
      try {
        await this.#context.db.transaction().execute(async (tx) => {
          await tx.insertInto('alert_events').values(values).execute()
          await pruneEvents(tx, event.alert)
        })
      } catch (error) {
        if (isForeignKeyViolation(error)) throw alertNotFound(event.alert)
        throw error
      }
      return id
    })
  }

  async setDeliveries(id: string, deliveries: unknown): Promise<void> {
    const text = toJsonText(deliveries, 'deliveries')
    return this.#context.run('alerts.setDeliveries', 'write', async () => {
      await this.#context.db
        .updateTable('alert_events')
        .set({ deliveries: text })
        .where('id', '=', id)
        .execute()
    })
  }

  async events(name: string, limit: number): Promise<AlertEvent[]> {
    return this.#context.run('alerts.events', 'read', async () => {
      const rows = await this.#context.db
        .selectFrom('alert_events')
        .selectAll()
        .where('alert', '=', name)
        .orderBy('at', 'desc')
        .orderBy('id')
        .limit(limit)
        .execute()
      return rows.map(decodeEvent)
    })
  }

  #decode(row: Selectable<AlertsTable>): StoredAlert {
    return Object.freeze({
      name: row.name,
      query: row.query,
      config: fromJsonText(row.config),
      secrets: this.#context.box.decryptMap(
        row.secrets,
        ALERT_SECRETS_CONTEXT,
        `the secrets of alert "${row.name}"`,
      ),
      state: row.state as StoredAlert['state'],
      notifiedState: row.notified_state as StoredAlert['notifiedState'],
      lastError: row.last_error,
      lastCheckedAt: fromDbTimeOrNull(row.last_checked_at),
      lastChangedAt: fromDbTimeOrNull(row.last_changed_at),
      createdAt: fromDbTime(row.created_at),
      updatedAt: fromDbTime(row.updated_at),
    })
  }
}

/** Deletes an alert's events older than its ALERT_EVENTS_KEPT latest (inside the caller's transaction). */
async function pruneEvents(db: Kysely<Database>, alert: string): Promise<void> {
  const kept = db
    .selectFrom('alert_events')
    .select('id')
    .where('alert', '=', alert)
    .orderBy('at', 'desc')
    .orderBy('id')
    .limit(ALERT_EVENTS_KEPT)
  await db.deleteFrom('alert_events').where('alert', '=', alert).where('id', 'not in', kept).execute()
}

function decodeEvent(row: Selectable<AlertEventsTable>): AlertEvent {
  return Object.freeze({
    id: row.id,
    alert: row.alert,
    at: fromDbTime(row.at),
    kind: row.kind as AlertEvent['kind'],
    from: row.from_state,
    to: row.to_state,
    summary: row.summary,
    deliveries: row.deliveries === null ? null : fromJsonText(row.deliveries),
  })
}

/** What the audit log records of an alert: its definition as stored in the clear, never its secrets. */
function recorded(row: Selectable<AlertsTable>): { name: string; query: string; config: unknown } {
  return { name: row.name, query: row.query, config: fromJsonText(row.config) }
}
