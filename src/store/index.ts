import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { Actor } from '../domain/audit.js'
import { SqlAccountRepo } from './account-repo.js'
import { SqlAuditRepo } from './audit-repo.js'
import { SqlCacheRepo } from './cache-repo.js'
import { SqlConnectionRepo, lockTimeout } from './connection-repo.js'
import { StoreContext } from './context.js'
import { SqlDatasourceRepo } from './datasource-repo.js'
import { defaultDataDir } from './key-file.js'
import type { LockBackend } from './lock-backend.js'
import { migrateToLatest, type Dialect } from './migrations.js'
import { SqlLeaseRepo } from './lease-repo.js'
import { SqlLibraryRepo } from './library-repo.js'
import { SqlQueryRepo } from './query-repo.js'
import { SqlRateLimitRepo } from './rate-limit-repo.js'
import type { Database } from './schema.js'
import { loadSecretBox } from './secret-key.js'
import { SqlSessionRepo } from './session-repo.js'
import { SqlSettingsRepo } from './settings-repo.js'
import { openSqlite } from './sqlite-dialect.js'
import { SqliteLockBackend } from './sqlite-lock.js'
import { SqlVersionRepo, versionNotFound } from './version-repo.js'
import type {
  AccountRepo,
  AuditRepo,
  CacheRepo,
  ConnectionRepo,
  DatasourceRepo,
  LeaseRepo,
  LibraryRepo,
  QueryRepo,
  RateLimitRepo,
  SessionRepo,
  SettingsRepo,
  Store,
  VersionRepo,
} from './types.js'

export { STORE_ERROR_CODES, StoreError, isStoreError, type StoreErrorCode } from './errors.js'
export { digest } from './account-repo.js'
export { libraryNotFound } from './library-repo.js'
export { actingAs } from './audit-recorder.js'
export { versionNotFound }
export { defaultDataDir, KEY_FILE_NAME } from './key-file.js'
export { redactDatabaseUrl } from '../domain/database-url.js'
export { saveDatasource } from './save-datasource.js'
export { generateSecretKey, MAKE_A_KEY } from './secrets.js'
export type * from './types.js'

/** How long withLock (and, on SQLite, any write) waits for another holder before giving up. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000

export interface OpenStoreOptions {
  /** postgres://… or postgresql://…; when set (and not empty), the store is PostgreSQL. */
  databaseUrl?: string
  /** The SQLite file; default `<dataDir>/quarry.db`. Ignored when databaseUrl is set. */
  sqlitePath?: string
  /** The secret key (32 bytes as base64 or 64 hex characters); overrides QUARRY_SECRET_KEY. */
  secretKey?: string
  /** Where the key file (and the default SQLite file) lives; default defaultDataDir(). */
  dataDir?: string
  /** See DEFAULT_LOCK_TIMEOUT_MS. */
  lockTimeoutMs?: number
  /**
   * Who the audit log names for changes made outside actingAs() (the CLI: `cli` with the OS user);
   * default `system`.
   */
  actor?: Actor
}

/**
 * The default SQLite store: `quarry.db` in the data directory.
 *
 * @example
 * defaultSqlitePath({ XDG_DATA_HOME: '/data' }) // '/data/quarry/quarry.db'
 */
export function defaultSqlitePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultDataDir(env), 'quarry.db')
}

/**
 * Opens the store: PostgreSQL when `databaseUrl` is given, else SQLite (creating the file and its
 * directory on first use). Migrates the schema to this version, finds the secret key and checks it is
 * the one the store was encrypted with. Every failure is a StoreError that names the database (with
 * the password redacted) and says what to do.
 *
 * @example
 * const store = await openStore({ databaseUrl: process.env.QUARRY_DATABASE_URL, sqlitePath: flags.db })
 * try {
 *   for (const datasource of await store.datasources.list()) console.log(datasource.name)
 * } finally {
 *   await store.close()
 * }
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const dataDir = options.dataDir ?? defaultDataDir()
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
  const usePostgres = options.databaseUrl !== undefined && options.databaseUrl !== ''

  let dialect: Dialect
  let db: Kysely<Database>
  let where: string
  let schema: string | undefined
  let sqlitePath = ''
  // pg is loaded only for PostgreSQL: the embedded default starts faster without it.
  const postgres = usePostgres
    ? await Promise.all([import('./postgres-dialect.js'), import('./postgres-lock.js')])
    : undefined
  if (postgres) {
    ;({ db, where, schema } = await postgres[0].openPostgres(options.databaseUrl ?? ''))
    dialect = 'postgres'
  } else {
    const handle = await openSqlite(options.sqlitePath ?? join(dataDir, 'quarry.db'), lockTimeoutMs)
    ;({ db, path: sqlitePath } = handle)
    where = sqlitePath
    dialect = 'sqlite'
  }

  try {
    await migrateToLatest(db, dialect, { where, busyTimeoutMs: lockTimeoutMs, ...(schema ? { schema } : {}) })
    const box = await loadSecretBox(db, {
      ...(options.secretKey === undefined ? {} : { secretKey: options.secretKey }),
      dataDir,
      where,
      busyTimeoutMs: lockTimeoutMs,
    })
    const context = new StoreContext({
      dialect,
      db,
      box,
      where,
      lockTimeoutMs,
      ...(options.actor === undefined ? {} : { defaultActor: options.actor }),
    })
    const timeout = (datasource: string, cause?: unknown) => lockTimeout(context, datasource, cause)
    const backend: LockBackend =
      postgres === undefined
        ? new SqliteLockBackend(sqlitePath, lockTimeoutMs, timeout)
        : new postgres[1].PostgresLockBackend(db, timeout)
    return new SqlStore(context, backend)
  } catch (error) {
    await db.destroy()
    throw error
  }
}

class SqlStore implements Store {
  readonly dialect: Dialect
  readonly datasources: DatasourceRepo
  readonly queries: QueryRepo
  readonly converters: LibraryRepo
  readonly templates: LibraryRepo
  readonly connections: ConnectionRepo
  readonly cache: CacheRepo
  readonly accounts: AccountRepo
  readonly sessions: SessionRepo
  readonly leases: LeaseRepo
  readonly rateLimits: RateLimitRepo
  readonly settings: SettingsRepo
  readonly audit: AuditRepo
  readonly versions: VersionRepo
  readonly #context: StoreContext
  readonly #backend: LockBackend
  #closing: Promise<void> | undefined

  constructor(context: StoreContext, backend: LockBackend) {
    this.dialect = context.dialect
    this.datasources = new SqlDatasourceRepo(context)
    this.queries = new SqlQueryRepo(context)
    this.converters = new SqlLibraryRepo(context, 'converter')
    this.templates = new SqlLibraryRepo(context, 'template')
    this.connections = new SqlConnectionRepo(context, backend)
    this.cache = new SqlCacheRepo(context)
    this.accounts = new SqlAccountRepo(context)
    this.sessions = new SqlSessionRepo(context)
    this.leases = new SqlLeaseRepo(context)
    this.rateLimits = new SqlRateLimitRepo(context)
    this.settings = new SqlSettingsRepo(context)
    this.audit = new SqlAuditRepo(context)
    this.versions = new SqlVersionRepo(context)
    this.#context = context
    this.#backend = backend
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#context.markClosed()
      await this.#backend.close()
      await this.#context.db.destroy()
    })()
    return this.#closing
  }
}
export { diffObjectVersions, listVersions, revertObject } from './versioned.js'
