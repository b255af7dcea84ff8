import { sql, type Kysely } from 'kysely'
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration'
import { StoreError } from './errors.js'
import { retryWhileBusy } from './retry.js'
import type { Database } from './schema.js'

export type Dialect = 'sqlite' | 'postgres'

/** Quarry's own names, so that a Kysely app sharing the schema keeps its `kysely_migration` table. */
const MIGRATION_TABLE = 'quarry_migration'
const MIGRATION_LOCK_TABLE = 'quarry_migration_lock'

/**
 * The numbered migrations, oldest first. Each works on both dialects: only the time type differs
 * (schema.ts says why). Never edit a released migration; add the next number.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  const time = dialect === 'postgres' ? 'timestamptz' : 'text'
  return {
    '0001_initial': {
      // Migrations take Kysely<any>: they run against the schema as it was, not as Database says it is now.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('meta')
          .addColumn('key', 'text', (col) => col.primaryKey())
          .addColumn('value', 'text', (col) => col.notNull())
          .execute()

        await db.schema
          .createTable('datasources')
          .addColumn('name', 'text', (col) => col.primaryKey())
          .addColumn('type', 'text', (col) => col.notNull())
          .addColumn('config', 'text', (col) => col.notNull())
          .addColumn('secrets', 'text', (col) => col.notNull())
          .addColumn('created_at', time, (col) => col.notNull())
          .addColumn('updated_at', time, (col) => col.notNull())
          .execute()

        // Names are the keys; a rename cascades to the rows that point at it. A datasource in use by
        // queries cannot be deleted (restrict); its connection goes with it (cascade).
        await db.schema
          .createTable('queries')
          .addColumn('name', 'text', (col) => col.primaryKey())
          .addColumn('datasource', 'text', (col) =>
            col.notNull().references('datasources.name').onUpdate('cascade').onDelete('restrict'),
          )
          .addColumn('definition', 'text', (col) => col.notNull())
          .addColumn('created_at', time, (col) => col.notNull())
          .addColumn('updated_at', time, (col) => col.notNull())
          .execute()
        await db.schema.createIndex('queries_datasource_idx').on('queries').column('datasource').execute()

        await db.schema
          .createTable('connections')
          .addColumn('datasource', 'text', (col) =>
            col.primaryKey().references('datasources.name').onUpdate('cascade').onDelete('cascade'),
          )
          .addColumn('version', 'integer', (col) => col.notNull())
          .addColumn('tokens', 'text')
          .addColumn('access_expires_at', time)
          .addColumn('status', 'text', (col) =>
            col.notNull().check(sql`status in ('connected', 'needs_consent')`),
          )
          .addColumn('status_message', 'text')
          .addColumn('scope', 'text')
          .addColumn('site', 'text')
          .addColumn('last_refresh_at', time)
          .addColumn('last_used_at', time)
          .addColumn('updated_at', time, (col) => col.notNull())
          .execute()

        await db.schema
          .createTable('cache')
          .addColumn('key', 'text', (col) => col.primaryKey())
          .addColumn('value', 'text', (col) => col.notNull())
          .addColumn('stored_at', time, (col) => col.notNull())
          .addColumn('expires_at', time, (col) => col.notNull())
          .execute()
        await db.schema.createIndex('cache_expires_at_idx').on('cache').column('expires_at').execute()
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async down(db: Kysely<any>) {
        for (const table of ['cache', 'connections', 'queries', 'datasources', 'meta'])
          await db.schema.dropTable(table).execute()
      },
    },
    '0002_accounts': {
      // The server's people and their browser state. Secrets (passwords, session ids, API tokens, OAuth
      // states) are stored only as hashes: a copy of the database logs nobody in.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('users')
          .addColumn('name', 'text', (col) => col.primaryKey())
          .addColumn('password_hash', 'text', (col) => col.notNull())
          .addColumn('role', 'text', (col) => col.notNull().check(sql`role in ('admin', 'editor', 'viewer')`))
          .addColumn('groups', 'text', (col) => col.notNull())
          .addColumn('created_at', time, (col) => col.notNull())
          .addColumn('updated_at', time, (col) => col.notNull())
          .execute()
        await db.schema
          .createTable('sessions')
          .addColumn('id_hash', 'text', (col) => col.primaryKey())
          .addColumn('user_name', 'text', (col) =>
            col.notNull().references('users.name').onUpdate('cascade').onDelete('cascade'),
          )
          .addColumn('csrf_token', 'text', (col) => col.notNull())
          .addColumn('created_at', time, (col) => col.notNull())
          .addColumn('expires_at', time, (col) => col.notNull())
          .execute()
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', 'text', (col) => col.primaryKey())
          .addColumn('user_name', 'text', (col) =>
            col.notNull().references('users.name').onUpdate('cascade').onDelete('cascade'),
          )
          .addColumn('name', 'text', (col) => col.notNull())
          .addColumn('token_hash', 'text', (col) => col.notNull().unique())
          .addColumn('created_at', time, (col) => col.notNull())
          .addColumn('last_used_at', time)
          .execute()
        await db.schema
          .createTable('consent_states')
          .addColumn('state_hash', 'text', (col) => col.primaryKey())
          .addColumn('session_hash', 'text', (col) => col.notNull())
          .addColumn('datasource', 'text', (col) => col.notNull())
          .addColumn('details', 'text', (col) => col.notNull())
          .addColumn('expires_at', time, (col) => col.notNull())
          .execute()
        await db.schema
          .createTable('leases')
          .addColumn('name', 'text', (col) => col.primaryKey())
          .addColumn('holder', 'text', (col) => col.notNull())
          .addColumn('expires_at', time, (col) => col.notNull())
          .execute()
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async down(db: Kysely<any>) {
        for (const table of ['leases', 'consent_states', 'api_tokens', 'sessions', 'users'])
          await db.schema.dropTable(table).execute()
      },
    },
    '0003_limits_and_token_scopes': {
      // Rate limits kept in the store, so every server on one database counts together (issue 10);
      // API tokens get a scope (what they may do, within their user's role) and an optional expiry.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('rate_limits')
          .addColumn('key', 'text', (col) => col.primaryKey())
          .addColumn('hits', 'integer', (col) => col.notNull())
          // Milliseconds since the epoch: compared and computed in SQL the same way on both dialects.
          .addColumn('reset_at', 'bigint', (col) => col.notNull())
          .execute()
        // Tokens made before scopes could do all their user could: they keep that.
        await db.schema
          .alterTable('api_tokens')
          .addColumn('scope', 'text', (col) => col.notNull().defaultTo('admin'))
          .execute()
        await db.schema.alterTable('api_tokens').addColumn('expires_at', time).execute()
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async down(db: Kysely<any>) {
        await db.schema.alterTable('api_tokens').dropColumn('expires_at').execute()
        await db.schema.alterTable('api_tokens').dropColumn('scope').execute()
        await db.schema.dropTable('rate_limits').execute()
      },
    },
    '0004_converter_and_template_library': {
      // Named converters and templates that several queries use (issue 13). A query refers to one by
      // name in a column of its own, so the database keeps the reference true: a rename cascades to the
      // queries, and one in use cannot be deleted (restrict), as with datasources.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        for (const table of ['converters', 'templates']) {
          await db.schema
            .createTable(table)
            .addColumn('name', 'text', (col) => col.primaryKey())
            .addColumn('description', 'text')
            .addColumn('content', 'text', (col) => col.notNull())
            .addColumn('created_at', time, (col) => col.notNull())
            .addColumn('updated_at', time, (col) => col.notNull())
            .execute()
        }
        // SQLite adds a column with a foreign key only when its default is NULL, which it is.
        for (const [column, table] of [
          ['converter_name', 'converters'],
          ['template_name', 'templates'],
        ] as const) {
          await db.schema
            .alterTable('queries')
            .addColumn(column, 'text', (col) =>
              col.references(`${table}.name`).onUpdate('cascade').onDelete('restrict'),
            )
            .execute()
          await db.schema.createIndex(`queries_${column}_idx`).on('queries').column(column).execute()
        }
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async down(db: Kysely<any>) {
        for (const column of ['converter_name', 'template_name']) {
          await db.schema.dropIndex(`queries_${column}_idx`).execute()
          await db.schema.alterTable('queries').dropColumn(column).execute()
        }
        for (const table of ['templates', 'converters']) await db.schema.dropTable(table).execute()
      },
    },
    '0005_schedules': {
      // Scheduled refreshes (issue 16). A schedule goes with its query (cascade, rename included).
      // Each tick is claimed by inserting (schedule, fire_at), the primary key of schedule_runs, so of
      // several servers on one store exactly one runs it; the rows are also the run history.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('schedules')
          .addColumn('name', 'text', (col) => col.primaryKey())
          .addColumn('query', 'text', (col) =>
            col.notNull().references('queries.name').onUpdate('cascade').onDelete('cascade'),
          )
          .addColumn('params', 'text', (col) => col.notNull())
          .addColumn('cron', 'text', (col) => col.notNull())
          .addColumn('time_zone', 'text', (col) => col.notNull())
          .addColumn('enabled', 'integer', (col) => col.notNull())
          // 1: each run also freezes its rows as a snapshot (0006's table, by the query's name).
          .addColumn('snapshot', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('next_run_at', time)
          .addColumn('last_run_at', time)
          .addColumn('last_status', 'text')
          .addColumn('last_row_count', 'integer')
          .addColumn('last_error', 'text')
          .addColumn('last_error_code', 'text')
          .addColumn('last_error_at', time)
          .addColumn('failures', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('created_at', time, (col) => col.notNull())
          .addColumn('updated_at', time, (col) => col.notNull())
          .execute()
        await db.schema.createIndex('schedules_query_idx').on('schedules').column('query').execute()
        await db.schema.createIndex('schedules_next_run_idx').on('schedules').column('next_run_at').execute()
        await db.schema
          .createTable('schedule_runs')
          .addColumn('schedule', 'text', (col) =>
            col.notNull().references('schedules.name').onUpdate('cascade').onDelete('cascade'),
          )
          .addColumn('fire_at', time, (col) => col.notNull())
          .addColumn('holder', 'text', (col) => col.notNull())
          .addColumn('started_at', time, (col) => col.notNull())
          .addColumn('finished_at', time)
          .addColumn('status', 'text')
          .addColumn('row_count', 'integer')
          .addColumn('error', 'text')
          .addPrimaryKeyConstraint('schedule_runs_pk', ['schedule', 'fire_at'])
          .execute()
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async down(db: Kysely<any>) {
        await db.schema.dropTable('schedule_runs').execute()
        await db.schema.dropTable('schedules').execute()
      },
    },
    '0006_snapshots': {
      // Frozen results of a query (issue 16). A snapshot keeps a copy of the query as it ran (its
      // definition with a named converter and template filled in, and that copy's hash), so it
      // survives edits of the query and deletes of what it used; `query` is the query's name, kept
      // without a foreign key: deleting the query keeps its snapshots, a rename carries them along
      // (query-repo.ts). The rows are gzip'd JSON (bytes: bytea on PostgreSQL, blob on SQLite).
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        const bytes = dialect === 'postgres' ? 'bytea' : 'blob'
        await db.schema
          .createTable('snapshots')
          .addColumn('id', 'text', (col) => col.primaryKey())
          .addColumn('query', 'text', (col) => col.notNull())
          .addColumn('taken_at', time, (col) => col.notNull())
          .addColumn('taken_by', 'text', (col) => col.notNull())
          .addColumn('params', 'text', (col) => col.notNull())
          .addColumn('definition', 'text', (col) => col.notNull())
          .addColumn('definition_hash', 'text', (col) => col.notNull())
          .addColumn('fetched_at', time, (col) => col.notNull())
          .addColumn('notices', 'text', (col) => col.notNull())
          .addColumn('columns', 'text', (col) => col.notNull())
          .addColumn('row_count', 'integer', (col) => col.notNull())
          .addColumn('rows_bytes', 'integer', (col) => col.notNull())
          .addColumn('rows', bytes, (col) => col.notNull())
          .execute()
        await db.schema
          .createIndex('snapshots_query_taken_at_idx')
          .on('snapshots')
          .columns(['query', 'taken_at'])
          .execute()
        // A query's own retention rule; a query without a row keeps the default (snapshot-repo.ts).
        await db.schema
          .createTable('snapshot_retention')
          .addColumn('query', 'text', (col) => col.primaryKey())
          .addColumn('keep_last', 'integer')
          .addColumn('max_age_seconds', 'integer')
          .addColumn('updated_at', time, (col) => col.notNull())
          .execute()
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async down(db: Kysely<any>) {
        await db.schema.dropTable('snapshot_retention').execute()
        await db.schema.dropIndex('snapshots_query_taken_at_idx').execute()
        await db.schema.dropTable('snapshots').execute()
      },
    },
    '0007_alerts': {
      // Alerts (issue 16): a condition on a query's result, checked on its schedule, and the channels
      // told when it changes state. An alert belongs to its query: a rename follows it, a removed
      // query takes its alerts (and their events) with it.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('alerts')
          .addColumn('name', 'text', (col) => col.primaryKey())
          .addColumn('query', 'text', (col) =>
            col.notNull().references('queries.name').onUpdate('cascade').onDelete('cascade'),
          )
          .addColumn('config', 'text', (col) => col.notNull())
          .addColumn('secrets', 'text', (col) => col.notNull())
          .addColumn('state', 'text', (col) => col.notNull().check(sql`state in ('ok', 'firing', 'error')`))
          .addColumn('notified_state', 'text', (col) =>
            col.notNull().check(sql`notified_state in ('ok', 'firing')`),
          )
          .addColumn('last_error', 'text')
          .addColumn('last_checked_at', time)
          .addColumn('last_changed_at', time)
          .addColumn('created_at', time, (col) => col.notNull())
          .addColumn('updated_at', time, (col) => col.notNull())
          .execute()
        await db.schema.createIndex('alerts_query_idx').on('alerts').column('query').execute()
        await db.schema
          .createTable('alert_events')
          .addColumn('id', 'text', (col) => col.primaryKey())
          .addColumn('alert', 'text', (col) =>
            col.notNull().references('alerts.name').onUpdate('cascade').onDelete('cascade'),
          )
          .addColumn('at', time, (col) => col.notNull())
          .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('change', 'test', 'error')`))
          .addColumn('from_state', 'text', (col) => col.notNull())
          .addColumn('to_state', 'text', (col) => col.notNull())
          .addColumn('summary', 'text', (col) => col.notNull())
          .addColumn('deliveries', 'text')
          .execute()
        await db.schema
          .createIndex('alert_events_alert_at_idx')
          .on('alert_events')
          .columns(['alert', 'at'])
          .execute()
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async down(db: Kysely<any>) {
        await db.schema.dropTable('alert_events').execute()
        await db.schema.dropTable('alerts').execute()
      },
    },
    '0008_audit_and_versions': {
      // The audit log and the versions of queries, converters and templates (issue 19). Entries are
      // written in the transaction of the change they record (src/store/audit-recorder.ts). Versions
      // are keyed by kind and name, not tied by a foreign key: a rename moves them in the same
      // transaction, and the audit log outlives what it describes.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('audit_log')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (col) =>
            dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement(),
          )
          .addColumn('at', time, (col) => col.notNull())
          .addColumn('actor', 'text', (col) => col.notNull())
          .addColumn('actor_name', 'text', (col) => col.notNull())
          .addColumn('kind', 'text', (col) => col.notNull())
          .addColumn('object', 'text', (col) => col.notNull())
          .addColumn('action', 'text', (col) => col.notNull())
          .addColumn('changes', 'text', (col) => col.notNull())
          .addColumn('version', 'integer')
          .execute()
        await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute()
        await db.schema
          .createIndex('audit_log_object_idx')
          .on('audit_log')
          .columns(['kind', 'object'])
          .execute()
        await db.schema.createIndex('audit_log_actor_idx').on('audit_log').column('actor_name').execute()

        await db.schema
          .createTable('object_versions')
          .addColumn('kind', 'text', (col) => col.notNull())
          .addColumn('name', 'text', (col) => col.notNull())
          .addColumn('version', 'integer', (col) => col.notNull())
          .addColumn('at', time, (col) => col.notNull())
          .addColumn('actor', 'text', (col) => col.notNull())
          .addColumn('actor_name', 'text', (col) => col.notNull())
          .addColumn('definition', 'text', (col) => col.notNull())
          .addPrimaryKeyConstraint('object_versions_pk', ['kind', 'name', 'version'])
          .execute()
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async down(db: Kysely<any>) {
        await db.schema.dropTable('object_versions').execute()
        await db.schema.dropTable('audit_log').execute()
      },
    },
    '0009_subscriptions': {
      // Subscriptions (issue 16): a schedule's runs mailed to addresses. A subscription goes with its
      // schedule (cascade, rename included). The definition is JSON the store does not look inside; the
      // SMTP login and the key that signs unsubscribe links are one secret envelope.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('subscriptions')
          .addColumn('name', 'text', (col) => col.primaryKey())
          .addColumn('schedule', 'text', (col) =>
            col.notNull().references('schedules.name').onUpdate('cascade').onDelete('cascade'),
          )
          .addColumn('config', 'text', (col) => col.notNull())
          .addColumn('secrets', 'text', (col) => col.notNull())
          .addColumn('last_sent_at', time)
          .addColumn('last_error', 'text')
          .addColumn('created_at', time, (col) => col.notNull())
          .addColumn('updated_at', time, (col) => col.notNull())
          .execute()
        await db.schema
          .createIndex('subscriptions_schedule_idx')
          .on('subscriptions')
          .column('schedule')
          .execute()
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async down(db: Kysely<any>) {
        await db.schema.dropTable('subscriptions').execute()
      },
    },
    '0010_user_connections': {
      // Per-user connections (issue 15): a datasource in per-user mode holds one grant per person, so
      // a connection is keyed by (datasource, user_name); '' is the datasource's shared connection.
      // user_name has no foreign key because '' is nobody: deleting a user deletes their connections in
      // the same transaction (account-repo.ts), and a renamed user is not a thing Quarry does.
      // SQLite cannot change a primary key in place: the table is rebuilt (nothing refers to it).
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async up(db: Kysely<any>) {
        if (dialect === 'postgres') {
          await db.schema
            .alterTable('connections')
            .addColumn('user_name', 'text', (col) => col.notNull().defaultTo(''))
            .execute()
          await sql`alter table connections drop constraint connections_pkey`.execute(db)
          await sql`alter table connections add constraint connections_pkey primary key (datasource, user_name)`.execute(
            db,
          )
          return
        }
        await createConnections(db, 'connections_0010', time)
        await sql`insert into connections_0010 (datasource, user_name, version, tokens, access_expires_at,
          status, status_message, scope, site, last_refresh_at, last_used_at, updated_at)
          select datasource, '', version, tokens, access_expires_at, status, status_message, scope, site,
          last_refresh_at, last_used_at, updated_at from connections`.execute(db)
        await db.schema.dropTable('connections').execute()
        await db.schema.alterTable('connections_0010').renameTo('connections').execute()
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async down(db: Kysely<any>) {
        await db.deleteFrom('connections').where('user_name', '<>', '').execute()
        if (dialect === 'postgres') {
          await sql`alter table connections drop constraint connections_pkey`.execute(db)
          await db.schema.alterTable('connections').dropColumn('user_name').execute()
          await sql`alter table connections add constraint connections_pkey primary key (datasource)`.execute(
            db,
          )
          return
        }
        // SQLite cannot drop a primary-key column: back to 0001's shape by a rebuild.
        await sql`create table connections_0009 as select datasource, version, tokens, access_expires_at,
          status, status_message, scope, site, last_refresh_at, last_used_at, updated_at from connections`.execute(
          db,
        )
        await db.schema.dropTable('connections').execute()
        await sql`create table connections (datasource text primary key references datasources (name)
          on update cascade on delete cascade, version integer not null, tokens text, access_expires_at text,
          status text not null check (status in ('connected', 'needs_consent')), status_message text,
          scope text, site text, last_refresh_at text, last_used_at text, updated_at text not null)`.execute(
          db,
        )
        await sql`insert into connections select * from connections_0009`.execute(db)
        await db.schema.dropTable('connections_0009').execute()
      },
    },
  }
}

/**
 * The connections table as 0010 leaves it: one row per (datasource, user_name), gone with its datasource
 * (cascade, rename included).
 */
