import { ALERT_SECRETS_CONTEXT } from './alert-repo.js'
import { SUBSCRIPTION_SECRETS_CONTEXT } from './subscription-repo.js'
import { sql, type Kysely } from 'kysely'
import type { StoreContext } from './context.js'
import { StoreError } from './errors.js'
import type { Database } from './schema.js'
import { KEY_CHECK_ROW, KEY_RING_CONTEXT, KEY_RING_PREFIX, sealKeyCheck } from './secret-key.js'
import { envelopeKeyId, keyIdOf, type SecretBox } from './secrets.js'
import type { ConnectionRepo } from './types.js'

/**
 * `quarry secrets rotate-key`, without downtime for the other processes on the store:
 * 1. start: the new key goes into the store sealed under the old one, and the old under the new
 *    (meta rows `secret_key_ring:<id>`), and the key check value is sealed with the new key — so a
 *    process that knows either key learns the other (secret-key.ts refreshKeyRing) and seals new
 *    values with the new one; then every sealed value is sealed again with the new key. Connections
 *    are resealed under their lock (connections.withLock), so a refresh running meanwhile is never
 *    overwritten: the token invariant holds.
 * 2. finish (after every process was restarted with the new key): values a process sealed with the
 *    old key meanwhile are sealed again, and the ring rows are dropped, so the old key opens nothing.
 */
export interface RotationSummary {
  readonly oldKeyId: string
  readonly newKeyId: string
  /** Sealed values resealed, by what they are. */
  readonly resealed: Readonly<Record<string, number>>
}

const DATASOURCE_CONTEXT = 'datasource-secrets'

/** Starts a rotation to `newKey` and reseals everything (step 1). */
export async function startKeyRotation(
  context: StoreContext,
  connections: ConnectionRepo,
  newKey: Buffer,
): Promise<RotationSummary> {
  const { db, box } = context
  const oldKeyId = box.keyId
  const newKeyId = keyIdOf(newKey)
  if (newKeyId === oldKeyId) {
    throw new StoreError(
      'QUARRY_KEY_ROTATION_STATE',
      `The new key is the store's current key ${oldKeyId}. Make a new one: openssl rand -base64 32`,
    )
  }
  if ((await ringRows(db)).length > 0) {
    throw new StoreError(
      'QUARRY_KEY_ROTATION_STATE',
      `A key rotation of the store ${context.where} is unfinished. Restart every Quarry process with the newer ` +
        `key, then run: quarry secrets rotate-key --finish`,
    )
  }
  box.addKey(newKey)
  const newSealedUnderOld = box.encrypt(newKey.toString('base64'), KEY_RING_CONTEXT)
  box.sealWith(newKeyId)
  const oldSealedUnderNew = box.encrypt(box.keyById(oldKeyId)?.toString('base64') ?? '', KEY_RING_CONTEXT)
  const check = sealKeyCheck(box)
  await context.run('secrets.rotateKey', 'write', () =>
    db.transaction().execute(async (trx) => {
      await trx
        .insertInto('meta')
        .values([
          { key: `${KEY_RING_PREFIX}${newKeyId}`, value: newSealedUnderOld },
          { key: `${KEY_RING_PREFIX}${oldKeyId}`, value: oldSealedUnderNew },
        ])
        .execute()
      await trx.updateTable('meta').set({ value: check }).where('key', '=', KEY_CHECK_ROW).execute()
    }),
  )
  return { oldKeyId, newKeyId, resealed: await resealAll(context, connections) }
}

/** Finishes a rotation (step 2); the process must run with the new key itself. */
export async function finishKeyRotation(
  context: StoreContext,
  connections: ConnectionRepo,
): Promise<RotationSummary> {
  const { db, box } = context
  const ring = await ringRows(db)
  if (ring.length === 0) {
    throw new StoreError(
      'QUARRY_KEY_ROTATION_STATE',
      `No key rotation of the store ${context.where} is in progress: there is nothing to finish.`,
    )
  }
  if (box.ownKeyId !== box.keyId) {
    throw new StoreError(
      'QUARRY_KEY_ROTATION_STATE',
      `This process runs with the old key ${box.ownKeyId} (from ${box.source}); the store now seals with ` +
        `${box.keyId}. Finish the rotation with the new key: set QUARRY_SECRET_KEY to it (or put it in the key ` +
        `file), restart every other Quarry process with it, then run --finish again.`,
    )
  }
  const oldKeyId =
    ring.map((row) => row.key.slice(KEY_RING_PREFIX.length)).find((id) => id !== box.keyId) ?? ''
  const resealed = await resealAll(context, connections)
  // A sealed value resealAll does not know (a column a later migration added without a line there)
  // would open with nothing once the ring is gone: look for any before dropping it.
  const left = await valuesSealedWith(context, oldKeyId)
  if (left.length > 0) {
    throw new StoreError(
      'QUARRY_KEY_ROTATION_STATE',
      `The store ${context.where} still holds values sealed with the old key ${oldKeyId} in ${left.join(', ')}, ` +
        `which rotate-key does not reseal (a Quarry bug: report it). The rotation stays open, so both keys ` +
        `keep working; do not remove the old key.`,
    )
  }
  await context.run('secrets.finishRotation', 'write', () =>
    db.deleteFrom('meta').where('key', 'like', `${KEY_RING_PREFIX}%`).execute(),
  )
  return { oldKeyId, newKeyId: box.keyId, resealed }
}

