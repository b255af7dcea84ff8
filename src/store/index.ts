import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { SYSTEM_ACTOR, type Actor } from '../domain/audit.js'
import { SqlAccountRepo } from './account-repo.js'
import { SqlAlertRepo } from './alert-repo.js'
import { SqlAuditRepo } from './audit-repo.js'
import { SqlCacheRepo } from './cache-repo.js'
import type { ConnectionKey } from './connection-key.js'
import { SqlConnectionRepo, lockTimeout } from './connection-repo.js'
import { StoreContext } from './context.js'
import { SqlDashboardRepo } from './dashboard-repo.js'
import { SqlDatasourceRepo } from './datasource-repo.js'
import { defaultDataDir } from './key-file.js'
import type { LockBackend } from './lock-backend.js'
import { migrateToLatest, type Dialect } from './migrations.js'
import { SqlLeaseRepo } from './lease-repo.js'
import { SqlLibraryRepo } from './library-repo.js'
import { SqlQueryRepo } from './query-repo.js'
import { SqlRateLimitRepo } from './rate-limit-repo.js'
import { SqlScheduleRepo } from './schedule-repo.js'
import { SqlSubscriptionRepo } from './subscription-repo.js'
import type { Database } from './schema.js'
import { loadSecretBox } from './secret-key.js'
import { finishKeyRotation, startKeyRotation, type RotationSummary } from './rotate-key.js'
import { parseSecretKey } from './secrets.js'
import { SqlSessionRepo } from './session-repo.js'
import { SqlSettingsRepo } from './settings-repo.js'
import { SqlSnapshotRepo } from './snapshot-repo.js'
import { openSqlite } from './sqlite-dialect.js'
import { SqliteLockBackend } from './sqlite-lock.js'
import { SqlVersionRepo, versionNotFound } from './version-repo.js'
import type {
  AccountRepo,
  AlertRepo,
  AuditRepo,
  CacheRepo,
  ConnectionRepo,
  DashboardRepo,
  DatasourceRepo,
  FlightRepo,
  LeaseRepo,
  LibraryRepo,
  QueryRepo,
  RateLimitRepo,
  ScheduleRepo,
  SubscriptionRepo,
  SessionRepo,
  SettingsRepo,
  SnapshotRepo,
  Store,
  VersionRepo,
} from './types.js'

export { STORE_ERROR_CODES, StoreError, isStoreError, type StoreErrorCode } from './errors.js'
export { digest } from './account-repo.js'
export { libraryNotFound } from './library-repo.js'
export { alertNotFound } from './alert-repo.js'
export { dashboardNotFound } from './dashboard-repo.js'
export { scheduleDefinition, scheduleNotFound, tickKey } from './schedule-repo.js'
export { actingAs } from './audit-recorder.js'
export { versionNotFound }
export { defaultDataDir, KEY_FILE_NAME } from './key-file.js'
export { redactDatabaseUrl } from '../domain/database-url.js'
export { saveDatasource } from './save-datasource.js'
export { generateSecretKey, MAKE_A_KEY } from './secrets.js'
export type { RotationSummary } from './rotate-key.js'
export type * from './types.js'
export { SHARED_CONNECTION, describeConnection, type ConnectionKey } from './connection-key.js'

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
  const { dialect, db, where, schema, sqlitePath } = await connectStore(options)
  // pg is loaded only for PostgreSQL: the embedded default starts faster without it.
  const postgresLock = dialect === 'postgres' ? await import('./postgres-lock.js') : undefined
  const postgresFlights = dialect === 'postgres' ? await import('./postgres-flights.js') : undefined

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
    const timeout = (key: ConnectionKey, cause?: unknown) => lockTimeout(context, key, cause)
    const backend: LockBackend =
      postgresLock === undefined
        ? new SqliteLockBackend(sqlitePath, lockTimeoutMs, timeout)
        : new postgresLock.PostgresLockBackend(db, timeout)
    const flights =
      postgresFlights === undefined
        ? undefined
        : new postgresFlights.PostgresFlights(context, options.databaseUrl ?? '', schema ?? '')
    return new SqlStore(context, backend, flights)
  } catch (error) {
    await db.destroy()
    throw error
  }
}

