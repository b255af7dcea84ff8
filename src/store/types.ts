/**
 * The store's public types. The store knows nothing of auth types or query shapes: it keeps JSON
 * documents, and maps of secret strings that it encrypts as a whole.
 */
import type { AuditEntry, AuditFilter, ObjectVersion, VersionedKind } from '../domain/audit.js'
import type { Role } from '../domain/roles.js'
import type { TokenScope } from '../domain/token-scope.js'

export interface Store {
  readonly dialect: 'sqlite' | 'postgres'
  readonly datasources: DatasourceRepo
  readonly queries: QueryRepo
  /** The converter library: named converters queries use (issue 13). */
  readonly converters: LibraryRepo
  /** The template library: named templates queries use (issue 13). */
  readonly templates: LibraryRepo
  readonly connections: ConnectionRepo
  readonly cache: CacheRepo
  readonly accounts: AccountRepo
  readonly sessions: SessionRepo
  readonly leases: LeaseRepo
  readonly rateLimits: RateLimitRepo
  readonly settings: SettingsRepo
  /** Who changed what (issue 19): every configuration write records an entry in its own transaction. */
  readonly audit: AuditRepo
  /** The saved versions of queries, converters and templates (issue 19). */
  readonly versions: VersionRepo
  /** Scheduled refreshes of queries and the claim of each tick (issue 16). */
  readonly schedules: ScheduleRepo
  readonly subscriptions: SubscriptionRepo
  /** Frozen results of queries (issue 16). */
  readonly snapshots: SnapshotRepo
  /** Alerts on query results (issue 16). */
  readonly alerts: AlertRepo
  /** Dashboards: panels of queries on a grid (issue 17). */
  readonly dashboards: DashboardRepo
  /**
   * Single flight across the servers of one store (issue 18): PostgreSQL only. Undefined on SQLite,
   * whose one server shares runs in process (engine/cache.ts).
   */
  readonly flights?: FlightRepo
  /** Closes the database connections. Idempotent; the store cannot be used afterwards. */
  close(): Promise<void>
}