function ringRows(db: Kysely<Database>) {
  return db.selectFrom('meta').select(['key', 'value']).where('key', 'like', `${KEY_RING_PREFIX}%`).execute()
}

async function resealAll(
  context: StoreContext,
  connections: ConnectionRepo,
): Promise<Record<string, number>> {
  const { db, box } = context
  const resealed = { datasources: 0, alerts: 0, subscriptions: 0, connections: 0, 'consent states': 0 }

  for (const { name } of await db.selectFrom('datasources').select('name').execute()) {
    resealed.datasources += await resealRow(context, box, {
      read: () =>
        db.selectFrom('datasources').select('secrets as value').where('name', '=', name).executeTakeFirst(),
      write: (old, value) =>
        db
          .updateTable('datasources')
          .set({ secrets: value })
          .where('name', '=', name)
          .where('secrets', '=', old)
          .executeTakeFirst(),
      context: DATASOURCE_CONTEXT,
      what: `the secrets of datasource "${name}"`,
    })
  }

  // Alerts and subscriptions alike: a row per name, its secrets one envelope.
  const named = [
    { table: 'alerts', kind: 'alert', count: 'alerts', context: ALERT_SECRETS_CONTEXT },
    {
      table: 'subscriptions',
      kind: 'subscription',
      count: 'subscriptions',
      context: SUBSCRIPTION_SECRETS_CONTEXT,
    },
  ] as const
  for (const { table, kind, count, context: aad } of named) {
    for (const { name } of await db.selectFrom(table).select('name').execute()) {
      resealed[count] += await resealRow(context, box, {
        read: () =>
          db.selectFrom(table).select('secrets as value').where('name', '=', name).executeTakeFirst(),
        write: (old, value) =>
          db
            .updateTable(table)
            .set({ secrets: value })
            .where('name', '=', name)
            .where('secrets', '=', old)
            .executeTakeFirst(),
        context: aad,
        what: `the secrets of ${kind} "${name}"`,
      })
    }
  }

  const names = await db
    .selectFrom('connections')
    .select(['datasource', 'user_name'])
    .where('version', '>', 0)
    .execute()
  for (const { datasource, user_name: user } of names) {
    // Under the connection's lock: a refresh holding it finishes first, and its tokens are what is resealed.
    // Every person's connection of a per-user datasource (issue 15) is a row of its own.
    const done = await connections.withLock(
      datasource,
      async (current, save) => {
        if (current === undefined) return 0
        await save({
          tokens: current.tokens,
          accessExpiresAt: current.accessExpiresAt,
          status: current.status,
          statusMessage: current.statusMessage,
          scope: current.scope,
          site: current.site,
          lastRefreshAt: current.lastRefreshAt,
          lastUsedAt: current.lastUsedAt,
        })
        return 1
      },
      user,
    )
    resealed.connections += done
  }

  for (const { state_hash: hash } of await db.selectFrom('consent_states').select('state_hash').execute()) {
    resealed['consent states'] += await resealRow(context, box, {
      read: () =>
        db
          .selectFrom('consent_states')
          .select('details as value')
          .where('state_hash', '=', hash)
          .executeTakeFirst(),
      write: (old, value) =>
        db
          .updateTable('consent_states')
          .set({ details: value })
          .where('state_hash', '=', hash)
          .where('details', '=', old)
          .executeTakeFirst(),
      context: `consent:${hash}`,
      what: 'a consent state',
    })
  }
  return resealed
}

/**
 * Seals one value again with the box's key, if another key sealed it. The write is a compare-and-swap
 * on the old envelope: a value another process changed meanwhile is read again, never overwritten.
 */
async function resealRow(
  context: StoreContext,
  box: SecretBox,
  row: {
    read: () => Promise<{ value: string } | undefined>
    write: (old: string, value: string) => Promise<{ numUpdatedRows: bigint }>
    context: string
    what: string
  },
): Promise<number> {
  for (;;) {
    const current = await context.run('secrets.rotateKey', 'read', row.read)
    if (current === undefined || envelopeKeyId(current.value) === box.keyId) return 0
    const value = box.encrypt(box.decrypt(current.value, row.context, row.what), row.context)
    const result = await context.run('secrets.rotateKey', 'write', () => row.write(current.value, value))
    if (result.numUpdatedRows > 0n) return 1
  }
}

/** Every `table.column (count)` that holds values sealed with `keyId`, found from the catalog. */
async function valuesSealedWith(context: StoreContext, keyId: string): Promise<string[]> {
  const { db, dialect } = context
  const columns =
    dialect === 'sqlite'
      ? await sql<{ table: string; column: string }>`select m.name as "table", c.name as "column"
          from sqlite_master m join pragma_table_info(m.name) c
          where m.type = 'table' and m.name not like 'sqlite_%' and upper(c.type) = 'TEXT'`.execute(db)
      : await sql<{ table: string; column: string }>`select table_name as "table", column_name as "column"
          from information_schema.columns where table_schema = current_schema() and data_type = 'text'`.execute(
          db,
        )
  const found: string[] = []
  for (const { table, column } of columns.rows) {
    if (table === 'meta' && column === 'value') continue // the ring rows themselves
    const result = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}
      where ${sql.ref(column)} like ${`v1.${keyId}.%`}`.execute(db)
    const count = Number(result.rows[0]?.n ?? 0)
    if (count > 0) found.push(`${table}.${column} (${count})`)
  }
  return found
}