async function createConnections(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  table: string,
  time: 'timestamptz' | 'text',
): Promise<void> {
  await db.schema
    .createTable(table)
    .addColumn('datasource', 'text', (col) =>
      col.notNull().references('datasources.name').onUpdate('cascade').onDelete('cascade'),
    )
    .addColumn('user_name', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('tokens', 'text')
    .addColumn('access_expires_at', time)
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('connected', 'needs_consent')`))
    .addColumn('status_message', 'text')
    .addColumn('scope', 'text')
    .addColumn('site', 'text')
    .addColumn('last_refresh_at', time)
    .addColumn('last_used_at', time)
    .addColumn('updated_at', time, (col) => col.notNull())
    .addPrimaryKeyConstraint(`${table}_pk`, ['datasource', 'user_name'])
    .execute()
}

/** Kysely's Migrator takes its migrations from a provider; ours are in the code, not in files. */
class InCodeMigrationProvider implements MigrationProvider {
  readonly #dialect: Dialect
  constructor(dialect: Dialect) {
    this.#dialect = dialect
  }
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.#dialect)
  }
}

/**
 * The names of all migrations this version of Quarry knows, oldest first.
 *
 * @example
 * migrationNames('sqlite') // ['0001_initial']
 */
export function migrationNames(dialect: Dialect): string[] {
  return Object.keys(migrations(dialect)).sort()
}

/**
 * Brings the store's schema to the latest migration. Cheap when nothing is pending (one read, no
 * lock), because every CLI run opens the store. On SQLite the whole run happens inside one BEGIN
 * IMMEDIATE transaction (SQLite's DDL is transactional even though Kysely does not rely on it), so two
 * processes opening a new store at once cannot both create the tables, and a failed migration leaves
 * nothing behind; on PostgreSQL Kysely's Migrator takes an advisory lock and a transaction itself.
 *
 * @example
 * await migrateToLatest(db, 'sqlite', { where: '/tmp/quarry.db', busyTimeoutMs: 30_000 })
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: Dialect,
  options: { where: string; busyTimeoutMs: number; schema?: string },
): Promise<void> {
  const known = migrationNames(dialect)
  const executed = await executedMigrations(db, dialect)
  const unknown = executed.filter((name) => !known.includes(name))
  if (unknown.length > 0) {
    throw new StoreError(
      'QUARRY_STORE_MIGRATION_FAILED',
      `The store ${options.where} was migrated by a newer version of Quarry (it has migration ` +
        `${unknown.join(', ')}, which this version does not know). Upgrade Quarry.`,
    )
  }
  if (known.every((name) => executed.includes(name))) return

  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(dialect),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    // Kysely's check for its tables looks in every schema unless told which one; name ours.
    ...(options.schema === undefined ? {} : { migrationTableSchema: options.schema }),
  })

  const fail = (cause: unknown) =>
    new StoreError(
      'QUARRY_STORE_MIGRATION_FAILED',
      `Migrating the store ${options.where} failed: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        `Nothing was changed; check the database's permissions and free space, then try again.`,
      { cause },
    )

  if (dialect === 'postgres') {
    const { error } = await migrator.migrateToLatest()
    if (error !== undefined) throw fail(error)
    return
  }

  await retryWhileBusy(
    () => sql`begin immediate`.execute(db),
    Date.now() + options.busyTimeoutMs,
    (cause) =>
      new StoreError(
        'QUARRY_STORE_BUSY',
        `The SQLite store ${options.where} stayed locked by another process for ` +
          `${options.busyTimeoutMs / 1000} s while this one waited to migrate it. Try again.`,
        { cause },
      ),
  )
  let error: unknown
  try {
    ;({ error } = await migrator.migrateToLatest())
  } catch (thrown) {
    error = thrown
  }
  if (error === undefined) {
    await sql`commit`.execute(db)
    return
  }
  await sql`rollback`.execute(db)
  throw fail(error)
}