export interface StoredDatasource {
  readonly name: string
  readonly type: string
  readonly config: unknown
  /** Decrypted. Encrypted at rest as one envelope. */
  readonly secrets: Readonly<Record<string, string>>
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface DatasourceInput {
  name: string
  type: string
  config: unknown
  secrets: Record<string, string>
}

export interface DatasourcePatch {
  /** A new name; queries and the connection follow the rename. */
  name?: string
  config?: unknown
  /** Replaces the whole map (it is not merged). */
  secrets?: Record<string, string>
}

export interface DatasourceRepo {
  /** All datasources, by name. */
  list(): Promise<StoredDatasource[]>
  get(name: string): Promise<StoredDatasource | undefined>
  /** A taken name → StoreError QUARRY_DATASOURCE_EXISTS. */
  create(input: DatasourceInput): Promise<StoredDatasource>
  /** Missing → QUARRY_DATASOURCE_NOT_FOUND; renaming onto a taken name → QUARRY_DATASOURCE_EXISTS. */
  update(name: string, patch: DatasourcePatch): Promise<StoredDatasource>
  /**
   * Removes the datasource and its connection. Refused with QUARRY_DATASOURCE_IN_USE (naming the
   * queries) while queries use it; missing → QUARRY_DATASOURCE_NOT_FOUND.
   */
  remove(name: string): Promise<void>
}

export interface StoredQuery {
  readonly name: string
  readonly datasource: string
  readonly definition: unknown
  /** The named converter it uses, or null. */
  readonly converterName: string | null
  /** The named template it uses, or null. */
  readonly templateName: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface QueryInput {
  name: string
  datasource: string
  definition: unknown
  converterName?: string | null
  templateName?: string | null
}

export interface QueryPatch {
  name?: string
  datasource?: string
  definition?: unknown
  /** null: uses none any more. */
  converterName?: string | null
  templateName?: string | null
}

export interface QueryRepo {
  /** All queries, by name. */
  list(): Promise<StoredQuery[]>
  get(name: string): Promise<StoredQuery | undefined>
  /**
   * A taken name → QUARRY_QUERY_EXISTS; an unknown datasource → QUARRY_DATASOURCE_NOT_FOUND; an unknown
   * named converter or template → QUARRY_CONVERTER_NOT_FOUND / QUARRY_TEMPLATE_NOT_FOUND.
   */
  create(input: QueryInput): Promise<StoredQuery>
  /** Missing → QUARRY_QUERY_NOT_FOUND; otherwise as create. */
  update(name: string, patch: QueryPatch): Promise<StoredQuery>
  /** Missing → QUARRY_QUERY_NOT_FOUND. */
  remove(name: string): Promise<void>
  /**
   * Saves version `version`'s definition again, as a new version (audited as a revert); the name
   * stays. Unknown version → QUARRY_VERSION_NOT_FOUND; otherwise as update.
   */
  revert(name: string, version: number): Promise<StoredQuery>
}

/** A named converter or template (the store keeps its content as text and does not look inside). */
export interface StoredLibraryItem {
  readonly name: string
  readonly description: string | null
  /** A converter's source; a template's JSON text. */
  readonly content: string
  /** The queries that use it, by name. */
  readonly usedBy: readonly string[]
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface LibraryInput {
  name: string
  description?: string | null
  content: string
}

export interface LibraryPatch {
  /** A new name; the queries that use it follow the rename. */
  name?: string
  description?: string | null
  content?: string
}

/** The converter library or the template library; `kind` names the codes: QUARRY_CONVERTER_* or QUARRY_TEMPLATE_*. */
export interface LibraryRepo {
  readonly kind: 'converter' | 'template'
  /** All, by name. */
  list(): Promise<StoredLibraryItem[]>
  get(name: string): Promise<StoredLibraryItem | undefined>
  /** A taken name → QUARRY_CONVERTER_EXISTS / QUARRY_TEMPLATE_EXISTS. */
  create(input: LibraryInput): Promise<StoredLibraryItem>
  /** Missing → …_NOT_FOUND; renaming onto a taken name → …_EXISTS. */
  update(name: string, patch: LibraryPatch): Promise<StoredLibraryItem>
  /** Refused with …_IN_USE (naming the queries) while queries use it; missing → …_NOT_FOUND. */
  remove(name: string): Promise<void>
  /** Saves version `version`'s description and content again, as a new version (audited as a revert). */
  revert(name: string, version: number): Promise<StoredLibraryItem>
}

export interface AuditRepo {
  /** The newest entries first, filtered; at most filter.limit (default 200). */
  list(filter?: AuditFilter): Promise<AuditEntry[]>
  /** Every matching entry, oldest first, read page by page (for NDJSON exports). */
  stream(filter?: AuditFilter): AsyncIterable<AuditEntry>
}

export interface VersionRepo {
  /** The versions of one object, newest first; [] when it has none. */
  list(kind: VersionedKind, name: string): Promise<ObjectVersion[]>
  get(kind: VersionedKind, name: string, version: number): Promise<ObjectVersion | undefined>
}

export interface StoredConnection {
  readonly datasource: string
  /** Whose grant this is on a per-user datasource (issue 15); SHARED_CONNECTION ('') for the datasource's own. */
  readonly user: string
  /** 1 after the first save, +1 on every save. */
  readonly version: number
  /** Decrypted (access_token, refresh_token, …). Encrypted at rest as one envelope. */
  readonly tokens: Readonly<Record<string, string>>
  readonly accessExpiresAt: Date | null
  readonly status: 'connected' | 'needs_consent'
  readonly statusMessage: string | null
  readonly scope: string | null
  /** JSON (e.g. { id, name, url }); null when none. */
  readonly site: unknown
  readonly lastRefreshAt: Date | null
  readonly lastUsedAt: Date | null
  readonly updatedAt: Date
}

export type ConnectionInput = Omit<StoredConnection, 'datasource' | 'user' | 'version' | 'updatedAt'>

/** One person's connection of a per-user datasource as its list shows it (no tokens). */
export interface ConnectionState {
  readonly user: string
  readonly status: StoredConnection['status']
  readonly statusMessage: string | null
  readonly accessExpiresAt: Date | null
  readonly lastRefreshAt: Date | null
  readonly lastUsedAt: Date | null
  readonly updatedAt: Date
}

/**
 * Receives what fn wants committed under the lock; resolves to the connection as saved. `audit:
 * 'connect'` marks a save that connects (a consent, tokens given by hand): it is recorded in the audit
 * log. Other saves (refreshes) are recorded only when they change the status (refresh failed → needs
 * consent).
 */
export type SaveConnection = (
  input: ConnectionInput,
  options?: { readonly audit?: 'connect' },
) => Promise<StoredConnection>

/**
 * Connections, keyed by (datasource, user). Every method's `user` defaults to SHARED_CONNECTION, the
 * datasource's one connection; a per-user datasource (issue 15) keeps one per person under their name.
 */
export interface ConnectionRepo {
  get(datasource: string, user?: string): Promise<StoredConnection | undefined>
  /** Replaces the connection (e.g. after consent). Unknown datasource → QUARRY_DATASOURCE_NOT_FOUND. */
  put(datasource: string, input: ConnectionInput, user?: string): Promise<StoredConnection>
  /**
   * The token invariant's lock (docs/architecture.md): runs fn while holding a lock in the store on this
   * (datasource, user)'s connection, so that no other process — nor another task of this one — holds it
   * at the same time. fn receives the connection as re-read after the lock was taken (undefined when none
   * is stored yet); whatever fn passes to save() is committed before withLock resolves; if fn throws,
   * nothing it saved is kept. So return the new tokens from fn and use them after withLock resolves:
   * then they are committed before they are used (rule 3).
   *
   * - SQLite: BEGIN IMMEDIATE on a connection of its own. SQLite has one writer per database, so while
   *   one withLock holds it, withLock on any other connection (and every write) waits.
   * - PostgreSQL: SELECT … FOR UPDATE on the connection row in a transaction; other connections (another
   *   datasource, or another user's grant of the same one) do not wait.
   * - Waiting longer than the store's lockTimeoutMs (default 30 s) → QUARRY_STORE_LOCK_TIMEOUT.
   * - Inside fn, write only through save(): any other write through this store (or a nested withLock)
   *   would wait for the lock it runs under and fails at once with QUARRY_STORE_LOCK_MISUSE. Reads are
   *   fine; on SQLite they do not see what fn saved until withLock resolves.
   * - Unknown datasource → QUARRY_DATASOURCE_NOT_FOUND.
   */
  withLock<T>(
    datasource: string,
    fn: (current: StoredConnection | undefined, save: SaveConnection) => Promise<T>,
    user?: string,
  ): Promise<T>
  /** Records a use (never moves lastUsedAt backwards). Does not change version. No connection → no-op. */
  markUsed(datasource: string, at: Date, user?: string): Promise<void>
  /** All connections (shared and per-user), by datasource then user. */
  list(): Promise<StoredConnection[]>
  /** Forgets the connection's tokens. No connection → no-op. */
  remove(datasource: string, user?: string): Promise<void>
  /** Each person's connection of a per-user datasource (the shared one left out), by user name. */
  listConnections(datasource: string): Promise<ConnectionState[]>
  /**
   * Forgets one person's connection of a datasource (revoked by them or an admin), audited; returns
   * whether there was one.
   */
  removeConnection(datasource: string, user: string): Promise<boolean>
}

export interface CacheEntry {
  readonly value: string
  readonly storedAt: Date
  readonly expiresAt: Date
}

export interface CacheRepo {
  /** The entry unless missing or expired (expiresAt <= now). */
  get(key: string, now: Date): Promise<CacheEntry | undefined>
  /** Stores or replaces the entry. */
  set(key: string, value: string, storedAt: Date, expiresAt: Date): Promise<void>
  /** Deletes expired entries; returns how many. */
  purgeExpired(now: Date): Promise<number>
}

/** A user's role: its values and order are in domain/roles.ts. */
export type { Role }

export interface StoredUser {
  readonly name: string
  readonly passwordHash: string
  readonly role: Role
  readonly groups: readonly string[]
  /** What a query reads as :@user.email (issue 15); null when none was given. */
  readonly email: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface UserInput {
  name: string
  passwordHash: string
  role: Role
  groups: readonly string[]
  email?: string | null
}

export type UserPatch = Partial<Pick<UserInput, 'passwordHash' | 'role' | 'groups' | 'email'>>

/** What an API token may do, within its user's role (issue 10): run and view, edit queries, or all. */
export type { TokenScope }

export interface ApiTokenInfo {
  readonly id: string
  readonly user: string
  readonly name: string
  readonly scope: TokenScope
  readonly createdAt: Date
  readonly expiresAt: Date | null
  readonly lastUsedAt: Date | null
}

export interface NewApiToken {
  readonly id: string
  readonly user: string
  readonly name: string
  readonly token: string
  readonly scope: TokenScope
  readonly expiresAt: Date | null
}

/** Who an API token speaks for, and within what. */
export interface TokenHolder {
  readonly user: StoredUser
  /** The token's own name (the audit log names it beside its user). */
  readonly tokenName: string
  readonly scope: TokenScope
  readonly expiresAt: Date | null
}

export interface AccountRepo {
  countUsers(): Promise<number>
  listUsers(): Promise<StoredUser[]>
  getUser(name: string): Promise<StoredUser | undefined>
  /** A taken name → QUARRY_USER_EXISTS. */
  createUser(input: UserInput): Promise<StoredUser>
  /** Missing → QUARRY_USER_NOT_FOUND. A new password also ends the user's sessions and revokes their API tokens. */
  updateUser(name: string, patch: UserPatch): Promise<StoredUser>
  /** Missing → QUARRY_USER_NOT_FOUND. Their sessions and tokens go with them. */
  removeUser(name: string): Promise<void>
  /** Stores only the token's digest. */
  createApiToken(token: NewApiToken): Promise<ApiTokenInfo>
  listApiTokens(user: string): Promise<ApiTokenInfo[]>
  /** Whether a token of this user with this id existed. */
  removeApiToken(user: string, id: string): Promise<boolean>
  /**
   * Whom a token speaks for (recording the use, to the minute), or undefined. An expired token is
   * returned too (not recorded as used): the caller says it expired rather than that it is unknown.
   */
  tokenHolder(token: string, now: Date): Promise<TokenHolder | undefined>
  /** Replaces the one-time setup token (its digest). */
  setSetupToken(token: string): Promise<void>
  /** Consumes the setup token: true once, for the right token. */
  takeSetupToken(token: string): Promise<boolean>
}

export interface StoredSession {
  readonly idHash: string
  /** The signed-in user, as stored now (role and groups current). */
  readonly user: StoredUser
  readonly csrfToken: string
  readonly expiresAt: Date
}

export interface ConsentState {
  /** The digest of the session that started the consent. */
  readonly sessionHash: string
  readonly datasource: string
  /** Encrypted at rest: PKCE verifier, redirect URI, site wanted. */
  readonly details: Readonly<Record<string, string>>
}

export interface SessionRepo {
  create(id: string, user: string, csrfToken: string, now: Date, expiresAt: Date): Promise<void>
  /** The session unless missing or expired. */
  get(id: string, now: Date): Promise<StoredSession | undefined>
  remove(id: string): Promise<void>
  purgeExpired(now: Date): Promise<void>
  saveConsent(state: string, consent: ConsentState, expiresAt: Date): Promise<void>
  /** Returns and deletes the consent attempt (once), unless missing or expired. */
  takeConsent(state: string, now: Date): Promise<ConsentState | undefined>
}

export interface RateLimitRepo {
  /**
   * Counts one hit on `key` in a fixed window of `windowMs` (a new window starts once the last one
   * ended); one statement, so servers sharing the store count together. `allowed` while the window
   * holds at most `max` hits; `retryAfterMs` until the window ends.
   */
  hit(
    key: string,
    max: number,
    windowMs: number,
    now: Date,
  ): Promise<{ allowed: boolean; retryAfterMs: number }>
  /** Forgets windows that ended before `now`. */
  purge(now: Date): Promise<number>
}

/** Settings an admin changes while the server runs (the admin UI), shared by every process on the store. */
export interface SettingsRepo {
  /** The origins an admin allowed to embed views (besides the --frame-ancestor flag's); [] when none. */
  embedOrigins(): Promise<readonly string[]>
  /** Replaces the list (already validated and normalized by the caller). */
  setEmbedOrigins(origins: readonly string[]): Promise<void>
}

export interface LeaseRepo {
  /** Takes (or extends) the lease when it is free, expired or already ours; true when we hold it now. */
  take(name: string, holder: string, now: Date, until: Date): Promise<boolean>
}

/** How a claimed run ended, as its claimer announces it to the waiters. */
export type FlightOutcome = 'done' | 'failed'

/**
 * Claims on runs by cache key, shared by every server of one store, and the announcement of how a
 * claimed run ended. A claim lives as long as its process's connection to the store: a claimer that
 * dies loses it as soon as the database sees the connection close.
 */
export interface FlightRepo {
  /**
   * Starts watching `key`, before claiming it, so that an end announced between a lost claim and the
   * wait is not missed. Fails when the announcements cannot be listened to (the store is down).
   */
  watch(key: string): Promise<FlightWatch>
  /** Claims the run of `key`: undefined when another run holds it. */
  claim(key: string): Promise<FlightClaim | undefined>
}

export interface FlightClaim {
  /** Gives the claim up and announces `outcome` to every server's watchers of the key. */
  finish(outcome: FlightOutcome): Promise<void>
}

export interface FlightWatch {
  /** The next announcement on the key, or 'timeout' after `ms`. */
  next(ms: number): Promise<FlightOutcome | 'timeout'>
  /** Stops watching. */
  close(): void
}

/** A snapshot without its rows: what lists show. */
export interface SnapshotInfo {
  readonly id: string
  readonly query: string
  readonly takenAt: Date
  readonly takenBy: string
  readonly params: Readonly<Record<string, string>>
  /** The query as it ran (named converter and template filled in), as JSON. */
  readonly definition: unknown
  /** SHA-256 (hex) of the definition's JSON text: equal hashes, same query version. */
  readonly definitionHash: string
  readonly fetchedAt: Date
  readonly notices: readonly string[]
  readonly columns: readonly string[]
  readonly rowCount: number
  /** The rows' JSON text's size before compression. */
  readonly rowsBytes: number
  /** What the store holds for the rows (gzip'd). */
  readonly storedBytes: number
}

export interface SnapshotInput {
  readonly query: string
  readonly takenAt: Date
  readonly takenBy: string
  readonly params: Readonly<Record<string, string>>
  readonly definition: unknown
  readonly fetchedAt: Date
  readonly notices: readonly string[]
  readonly columns: readonly string[]
  readonly rowCount: number
  /** The rows as one JSON array text; the store compresses it. */
  readonly rowsJson: string
}

/** How many snapshots of a query are kept: the newest `keepLast`, none older than `maxAgeSeconds`; null: no such limit. */
export interface SnapshotRetention {
  readonly keepLast: number | null
  readonly maxAgeSeconds: number | null
}

export interface SnapshotRepo {
  /** Stores a snapshot under a new id. */
  create(input: SnapshotInput): Promise<SnapshotInfo>
  /** A query's snapshots, newest first. */
  list(query: string): Promise<SnapshotInfo[]>
  /** One snapshot of the query, or undefined. */
  get(query: string, id: string): Promise<SnapshotInfo | undefined>
  /** The query's newest snapshot taken at or before `at`, or undefined. */
  latestAtOrBefore(query: string, at: Date): Promise<SnapshotInfo | undefined>
  /** A snapshot's rows as one JSON array text (decompressed), or undefined when it is gone. */
  rowsJson(query: string, id: string): Promise<string | undefined>
  /** Whether a snapshot of the query with this id existed. */
  remove(query: string, id: string): Promise<boolean>
  /** The query's own rule, or undefined when it keeps the default. */
  retention(query: string): Promise<SnapshotRetention | undefined>
  /** Sets the query's own rule; undefined goes back to the default. */
  setRetention(query: string, rule: SnapshotRetention | undefined): Promise<void>
  /**
   * Deletes the query's snapshots that the rule does not keep (beyond the newest keepLast, or taken
   * before now - maxAgeSeconds); returns how many.
   */
  prune(query: string, rule: SnapshotRetention, now: Date): Promise<number>
  /** The names of the queries that have snapshots. */
  queries(): Promise<string[]>
}

/** An alert as stored (issue 16): its definition without secrets, the secrets, and what its checks found. */
export interface StoredAlert {
  readonly name: string
  readonly query: string
  /** The alert's JSON without its secrets. */
  readonly config: unknown
  /** Decrypted. Encrypted at rest as one envelope. */
  readonly secrets: Readonly<Record<string, string>>
  readonly state: 'ok' | 'firing' | 'error'
  /** The condition's state the channels were last told of. */
  readonly notifiedState: 'ok' | 'firing'
  readonly lastError: string | null
  readonly lastCheckedAt: Date | null
  readonly lastChangedAt: Date | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface AlertInput {
  name: string
  query: string
  config: unknown
  secrets: Record<string, string>
}

export interface AlertPatch {
  name?: string
  query?: string
  config?: unknown
  /** Replaces the whole map. */
  secrets?: Record<string, string>
}

/** What one check found, for recordCheck. */
export interface AlertCheckRecord {
  readonly state: 'ok' | 'firing' | 'error'
  /** The condition's state (ok or firing), or null when the check failed. */
  readonly condition: 'ok' | 'firing' | null
  readonly error: string | null
  readonly at: Date
  /** Said by the event of a change. */
  readonly summary: string
}

/** What recordCheck did: whether this call changed the notified state (and must notify), and the event it wrote. */
export interface AlertCheckOutcome {
  readonly changed: boolean
  readonly previous: 'ok' | 'firing' | 'error'
  /** The change event's id, for setDeliveries; undefined when nothing changed. */
  readonly eventId: string | undefined
}

export interface AlertEvent {
  readonly id: string
  readonly alert: string
  readonly at: Date
  readonly kind: 'change' | 'test' | 'error'
  readonly from: string
  readonly to: string
  readonly summary: string
  /** The delivery reports (JSON), or null while under way or when none were sent. */
  readonly deliveries: unknown
}

export interface AlertRepo {
  /** All alerts, by name. */
  list(): Promise<StoredAlert[]>
  get(name: string): Promise<StoredAlert | undefined>
  /** A new alert starts ok. Taken name → QUARRY_ALERT_EXISTS; a missing query → QUARRY_QUERY_NOT_FOUND. */
  create(input: AlertInput): Promise<StoredAlert>
  /** Missing → QUARRY_ALERT_NOT_FOUND. Keeps the state. */
  update(name: string, patch: AlertPatch): Promise<StoredAlert>
  /** Missing → QUARRY_ALERT_NOT_FOUND. Its events go with it. */
  remove(name: string): Promise<void>
  /**
   * Records a check. When the condition's state differs from the notified state, moves it in one
   * compare-and-set, so of several processes checking at once exactly one is told `changed` (and
   * notifies), and writes the change event in the same transaction.
   */
  recordCheck(name: string, check: AlertCheckRecord): Promise<AlertCheckOutcome>
  /** Adds an event (a test, an error), returning its id. */
  addEvent(event: Omit<AlertEvent, 'id'>): Promise<string>
  /** Records how an event's deliveries went. */
  setDeliveries(id: string, deliveries: unknown): Promise<void>
  /** The latest events of an alert, newest first. */
  events(name: string, limit: number): Promise<AlertEvent[]>
}

/** A schedule as the store keeps it (issue 16): its definition, and what its runs left. */
export interface StoredSchedule {
  readonly name: string
  readonly query: string
  readonly params: Readonly<Record<string, string>>
  readonly cron: string
  readonly timeZone: string
  readonly enabled: boolean
  /** Each run also takes a snapshot of its rows (issue 16). */
  readonly snapshot: boolean
  /** When it fires next (the cron time, or a retry after a failure); null while disabled or never again. */
  readonly nextRunAt: Date | null
  readonly lastRunAt: Date | null
  readonly lastStatus: 'ok' | 'failed' | null
  readonly lastRowCount: number | null
  readonly lastError: string | null
  readonly lastErrorCode: string | null
  readonly lastErrorAt: Date | null
  /** Failed runs in a row. */
  readonly failures: number
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface ScheduleInput {
  name: string
  query: string
  params: Readonly<Record<string, string>>
  cron: string
  timeZone: string
  enabled: boolean
  snapshot: boolean
  nextRunAt: Date | null
}

/** A changed definition; `nextRunAt` is recomputed by the caller whenever cron, zone or enabled change. */
export type SchedulePatch = Partial<Omit<ScheduleInput, 'name'>>

/** How a run ended, as the runner records it. */
export interface ScheduleOutcome {
  readonly finishedAt: Date
  readonly status: 'ok' | 'failed'
  readonly rowCount?: number
  readonly error?: { readonly code: string; readonly message: string }
  readonly failures: number
  /** The next fire; written only when the schedule still waits for the fire this run claimed (no edit came between). */
  readonly nextRunAt: Date | null
}

/** One claimed tick of a schedule. */
export interface ScheduleRun {
  readonly schedule: string
  readonly fireAt: Date
  readonly holder: string
  readonly startedAt: Date
  readonly finishedAt: Date | null
  readonly status: 'ok' | 'failed' | null
  readonly rowCount: number | null
  readonly error: string | null
}

export interface ScheduleRepo {
  /** All, by name. */
  list(): Promise<StoredSchedule[]>
  /** The schedules of one query. */
  listForQuery(query: string): Promise<StoredSchedule[]>
  get(name: string): Promise<StoredSchedule | undefined>
  /** A taken name → QUARRY_SCHEDULE_EXISTS; a missing query → QUARRY_QUERY_NOT_FOUND. */
  create(input: ScheduleInput): Promise<StoredSchedule>
  /** Missing → QUARRY_SCHEDULE_NOT_FOUND. */
  update(name: string, patch: SchedulePatch): Promise<StoredSchedule>
  /** Missing → QUARRY_SCHEDULE_NOT_FOUND. */
  remove(name: string): Promise<void>
  /** Enabled schedules whose next run is at or before `now`, earliest first. */
  due(now: Date, limit: number): Promise<StoredSchedule[]>
  /**
   * Claims one tick (schedule, fire time) for `holder`: true for exactly one caller across every
   * process on the store (the pair is the runs table's primary key). A claim left unfinished since
   * before `staleBefore` (its holder died) is taken over instead, by exactly one caller.
   */
  claim(name: string, fireAt: Date, holder: string, now: Date, staleBefore: Date): Promise<boolean>
  /**
   * Claims several ticks in one statement, as `claim` does each; resolves to the keys
   * (`name@fireAt as ISO`) of those claimed. A burst of due schedules costs one round trip.
   */
  claimMany(
    ticks: readonly { readonly name: string; readonly fireAt: Date }[],
    holder: string,
    now: Date,
    staleBefore: Date,
  ): Promise<Set<string>>
  /** Records how the claimed tick ended, on the run and on the schedule. */
  finish(name: string, fireAt: Date, outcome: ScheduleOutcome): Promise<void>
  /** The latest runs of a schedule, newest first. */
  runs(name: string, limit: number): Promise<ScheduleRun[]>
  /** Deletes a schedule's finished runs beyond the newest `keep`; returns how many. */
  pruneRuns(name: string, keep: number): Promise<number>
}

/** A subscription as the store keeps it (issue 16): src/domain/subscription.ts reads its config. */
export interface StoredSubscription {
  readonly name: string
  readonly schedule: string
  /** The subscription's JSON without its secrets. */
  readonly config: unknown
  /** Decrypted: the SMTP login and the unsubscribe key. Encrypted at rest as one envelope. */
  readonly secrets: Readonly<Record<string, string>>
  readonly lastSentAt: Date | null
  /** Why the last mailing failed for some recipient, or null. */
  readonly lastError: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface SubscriptionInput {
  readonly name: string
  readonly schedule: string
  readonly config: unknown
  /** The SMTP login; the store adds the unsubscribe key. */
  readonly secrets: Readonly<Record<string, string>>
}

export interface SubscriptionRepo {
  list(): Promise<StoredSubscription[]>
  /** The subscriptions that follow one schedule. */
  forSchedule(schedule: string): Promise<StoredSubscription[]>
  get(name: string): Promise<StoredSubscription | undefined>
  /** Taken name → QUARRY_SUBSCRIPTION_EXISTS; a missing schedule → QUARRY_SCHEDULE_NOT_FOUND. */
  create(input: SubscriptionInput): Promise<StoredSubscription>
  /** Rewrites the config in one transaction (an unsubscribe removes an address). Missing → QUARRY_SUBSCRIPTION_NOT_FOUND. */
  updateConfig(name: string, change: (config: unknown) => unknown): Promise<StoredSubscription>
  /** How the last mailing went: when, and why it failed (null: every recipient took it). */
  recordSending(name: string, at: Date, error: string | null): Promise<void>
  /** Missing → QUARRY_SUBSCRIPTION_NOT_FOUND. */
  remove(name: string): Promise<void>
}

/** A dashboard as the store keeps it (issue 17): src/domain/dashboard.ts reads its definition. */
export interface StoredDashboard {
  readonly name: string
  /** The dashboard's JSON without its name. */
  readonly definition: unknown
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface DashboardRepo {
  list(): Promise<StoredDashboard[]>
  get(name: string): Promise<StoredDashboard | undefined>
  /** Taken name → QUARRY_DASHBOARD_EXISTS. */
  create(input: { readonly name: string; readonly definition: unknown }): Promise<StoredDashboard>
  /** Replaces the definition, and renames when `name` differs. Missing → QUARRY_DASHBOARD_NOT_FOUND. */
  update(
    name: string,
    change: { readonly name?: string; readonly definition: unknown },
  ): Promise<StoredDashboard>
  /** Missing → QUARRY_DASHBOARD_NOT_FOUND. */
  remove(name: string): Promise<void>
}
