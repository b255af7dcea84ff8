import { randomBytes } from 'node:crypto'
import type { Selectable } from 'kysely'
import type { StoreContext } from './context.js'
import { compare } from './datasource-repo.js'
import { StoreError } from './errors.js'
import {
  fromDbTime,
  fromDbTimeOrNull,
  fromJsonText,
  toDbTime,
  toJsonText,
  type SubscriptionsTable,
} from './schema.js'
import { isForeignKeyViolation, isUniqueViolation } from './sql-errors.js'
import type { StoredSubscription, SubscriptionInput, SubscriptionRepo } from './types.js'

/** Additional authenticated data of subscription secret envelopes (secrets.ts). */
export const SUBSCRIPTION_SECRETS_CONTEXT = 'subscription-secrets'

/** The secret that keys a subscription's unsubscribe links: made at creation, never shown. */
export const UNSUBSCRIBE_KEY = 'unsubscribe-key'

/** The error for a subscription name that is not in the store. */
export function subscriptionNotFound(name: string): StoreError {
  return new StoreError(
    'QUARRY_SUBSCRIPTION_NOT_FOUND',
    `No subscription named "${name}". List the subscriptions with: quarry subscription list`,
  )
}

/**
 * Subscriptions (issue 16): the definition as JSON the store does not look inside, the SMTP login and
 * the unsubscribe key as one envelope, and how the last mailing went.
 *
 * @example await store.subscriptions.create({ name: 'weekly', schedule: 'monday', config, secrets })
 */
export class SqlSubscriptionRepo implements SubscriptionRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async list(): Promise<StoredSubscription[]> {
    return this.#context.run('subscriptions.list', 'read', async () => {
      const rows = await this.#context.db.selectFrom('subscriptions').selectAll().execute()
      return rows.map((row) => this.#decode(row)).sort((a, b) => compare(a.name, b.name))
    })
  }

  async forSchedule(schedule: string): Promise<StoredSubscription[]> {
    return this.#context.run('subscriptions.forSchedule', 'read', async () => {
      const rows = await this.#context.db
        .selectFrom('subscriptions')
        .selectAll()
        .where('schedule', '=', schedule)
        .execute()
      return rows.map((row) => this.#decode(row)).sort((a, b) => compare(a.name, b.name))
    })
  }

  async get(name: string): Promise<StoredSubscription | undefined> {
    return this.#context.run('subscriptions.get', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('subscriptions')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst()
      return row === undefined ? undefined : this.#decode(row)
    })
  }

  async create(input: SubscriptionInput): Promise<StoredSubscription> {
    const now = toDbTime(new Date(), 'now')
    const secrets = { ...input.secrets, [UNSUBSCRIBE_KEY]: randomBytes(32).toString('base64url') }
    const values = {
      name: input.name,
      schedule: input.schedule,
      config: toJsonText(input.config, 'config'),
      secrets: this.#context.box.encryptMap(secrets, SUBSCRIPTION_SECRETS_CONTEXT),
      last_sent_at: null,
      last_error: null,
      created_at: now,
      updated_at: now,
    }
    try {
      return await this.#context.audited('subscriptions.create', async (tx, record) => {
        const row = await tx
          .insertInto('subscriptions')
          .values(values)
          .returningAll()
          .executeTakeFirstOrThrow()
        await record({ kind: 'subscription', object: input.name, action: 'create', after: recorded(row) })
        return this.#decode(row)
      })
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new StoreError(
          'QUARRY_SUBSCRIPTION_EXISTS',
          `A subscription named "${input.name}" already exists. Choose another name, or remove the existing one.`,
        )
      }
      if (isForeignKeyViolation(error)) {
        throw new StoreError(
          'QUARRY_SCHEDULE_NOT_FOUND',
          `No schedule named "${input.schedule}" for the subscription to follow. List the schedules with: quarry schedule list`,
        )
      }
      throw error
    }
  }

  async updateConfig(name: string, change: (config: unknown) => unknown): Promise<StoredSubscription> {
    return this.#context.audited('subscriptions.updateConfig', async (tx, record) => {
      const old = await tx.selectFrom('subscriptions').selectAll().where('name', '=', name).executeTakeFirst()
      if (old === undefined) throw subscriptionNotFound(name)
      const row = await tx
        .updateTable('subscriptions')
        .set({
          config: toJsonText(change(fromJsonText(old.config)), 'config'),
          updated_at: toDbTime(new Date(), 'now'),
        })
        .where('name', '=', name)
        .returningAll()
        .executeTakeFirstOrThrow()
      await record({
        kind: 'subscription',
        object: name,
        action: 'update',
        before: recorded(old),
        after: recorded(row),
      })
      return this.#decode(row)
    })
  }

  async recordSending(name: string, at: Date, error: string | null): Promise<void> {
    await this.#context.run('subscriptions.recordSending', 'write', async () => {
      await this.#context.db
        .updateTable('subscriptions')
        .set({ last_sent_at: toDbTime(at, 'at'), last_error: error })
        .where('name', '=', name)
        .execute()
    })
  }

  async remove(name: string): Promise<void> {
    await this.#context.audited('subscriptions.remove', async (tx, record) => {
      const old = await tx.selectFrom('subscriptions').selectAll().where('name', '=', name).executeTakeFirst()
      const result = await tx.deleteFrom('subscriptions').where('name', '=', name).executeTakeFirst()
      if (old === undefined || Number(result.numDeletedRows) === 0) throw subscriptionNotFound(name)
      await record({ kind: 'subscription', object: name, action: 'remove', before: recorded(old) })
    })
  }

  #decode(row: Selectable<SubscriptionsTable>): StoredSubscription {
    return Object.freeze({
      name: row.name,
      schedule: row.schedule,
      config: fromJsonText(row.config),
      secrets: this.#context.box.decryptMap(
        row.secrets,
        SUBSCRIPTION_SECRETS_CONTEXT,
        `the secrets of subscription "${row.name}"`,
      ),
      lastSentAt: fromDbTimeOrNull(row.last_sent_at),
      lastError: row.last_error,
      createdAt: fromDbTime(row.created_at),
      updatedAt: fromDbTime(row.updated_at),
    })
  }
}

/** What the audit log keeps of a subscription: its definition, never its secrets envelope. */
function recorded(row: Selectable<SubscriptionsTable>): { name: string; schedule: string; config: unknown } {
  return { name: row.name, schedule: row.schedule, config: fromJsonText(row.config) }
}