async function executedMigrations(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  const exists =
    dialect === 'postgres'
      ? await sql<{ found: string | null }>`select to_regclass(${MIGRATION_TABLE})::text as found`.execute(db)
      : await sql<{ found: string | null }>`select name as found from sqlite_master
          where type = 'table' and name = ${MIGRATION_TABLE}`.execute(db)
  if ((exists.rows[0]?.found ?? null) === null) return []
  const rows = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db)
  return rows.rows.map((row) => row.name)
}

/**
 * Runs the migrations up to `target` (a migration name, or 'latest') inside a transaction the caller
 * already holds — `db` is that transaction on PostgreSQL, and on SQLite the one connection inside its
 * BEGIN IMMEDIATE. A restore (backup.ts) rebuilds the schema a backup was written with, loads the
 * rows, then brings it forward, and must be able to roll all of it back at once.
 *
 * @example
 * await migrateWithin(trx, 'postgres', '0002_accounts', 'quarry_test')
 */
export async function migrateWithin(
  db: Kysely<Database>,
  dialect: Dialect,
  target: string,
  schema?: string,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(dialect),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  })
  const { error } = target === 'latest' ? await migrator.migrateToLatest() : await migrator.migrateTo(target)
  if (error !== undefined) throw error
}

/**
 * Reads which migrations the store has run ([] for a database Quarry never opened).
 *
 * @example
 * await appliedMigrations(db, 'sqlite') // ['0001_initial', '0002_accounts', …]
 */
export async function appliedMigrations(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  return (await executedMigrations(db, dialect)).sort()
}

/** Kysely's bookkeeping tables: a backup records the migrations in its header instead of as rows. */
export const MIGRATION_TABLES: readonly string[] = [MIGRATION_TABLE, MIGRATION_LOCK_TABLE]
