import type { ColumnType } from 'kysely'

/**
 * A point in time. SQLite has no time type, so times are ISO-8601 UTC text there (`toISOString()`
 * always has the same width, so text order is time order); PostgreSQL keeps `timestamptz` and pg
 * reads it back as a Date. Both accept the ISO text on the way in.
 */
type Time = ColumnType<Date | string, string, string>
type NullableTime = ColumnType<Date | string | null, string | null, string | null>

/** Small key/value facts about the store itself, e.g. the secret key's check value. */
export interface MetaTable {
  key: string
  value: string
}

export interface DatasourcesTable {
  name: string
  type: string
  /** JSON text: the store does not look inside. */
  config: string
  /** One secret envelope (secrets.ts) around the JSON of the whole secrets map. */
  secrets: string
  created_at: Time
  updated_at: Time
}

export interface QueriesTable {
  name: string
  datasource: string
  /** JSON text. */
  definition: string
  /** The named converter it uses (converters.name), or NULL: its own converter, if any, is in the definition. */
  converter_name: ColumnType<string | null, string | null | undefined, string | null>
  /** The named template it uses (templates.name), or NULL. */
  template_name: ColumnType<string | null, string | null | undefined, string | null>
  created_at: Time
  updated_at: Time
}

/**
 * The converter and the template library (issue 13): named entries that queries refer to. Both tables
 * have the same columns, so one repository serves both; the store does not look inside `content`.
 */
export interface LibraryTable {
  name: string
  description: string | null
  /** A converter's source; a template's JSON text. */
  content: string
  created_at: Time
  updated_at: Time
}

export interface ConnectionsTable {
  datasource: string
  /** The person whose grant this is on a per-user datasource (issue 15); '' for the shared connection. */
  user_name: string
  /**
   * Starts at 1 and grows by one on every save. 0 marks a row that exists only to be locked
   * (PostgreSQL's withLock creates it when no connection was stored yet); readers skip it.
   */
  version: number
  /** Secret envelope around the JSON of the tokens map; NULL only on a lock-only row. */
  tokens: string | null
  access_expires_at: NullableTime
  status: string
  status_message: string | null
  scope: string | null
  /** JSON text, or NULL for none. */
  site: string | null
  last_refresh_at: NullableTime
  last_used_at: NullableTime
  updated_at: Time
}

export interface CacheTable {
  key: string
  value: string
  stored_at: Time
  expires_at: Time
}

export interface UsersTable {
  name: string
  /** scrypt, self-describing (see server/auth/password.ts). */
  password_hash: string
  role: string
  /** JSON array of group names. */
  groups: string
  created_at: Time
  updated_at: Time
}

export interface SessionsTable {
  /** SHA-256 of the cookie's value. */
  id_hash: string
  user_name: string
  csrf_token: string
  created_at: Time
  expires_at: Time
}

export interface ApiTokensTable {
  id: string
  user_name: string
  name: string
  /** SHA-256 of the token. */
  token_hash: string
  created_at: Time
  last_used_at: NullableTime
  /** What the token may do within its user's role: run (view and run queries), edit, admin. */
  scope: string
  expires_at: NullableTime
}

export interface RateLimitsTable {
  /** What is counted, e.g. `sign-in:203.0.113.7` or `refresh:user:ada`. */
  key: string
  hits: number
  /** When the window ends: milliseconds since the epoch (a string from PostgreSQL's bigint). */
  reset_at: number | string
}

export interface ConsentStatesTable {
  /** SHA-256 of the OAuth state parameter. */
  state_hash: string
  /** The browser session that started the consent: the callback must come back in it. */
  session_hash: string
  datasource: string
  /** Secret envelope around JSON (PKCE verifier, redirect URI, chosen site). */
  details: string
  expires_at: Time
}

/** A query's result frozen at a time (issue 16); see migrations.ts 0006_snapshots. */
export interface SnapshotsTable {
  id: string
  /** The query's name (it follows a rename; a deleted query's snapshots keep the name it had). */
  query: string
  taken_at: Time
  /** Who took it: a user's name, `cli`, or what a schedule passes (e.g. `schedule:daily`). */
  taken_by: string
  /** JSON: the parameter values it ran with. */
  params: string
  /** JSON: the query as it ran (named converter and template filled in). */
  definition: string
  /** SHA-256 (hex) of `definition`: the query's version. */
  definition_hash: string
  fetched_at: Time
  /** JSON array of the run's notices. */
  notices: string
  /** JSON array of the column names, in order. */
  columns: string
  row_count: number
  /** Size of the rows' JSON text before compression. */
  rows_bytes: number
  /** gzip of the rows' JSON array text. */
  rows: Uint8Array
}

export interface SnapshotRetentionTable {
  query: string
  keep_last: number | null
  max_age_seconds: number | null
  updated_at: Time
}

export interface LeasesTable {
  name: string
  holder: string
  expires_at: Time
}

/** Alerts (issue 16): a condition on a query's result and the channels told when it changes. */
export interface AlertsTable {
  name: string
  /** The query it watches; a rename follows, a removed query takes its alerts with it. */
  query: string
  /** JSON text of the alert without its secrets: the store does not look inside. */
  config: string
  /** One secret envelope around the JSON of the channels' secrets (webhook secret, Slack URL, SMTP login). */
  secrets: string
  /** ok | firing | error: what the last check found. */
  state: string
  /** ok | firing: the condition's state the channels were last told of (an error does not change it). */
  notified_state: string
  last_error: string | null
  last_checked_at: NullableTime
  last_changed_at: NullableTime
  created_at: Time
  updated_at: Time
}

