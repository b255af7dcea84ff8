import type { Kysely, Selectable } from 'kysely'
import type { Actor } from '../domain/audit.js'
import { recordChange, type Change } from './audit-recorder.js'
import type { LockFrame, StoreContext } from './context.js'
import { compare, datasourceNotFound } from './datasource-repo.js'
import { StoreError } from './errors.js'
import {
  SHARED_CONNECTION,
  describeConnection,
  describeLockCall,
  type ConnectionKey,
} from './connection-key.js'
import type { LockBackend } from './lock-backend.js'
import { KeyedMutex } from './mutex.js'
import {
  fromDbTime,
  fromDbTimeOrNull,
  fromJsonText,
  toDbTime,
  toDbTimeOrNull,
  toJsonText,
  type ConnectionsTable,
  type Database,
} from './schema.js'
import type { SecretBox } from './secrets.js'
import { isForeignKeyViolation } from './sql-errors.js'
import type {
  ConnectionInput,
  ConnectionRepo,
  ConnectionState,
  SaveConnection,
  StoredConnection,
} from './types.js'

/** Additional authenticated data of token envelopes (secrets.ts). */
const TOKENS_CONTEXT = 'connection-tokens'
const STATUSES: ReadonlySet<string> = new Set(['connected', 'needs_consent'])

/**
 * Connections: the tokens a datasource holds — one set, or one per person on a per-user datasource
 * (issue 15), keyed by (datasource, user). Tokens never reach the database in plain text — the
 * whole map is one secret envelope; the other columns (expiry, status, scope, site, times) are plain
 * so that they can be listed and queried.
 *
 * withLock is the store side of the token invariant (docs/architecture.md): a lock in the database
 * (rule 1), the connection re-read after taking it (rule 2), saves committed before the lock is
 * released (rule 3).
 *
 * @example
 * const tokens = await store.connections.withLock('jira', async (current, save) => {
 *   if (current && current.accessExpiresAt && current.accessExpiresAt > soon) return current.tokens
 *   const fresh = await refresh(current)            // the refresh token is spent here …
 *   return (await save(fresh)).tokens               // … so its successor is saved under the same lock
 * })
 */
export class SqlConnectionRepo implements ConnectionRepo {
  readonly #context: StoreContext
  readonly #backend: LockBackend
  readonly #mutex = new KeyedMutex()

  constructor(context: StoreContext, backend: LockBackend) {
    this.#context = context
    this.#backend = backend
  }

  async get(datasource: string, user = SHARED_CONNECTION): Promise<StoredConnection | undefined> {
    return this.#context.run('connections.get', 'read', () =>
      read(this.#context.db, this.#context.box, { datasource, user }),
    )
  }

  async list(): Promise<StoredConnection[]> {
    return this.#context.run('connections.list', 'read', async () => {
      const rows = await this.#context.db
        .selectFrom('connections')
        .selectAll()
        .where('version', '>', 0)
        .execute()
      return rows
        .map((row) => decode(row, this.#context.box))
        .sort((a, b) => compare(a.datasource, b.datasource) || compare(a.user, b.user))
    })
  }

