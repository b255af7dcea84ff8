import { AsyncLocalStorage } from 'node:async_hooks'
import type { Kysely } from 'kysely'
import type { Actor } from '../domain/audit.js'
import { currentActor, recordChange, type Change } from './audit-recorder.js'
import { describeLockCall } from './connection-key.js'
import { StoreError, isStoreError } from './errors.js'
import type { Dialect } from './migrations.js'
import { retryWhileBusy } from './retry.js'
import type { Database } from './schema.js'
import { refreshKeyRing } from './secret-key.js'
import type { SecretBox } from './secrets.js'

/** The withLock call an async task runs inside, if any. */
export interface LockFrame {
  readonly context: StoreContext
  readonly datasource: string
  /** The connection's user: '' for the shared one (connection-repo.ts). */
  readonly user: string
  /** Cleared when fn settles: a save() or write that comes later is not under the lock any more. */
  active: boolean
}

const lockFrames = new AsyncLocalStorage<LockFrame>()

/**
 * What every repository of one store shares: the dialect, Kysely, the secret box, and the rules each
 * operation goes through (store open; no writes from inside withLock; SQLite's busy waits).
 */
export class StoreContext {
  readonly dialect: Dialect
  readonly db: Kysely<Database>
  readonly box: SecretBox
  /** The store's path or redacted URL, for messages. */
  readonly where: string
  /** How long to wait for a lock: withLock's deadline, and SQLite's busy deadline. */
  readonly lockTimeoutMs: number
  /** Who changes made outside any actingAs() are recorded as made by (the CLI's `cli` actor). */
  readonly defaultActor: Actor | undefined
  #closed = false

  constructor(options: {
    dialect: Dialect
    db: Kysely<Database>
    box: SecretBox
    where: string
    lockTimeoutMs: number
    defaultActor?: Actor
  }) {
    this.dialect = options.dialect
    this.db = options.db
    this.box = options.box
    this.where = options.where
    this.lockTimeoutMs = options.lockTimeoutMs
    this.defaultActor = options.defaultActor
  }

  /** Who the calling task's changes are recorded as made by. */
  actor(): Actor {
    return currentActor(this.defaultActor)
  }

  /**
   * Runs a write that changes configuration: `body` gets the executor of one transaction and a
   * `record` that writes an audit entry inside it (audit-recorder.ts), so the change and its entry
   * commit together or not at all.
   */
  audited<T>(
    operation: string,
    body: (tx: Kysely<Database>, record: (change: Change) => Promise<void>, actor: Actor) => Promise<T>,
  ): Promise<T> {
    return this.run(operation, 'write', () => {
      const actor = this.actor()
      return this.db
        .transaction()
        .execute((tx) => body(tx, (change) => recordChange(tx, actor, change), actor))
    })
  }

  markClosed(): void {
    this.#closed = true
  }

  /**
   * Runs one repository operation. `body` must be a single statement or a transaction, so that on
   * SQLite it can be run again when another process holds the write lock: such an attempt failed
   * before it changed anything. The retry sleeps outside Kysely's connection mutex, so the other
   * tasks of this process (a withLock holder reading a datasource, say) keep the connection meanwhile.
   */
  async run<T>(operation: string, mode: 'read' | 'write', body: () => Promise<T>): Promise<T> {
    this.assertOpen()
    if (mode === 'write') {
      const frame = this.currentLock()
      if (frame !== undefined) {
        throw new StoreError(
          'QUARRY_STORE_LOCK_MISUSE',
          `${operation} was called inside ${describeLockCall(frame)} on the same store: it ` +
            `would wait for the lock it runs under. Inside withLock, write only through save(); do other ` +
            `writes after withLock resolves.`,
        )
      }
    }
    const attempt = () =>
      this.dialect === 'postgres'
        ? body()
        : retryWhileBusy(body, Date.now() + this.lockTimeoutMs, (cause) => this.busy(operation, cause))
    return this.withKeyRefresh(attempt)
  }

  /**
   * Runs `body`; when it meets a value sealed with a key this process does not know, reloads the key
   * ring once (a key rotation may have started in another process: secret-key.ts refreshKeyRing) and
   * runs it again. A body that still fails that way fails with the mismatch.
   */
  async withKeyRefresh<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body()
    } catch (error) {
      if (!isStoreError(error, 'QUARRY_SECRET_KEY_MISMATCH')) throw error
      const known = this.box.keyIds().length
      await refreshKeyRing(this.db, this.box)
      if (this.box.keyIds().length === known) throw error
      return body()
    }
  }

  assertOpen(): void {
    if (this.#closed) {
      throw new StoreError(
        'QUARRY_STORE_CLOSED',
        `The store ${this.where} was used after close(); open it again.`,
      )
    }
  }

  /** The active withLock frame of this store that the calling task runs inside, if any. */
  currentLock(): LockFrame | undefined {
    const frame = lockFrames.getStore()
    return frame !== undefined && frame.context === this && frame.active ? frame : undefined
  }

  /** Runs `fn` marked as being inside withLock(`datasource`). */
  runInLock<T>(frame: LockFrame, fn: () => Promise<T>): Promise<T> {
    return lockFrames.run(frame, fn)
  }

  busy(operation: string, cause: unknown): StoreError {
    return new StoreError(
      'QUARRY_STORE_BUSY',
      `${operation} gave up after ${this.lockTimeoutMs / 1000} s: the SQLite store ${this.where} stayed locked ` +
        `by another process (for example one refreshing a token). Try again; if it persists, look for a ` +
        `Quarry process that hangs.`,
      { cause },
    )
  }
}
