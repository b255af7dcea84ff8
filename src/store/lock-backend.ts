import type { Kysely } from 'kysely'
import type { ConnectionKey } from './connection-key.js'
import type { StoreError } from './errors.js'
import type { Database } from './schema.js'

/**
 * How one dialect holds the token invariant's lock in the store itself (docs/architecture.md, "The
 * token invariant", rule 1). The lock lives exactly as long as one database transaction: it cannot be
 * outlived by a slow holder, released by another holder, or leaked by a process that dies — the
 * database ends a dead client's transaction.
 */
export interface LockBackend {
  /**
   * Takes the lock on the connection `key` names (failing with `timeout()` once `deadline`, a
   * `Date.now()` value, passes, and with QUARRY_DATASOURCE_NOT_FOUND for an unknown datasource), runs
   * `body` with the executor of the transaction that holds it, then commits — or rolls back when
   * `body` throws.
   */
  locked<T>(key: ConnectionKey, deadline: number, body: (tx: Kysely<Database>) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** Builds the QUARRY_STORE_LOCK_TIMEOUT error for a connection. */
export type LockTimeoutError = (key: ConnectionKey, cause?: unknown) => StoreError