  async listConnections(datasource: string): Promise<ConnectionState[]> {
    return this.#context.run('connections.listConnections', 'read', async () => {
      const rows = await this.#context.db
        .selectFrom('connections')
        .select([
          'user_name',
          'status',
          'status_message',
          'access_expires_at',
          'last_refresh_at',
          'last_used_at',
          'updated_at',
        ])
        .where('datasource', '=', datasource)
        .where('user_name', '<>', SHARED_CONNECTION)
        .where('version', '>', 0)
        .execute()
      return rows
        .map((row) =>
          Object.freeze({
            user: row.user_name,
            status: row.status as StoredConnection['status'],
            statusMessage: row.status_message,
            accessExpiresAt: fromDbTimeOrNull(row.access_expires_at),
            lastRefreshAt: fromDbTimeOrNull(row.last_refresh_at),
            lastUsedAt: fromDbTimeOrNull(row.last_used_at),
            updatedAt: fromDbTime(row.updated_at),
          }),
        )
        .sort((a, b) => compare(a.user, b.user))
    })
  }

  async removeConnection(datasource: string, user: string): Promise<boolean> {
    return this.#context.audited('connections.removeConnection', (tx, record) =>
      removeAudited(tx, this.#context.box, record, { datasource, user }),
    )
  }

  async put(datasource: string, input: ConnectionInput, user = SHARED_CONNECTION): Promise<StoredConnection> {
    return this.#context.audited('connections.put', (tx, _record, actor) =>
      saveAudited(tx, this.#context.box, actor, { datasource, user }, input, true),
    )
  }

  async markUsed(datasource: string, at: Date, user = SHARED_CONNECTION): Promise<void> {
    const when = toDbTime(at, 'at')
    return this.#context.run('connections.markUsed', 'write', async () => {
      await this.#context.db
        .updateTable('connections')
        .set({ last_used_at: when })
        .where('datasource', '=', datasource)
        .where('user_name', '=', user)
        .where('version', '>', 0)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', when)]))
        .execute()
    })
  }

  async remove(datasource: string, user = SHARED_CONNECTION): Promise<void> {
    await this.#context.audited('connections.remove', (tx, record) =>
      removeAudited(tx, this.#context.box, record, { datasource, user }),
    )
  }

  async withLock<T>(
    datasource: string,
    fn: (current: StoredConnection | undefined, save: SaveConnection) => Promise<T>,
    user = SHARED_CONNECTION,
  ): Promise<T> {
    const key: ConnectionKey = { datasource, user }
    const context = this.#context
    context.assertOpen()
    const outer = context.currentLock()
    if (outer !== undefined) {
      throw new StoreError(
        'QUARRY_STORE_LOCK_MISUSE',
        `${describeLockCall(key)} was called inside ${describeLockCall(outer)} on the same store: it would wait for the lock it runs under. Take one lock at a time.`,
      )
    }

    const deadline = Date.now() + context.lockTimeoutMs
    // SQLite's lock covers the whole database and is taken on one dedicated connection, so the
    // process queues all its withLock calls in one line; PostgreSQL's are per (datasource, user).
    const line = context.dialect === 'sqlite' ? '' : JSON.stringify([datasource, user])
    const release = await this.#mutex.acquire(line, deadline, () => lockTimeout(context, key))
    try {
      return await this.#backend.locked(key, deadline, async (tx) => {
        // Rule 2: whatever the last holder committed is what fn decides on.
        const current = await context.withKeyRefresh(() => read(tx, context.box, key))
        const frame: LockFrame = { context, datasource, user, active: true }
        const pending = new Set<Promise<StoredConnection>>()
        const actor = context.actor()
        const saveUnderLock: SaveConnection = (input, options) => {
          if (!frame.active) {
            return Promise.reject(
              new StoreError(
                'QUARRY_STORE_LOCK_MISUSE',
                `save() for ${describeConnection(key)} was called after withLock's fn had settled; the lock ` +
                  `is gone. Await every save() inside fn (the token invariant: new tokens are committed ` +
                  `before the lock is released).`,
              ),
            )
          }
          const saving = saveAudited(tx, context.box, actor, key, input, options?.audit === 'connect')
          pending.add(saving)
          saving.catch(() => {}) // observed below
          return saving
        }

        let outcome: { ok: true; value: T } | { ok: false; error: unknown }
        try {
          outcome = { ok: true, value: await context.runInLock(frame, () => fn(current, saveUnderLock)) }
        } catch (error) {
          outcome = { ok: false, error }
        }
        frame.active = false
        // Rule 3: a save fn started but did not await still lands (or fails) before the commit.
        const settled = await Promise.allSettled(pending)
        if (!outcome.ok) throw outcome.error
        for (const result of settled) if (result.status === 'rejected') throw result.reason
        return outcome.value
      })
    } finally {
      release()
    }
  }
}

/**
 * The QUARRY_STORE_LOCK_TIMEOUT error for a connection, raised by the in-memory queue and by the lock
 * backends alike.
 *
 * @example
 * throw lockTimeout(context, { datasource: 'jira', user: '' })
 */
export function lockTimeout(context: StoreContext, key: ConnectionKey, cause?: unknown): StoreError {
  return new StoreError(
    'QUARRY_STORE_LOCK_TIMEOUT',
    `Gave up after ${context.lockTimeoutMs / 1000} s waiting for the lock on the connection of ` +
      `${describeConnection(key)} in ${context.where}: another Quarry process or task held it all that time. Try again; ` +
      `if it keeps happening, look for a Quarry process that hangs.`,
    cause === undefined ? undefined : { cause },
  )
}

async function read(
  db: Kysely<Database>,
  box: SecretBox,
  key: ConnectionKey,
): Promise<StoredConnection | undefined> {
  const row = await db
    .selectFrom('connections')
    .selectAll()
    .where('datasource', '=', key.datasource)
    .where('user_name', '=', key.user)
    .where('version', '>', 0)
    .executeTakeFirst()
  return row === undefined ? undefined : decode(row, box)
}

