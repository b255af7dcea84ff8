import { userInfo } from 'node:os'
import type { Actor } from '../domain/audit.js'
import { ConverterPool } from '../convert/pool.js'
import type { EngineDeps } from '../engine/deps.js'
import { closeSqlPools } from '../engine/sql-module.js'
import { openStore, type OpenStoreOptions, type Store } from '../store/index.js'

/** Global options every command that touches the store understands. */
export interface StoreFlags {
  readonly db?: string
}

/**
 * Opens the store the flags and environment point at: `QUARRY_DATABASE_URL`
 * (PostgreSQL) wins, then `--db PATH`, then the SQLite file in the data directory. Changes are
 * recorded in the audit log as `actor`'s: the CLI's by default.
 */
export async function openCliStore(flags: StoreFlags, actor: Actor = cliActor()): Promise<Store> {
  return openStore({ ...cliStoreOptions(flags), actor })
}

/** Where the flags and environment put the store (see openCliStore), for commands that open it their own way. */
export function cliStoreOptions(flags: StoreFlags): OpenStoreOptions {
  const databaseUrl = process.env.QUARRY_DATABASE_URL
  return databaseUrl ? { databaseUrl } : flags.db ? { sqlitePath: flags.db } : {}
}

/**
 * Who the audit log names for changes made from the command line: `cli`, with the operating-system
 * user that ran it (issue 19). `quarry serve` opens its store as `system` instead: each request it
 * answers is recorded as its caller's (the server wraps a signed-in caller's routes in actingAs), a
 * visitor's as `system`.
 */
export function cliActor(): Actor {
  let osUser: string
  try {
    osUser = userInfo().username
  } catch {
    // A container user without a passwd entry has no name: its numeric id still says who.
    osUser = String(process.getuid?.() ?? 'unknown')
  }
  return { type: 'cli', osUser }
}

/** Runs `fn` with an open store (and a converter pool when asked), closing both however it ends. */
export async function withStore<T>(flags: StoreFlags, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openCliStore(flags)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

export async function withEngine<T>(flags: StoreFlags, fn: (deps: EngineDeps) => Promise<T>): Promise<T> {
  return withStore(flags, async (store) => {
    const converters = new ConverterPool()
    try {
      return await fn({ store, converters })
    } finally {
      await converters.close()
      // SQL datasources' pools: the process exits as soon as the run ends.
      await closeSqlPools()
    }
  })
}