/** What happened to an alert: a change of state (with its deliveries), a test, an error. */
export interface AlertEventsTable {
  id: string
  alert: string
  at: Time
  /** change | test | error */
  kind: string
  from_state: string
  to_state: string
  summary: string
  /** JSON text of the delivery reports; NULL while they are under way or when none were sent. */
  deliveries: string | null
}

/** Scheduled refreshes (issue 16): the definition and what the last run left. */
export interface SubscriptionsTable {
  name: string
  /** The schedule whose runs are mailed; a rename follows, a removed schedule takes it along. */
  schedule: string
  /** JSON text of the subscription without its secrets. */
  config: string
  /** One secret envelope: the SMTP login and the key that signs unsubscribe links. */
  secrets: string
  last_sent_at: NullableTime
  last_error: string | null
  created_at: Time
  updated_at: Time
}

export interface SchedulesTable {
  name: string
  query: string
  /** JSON text: raw parameter values. */
  params: string
  cron: string
  time_zone: string
  /** 1 or 0 (SQLite has no boolean). */
  enabled: number
  /** 1: each run also takes a snapshot of its rows. */
  snapshot: number
  next_run_at: NullableTime
  last_run_at: NullableTime
  last_status: string | null
  last_row_count: number | null
  last_error: string | null
  last_error_code: string | null
  last_error_at: NullableTime
  failures: number
  created_at: Time
  updated_at: Time
}

/** One claimed tick per (schedule, fire_at): the primary key makes each tick run once across servers. */
export interface ScheduleRunsTable {
  schedule: string
  fire_at: Time
  holder: string
  started_at: Time
  finished_at: NullableTime
  status: string | null
  row_count: number | null
  error: string | null
}

/** One recorded change (issue 19); src/store/audit-recorder.ts writes them, audit-repo.ts reads them. */
export interface AuditLogTable {
  id: ColumnType<number | string, never, never>
  at: Time
  /** JSON of the Actor (domain/audit.ts). */
  actor: string
  /** actorName(actor), for the filter. */
  actor_name: string
  kind: string
  object: string
  action: string
  /** JSON array of FieldChange, secrets masked. */
  changes: string
  version: number | null
}

/** One saved version of a query, converter or template: the whole definition as saved. */
export interface ObjectVersionsTable {
  kind: string
  name: string
  version: number
  at: Time
  actor: string
  actor_name: string
  /** JSON text. */
  definition: string
}

export interface Database {
  meta: MetaTable
  users: UsersTable
  sessions: SessionsTable
  api_tokens: ApiTokensTable
  consent_states: ConsentStatesTable
  leases: LeasesTable
  rate_limits: RateLimitsTable
  datasources: DatasourcesTable
  queries: QueriesTable
  converters: LibraryTable
  templates: LibraryTable
  connections: ConnectionsTable
  cache: CacheTable
  audit_log: AuditLogTable
  object_versions: ObjectVersionsTable
  schedules: SchedulesTable
  subscriptions: SubscriptionsTable
  schedule_runs: ScheduleRunsTable
  snapshots: SnapshotsTable
  snapshot_retention: SnapshotRetentionTable
  alerts: AlertsTable
  alert_events: AlertEventsTable
}

/**
 * A Date as the store writes it (ISO-8601 UTC text, understood by both dialects).
 *
 * @example
 * toDbTime(new Date(0), 'storedAt') // '1970-01-01T00:00:00.000Z'
 */
export function toDbTime(date: Date, field: string): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime()))
    throw new TypeError(`${field} must be a valid Date, got ${String(date)}`)
  return date.toISOString()
}

/**
 * A nullable Date as the store writes it.
 *
 * @example
 * toDbTimeOrNull(null, 'lastUsedAt') // null
 */
export function toDbTimeOrNull(date: Date | null, field: string): string | null {
  return date === null ? null : toDbTime(date, field)
}

/**
 * A time as either dialect returns it, as a Date.
 *
 * @example
 * fromDbTime('1970-01-01T00:00:00.000Z').getTime() // 0
 */
export function fromDbTime(value: Date | string): Date {
  return value instanceof Date ? new Date(value.getTime()) : new Date(value)
}

/**
 * A nullable time as either dialect returns it.
 *
 * @example
 * fromDbTimeOrNull(null) // null
 */
export function fromDbTimeOrNull(value: Date | string | null): Date | null {
  return value === null ? null : fromDbTime(value)
}

/**
 * JSON text of a document the store keeps without looking inside it.
 *
 * @example
 * toJsonText({ baseUrl: 'https://example.com' }, 'config') // '{"baseUrl":"https://example.com"}'
 */
export function toJsonText(value: unknown, field: string): string {
  const text = JSON.stringify(value)
  if (text === undefined) throw new TypeError(`${field} must be JSON-serialisable, got ${typeof value}`)
  return text
}

/**
 * Parses stored JSON text into a deeply frozen value (STYLE.md habit 5: values that leave the store
 * cannot be changed behind its back).
 *
 * @example
 * fromJsonText('{"a":[1]}') // { a: [1] }, frozen
 */
export function fromJsonText(text: string): unknown {
  return deepFreeze(JSON.parse(text) as unknown)
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