/**
 * Saves the connection and records it in the audit log in the same transaction when it connects
 * (`connecting`: a consent, tokens given, an import) or its status changes (a refresh that failed:
 * needs consent). A routine refresh is not an entry: it changes nothing anyone decided.
 */
async function saveAudited(
  tx: Kysely<Database>,
  box: SecretBox,
  actor: Actor,
  key: ConnectionKey,
  input: ConnectionInput,
  connecting: boolean,
): Promise<StoredConnection> {
  const before = await read(tx, box, key)
  const saved = await save(tx, box, key, input)
  if (connecting || before?.status !== saved.status) {
    await recordChange(tx, actor, {
      kind: 'connection',
      object: auditObject(key),
      action: saved.status === 'connected' ? 'connect' : 'needs-consent',
      before: before === undefined ? undefined : audited(before),
      after: audited(saved),
    })
  }
  return saved
}

/** Deletes one connection and records it; whether there was one. */
async function removeAudited(
  tx: Kysely<Database>,
  box: SecretBox,
  record: (change: Change) => Promise<void>,
  key: ConnectionKey,
): Promise<boolean> {
  const before = await read(tx, box, key)
  await tx
    .deleteFrom('connections')
    .where('datasource', '=', key.datasource)
    .where('user_name', '=', key.user)
    .execute()
  if (before === undefined) return false
  await record({
    kind: 'connection',
    object: auditObject(key),
    action: 'disconnect',
    before: audited(before),
  })
  return true
}

/** The audit log's object of a connection: the datasource's name, `jira/alice` for a person's own. */
function auditObject(key: ConnectionKey): string {
  return key.user === SHARED_CONNECTION ? key.datasource : `${key.datasource}/${key.user}`
}

/** A connection as the audit log sees it: its tokens only as "changed" (AUDIT_KINDS masks them). */
function audited(connection: StoredConnection) {
  return {
    status: connection.status,
    statusMessage: connection.statusMessage,
    scope: connection.scope,
    site: connection.site,
    tokens: connection.tokens,
  }
}

/** Inserts or replaces the connection, one version up. */
async function save(
  db: Kysely<Database>,
  box: SecretBox,
  key: ConnectionKey,
  input: ConnectionInput,
): Promise<StoredConnection> {
  const values = encode(input, box)
  const { datasource, user } = key
  try {
    const row = await db
      .insertInto('connections')
      .values({ datasource, user_name: user, version: 1, ...values })
      .onConflict((conflict) =>
        conflict
          .columns(['datasource', 'user_name'])
          .doUpdateSet((eb) => ({ ...values, version: eb('connections.version', '+', 1) })),
      )
      .returningAll()
      .executeTakeFirstOrThrow()
    return decode(row, box)
  } catch (error) {
    if (isForeignKeyViolation(error)) throw datasourceNotFound(datasource)
    throw error
  }
}

function encode(input: ConnectionInput, box: SecretBox) {
  if (!STATUSES.has(input.status))
    throw new TypeError(`status must be 'connected' or 'needs_consent', got ${JSON.stringify(input.status)}`)
  return {
    tokens: box.encryptMap(input.tokens, TOKENS_CONTEXT),
    access_expires_at: toDbTimeOrNull(input.accessExpiresAt, 'accessExpiresAt'),
    status: input.status,
    status_message: input.statusMessage,
    scope: input.scope,
    site: input.site === undefined || input.site === null ? null : toJsonText(input.site, 'site'),
    last_refresh_at: toDbTimeOrNull(input.lastRefreshAt, 'lastRefreshAt'),
    last_used_at: toDbTimeOrNull(input.lastUsedAt, 'lastUsedAt'),
    updated_at: toDbTime(new Date(), 'now'),
  }
}

function decode(row: Selectable<ConnectionsTable>, box: SecretBox): StoredConnection {
  return Object.freeze({
    datasource: row.datasource,
    user: row.user_name,
    version: Number(row.version),
    tokens:
      row.tokens === null
        ? Object.freeze({})
        : box.decryptMap(
            row.tokens,
            TOKENS_CONTEXT,
            `the tokens of the connection of ${describeConnection({ datasource: row.datasource, user: row.user_name })}`,
          ),
    accessExpiresAt: fromDbTimeOrNull(row.access_expires_at),
    status: row.status as StoredConnection['status'],
    statusMessage: row.status_message,
    scope: row.scope,
    site: row.site === null ? null : fromJsonText(row.site),
    lastRefreshAt: fromDbTimeOrNull(row.last_refresh_at),
    lastUsedAt: fromDbTimeOrNull(row.last_used_at),
    updatedAt: fromDbTime(row.updated_at),
  })
}
