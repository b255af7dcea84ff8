import type { Kysely, Selectable } from 'kysely'
import type { Actor } from '../domain/audit.js'
import { recordChange } from './audit-recorder.js'
import type { LockFrame, StoreContext } from './context.js'
import { compare, datasourceNotFound } from './datasource-repo.js'
import { StoreError } from './errors.js'
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
import type { ConnectionInput, ConnectionRepo, SaveConnection, StoredConnection } from './types.js'

/** Additional authenticated data of token envelopes (secrets.ts). */
const TOKENS_CONTEXT = 'connection-tokens'
const STATUSES: ReadonlySet<string> = new Set(['connected', 'needs_consent'])

/**
 * Connections: the tokens a datasource holds. Tokens never reach the database in plain text — the
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

  async get(datasource: string): Promise<StoredConnection | undefined> {
    return this.#context.run('connections.get', 'read', () =>
      read(this.#context.db, this.#context.box, datasource),
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
        .sort((a, b) => compare(a.datasource, b.datasource))
    })
  }

  async put(datasource: string, input: ConnectionInput): Promise<StoredConnection> {
    return this.#context.audited('connections.put', (tx, _record, actor) =>
      saveAudited(tx, this.#context.box, actor, datasource, input, true),
    )
  }

  async markUsed(datasource: string, at: Date): Promise<void> {
    const when = toDbTime(at, 'at')
    return this.#context.run('connections.markUsed', 'write', async () => {
      await this.#context.db
        .updateTable('connections')
        .set({ last_used_at: when })
        .where('datasource', '=', datasource)
        .where('version', '>', 0)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', when)]))
        .execute()
    })
  }

  async remove(datasource: string): Promise<void> {
    return this.#context.audited('connections.remove', async (tx, record) => {
      const before = await read(tx, this.#context.box, datasource)
      await tx.deleteFrom('connections').where('datasource', '=', datasource).execute()
      if (before !== undefined) {
        await record({
          kind: 'connection',
          object: datasource,
          action: 'disconnect',
          before: audited(before),
        })
      }
    })
  }

  async withLock<T>(
    datasource: string,
    fn: (current: StoredConnection | undefined, save: SaveConnection) => Promise<T>,
  ): Promise<T> {
    const context = this.#context
    context.assertOpen()
    const outer = context.currentLock()
    if (outer !== undefined) {
      throw new StoreError(
        'QUARRY_STORE_LOCK_MISUSE',
        `connections.withLock("${datasource}") was called inside connections.withLock("${outer.datasource}") ` +
          `on the same store: it would wait for the lock it runs under. Take one lock at a time.`,
      )
    }

    const deadline = Date.now() + context.lockTimeoutMs
    // SQLite's lock covers the whole database and is taken on one dedicated connection, so the
    // process queues all its withLock calls in one line; PostgreSQL's are per datasource.
    const line = context.dialect === 'sqlite' ? '' : datasource
    const release = await this.#mutex.acquire(line, deadline, () => lockTimeout(context, datasource))
    try {
      return await this.#backend.locked(datasource, deadline, async (tx) => {
        // Rule 2: whatever the last holder committed is what fn decides on.
        const current = await context.withKeyRefresh(() => read(tx, context.box, datasource))
        const frame: LockFrame = { context, datasource, active: true }
        const pending = new Set<Promise<StoredConnection>>()
        const actor = context.actor()
        const saveUnderLock: SaveConnection = (input, options) => {
          if (!frame.active) {
            return Promise.reject(
              new StoreError(
                'QUARRY_STORE_LOCK_MISUSE',
                `save() for datasource "${datasource}" was called after withLock's fn had settled; the lock ` +
                  `is gone. Await every save() inside fn (the token invariant: new tokens are committed ` +
                  `before the lock is released).`,
              ),
            )
          }
          const saving = saveAudited(tx, context.box, actor, datasource, input, options?.audit === 'connect')
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
 * The QUARRY_STORE_LOCK_TIMEOUT error for `datasource`, raised by the in-memory queue and by the lock
 * backends alike.
 *
 * @example
 * throw lockTimeout(context, 'jira')
 */
export function lockTimeout(context: StoreContext, datasource: string, cause?: unknown): StoreError {
  return new StoreError(
    'QUARRY_STORE_LOCK_TIMEOUT',
    `Gave up after ${context.lockTimeoutMs / 1000} s waiting for the lock on the connection of datasource ` +
      `"${datasource}" in ${context.where}: another Quarry process or task held it all that time. Try again; ` +
      `if it keeps happening, look for a Quarry process that hangs.`,
    cause === undefined ? undefined : { cause },
  )
}

async function read(
  db: Kysely<Database>,
  box: SecretBox,
  datasource: string,
): Promise<StoredConnection | undefined> {
  const row = await db
    .selectFrom('connections')
    .selectAll()
    .where('datasource', '=', datasource)
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
  datasource: string,
  input: ConnectionInput,
  connecting: boolean,
): Promise<StoredConnection> {
  const before = await read(tx, box, datasource)
  const saved = await save(tx, box, datasource, input)
  if (connecting || before?.status !== saved.status) {
    await recordChange(tx, actor, {
      kind: 'connection',
      object: datasource,
      action: saved.status === 'connected' ? 'connect' : 'needs-consent',
      before: before === undefined ? undefined : audited(before),
      after: audited(saved),
    })
  }
  return saved
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
  datasource: string,
  input: ConnectionInput,
): Promise<StoredConnection> {
  const values = encode(input, box)
  try {
    const row = await db
      .insertInto('connections')
      .values({ datasource, version: 1, ...values })
      .onConflict((conflict) =>
        conflict
          .column('datasource')
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
    version: Number(row.version),
    tokens:
      row.tokens === null
        ? Object.freeze({})
        : box.decryptMap(
            row.tokens,
            TOKENS_CONTEXT,
            `the tokens of the connection of datasource "${row.datasource}"`,
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