/** The database a store lives in, connected but not migrated and without its key (backup.ts needs it so). */
export interface StoreConnection {
  readonly dialect: Dialect
  readonly db: Kysely<Database>
  /** The SQLite path or the redacted URL, for messages. */
  readonly where: string
  /** PostgreSQL's schema; undefined on SQLite. */
  readonly schema: string | undefined
  /** The SQLite file; '' on PostgreSQL. */
  readonly sqlitePath: string
}

/**
 * Connects to the database `options` point at (see openStore), nothing more.
 *
 * @example
 * const { db, dialect } = await connectStore({ sqlitePath: '/tmp/quarry.db' })
 */
export async function connectStore(options: OpenStoreOptions = {}): Promise<StoreConnection> {
  const dataDir = options.dataDir ?? defaultDataDir()
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    const { openPostgres } = await import('./postgres-dialect.js')
    const { db, where, schema } = await openPostgres(options.databaseUrl)
    return { dialect: 'postgres', db, where, schema, sqlitePath: '' }
  }
  const handle = await openSqlite(options.sqlitePath ?? join(dataDir, 'quarry.db'), lockTimeoutMs)
  return { dialect: 'sqlite', db: handle.db, where: handle.path, schema: undefined, sqlitePath: handle.path }
}

/**
 * `quarry secrets rotate-key`: seals every secret of `store` with `newKey` while other processes keep
 * running (rotate-key.ts says how), or with `finish`, ends a rotation once every process runs on the
 * new key.
 *
 * @example
 * const summary = await rotateSecretKey(store, { newKey: generateSecretKey() })
 */
export async function rotateSecretKey(
  store: Store,
  how: { newKey: string } | { finish: true },
): Promise<RotationSummary> {
  if (!(store instanceof SqlStore)) throw new TypeError('rotateSecretKey needs a store from openStore')
  const context = store[CONTEXT]
  return 'finish' in how
    ? finishKeyRotation(context, store.connections)
    : startKeyRotation(context, store.connections, parseSecretKey(how.newKey, 'the new key'))
}

/**
 * Whom `store` records a change as when the task making it acts as no one (outside actingAs): the
 * actor it was opened with, else `system`; undefined for a store not made by openStore.
 *
 * @example unattributedActor(await openStore({ sqlitePath })) // { type: 'system' }
 */
export function unattributedActor(store: Store): Actor | undefined {
  return store instanceof SqlStore ? (store[CONTEXT].defaultActor ?? SYSTEM_ACTOR) : undefined
}

const CONTEXT = Symbol('store context')

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
  readonly snapshots: SnapshotRepo
  readonly alerts: AlertRepo
  readonly schedules: ScheduleRepo
  readonly subscriptions: SubscriptionRepo
  readonly dashboards: DashboardRepo
  readonly [CONTEXT]: StoreContext
  readonly audit: AuditRepo
  readonly versions: VersionRepo
  readonly flights: (FlightRepo & { close(): Promise<void> }) | undefined
  readonly #context: StoreContext
  readonly #backend: LockBackend
  #closing: Promise<void> | undefined

  constructor(
    context: StoreContext,
    backend: LockBackend,
    flights: (FlightRepo & { close(): Promise<void> }) | undefined,
  ) {
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
    this.flights = flights
    this.rateLimits = new SqlRateLimitRepo(context)
    this.settings = new SqlSettingsRepo(context)
    this.snapshots = new SqlSnapshotRepo(context)
    this.alerts = new SqlAlertRepo(context)
    this.schedules = new SqlScheduleRepo(context)
    this.subscriptions = new SqlSubscriptionRepo(context)
    this.dashboards = new SqlDashboardRepo(context)
    this.audit = new SqlAuditRepo(context)
    this.versions = new SqlVersionRepo(context)
    this.#context = context
    this[CONTEXT] = context
    this.#backend = backend
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#context.markClosed()
      await this.#backend.close()
      await this.flights?.close()
      await this.#context.db.destroy()
    })()
    return this.#closing
  }
}
export { diffObjectVersions, listVersions, revertObject } from './versioned.js'
