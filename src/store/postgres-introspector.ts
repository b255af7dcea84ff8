import {
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely'

/**
 * What Kysely's Migrator asks the database before it migrates (does the schema exist, do its two
 * tables), answered from the store's own schema only.
 *
 * Kysely's PostgresIntrospector lists the tables of every schema, and its query resolves each schema
 * by name (`has_schema_privilege`, `pg_get_serial_sequence`). A schema dropped by someone else while
 * that query runs makes it fail with "schema … does not exist" (3F000), and the store's migration
 * with it, on a database shared with anything that drops schemas. Here the tables are looked up by
 * the namespace's oid, and only in `schema`; no other schema's name is ever resolved.
 */
export class SchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>
  readonly #schema: string

  constructor(db: Kysely<unknown>, schema: string) {
    this.#db = db
    this.#schema = schema
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(
      this.#db,
    )
    return rows.map(({ name }) => ({ name }))
  }

  /** The tables and views of the store's schema; columns are not listed (the Migrator needs names). */
  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; kind: string }>`
      select c.relname as name, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
      where ns.nspname = ${this.#schema} and c.relkind in ('r', 'v', 'p', 'f')
      order by c.relname`.execute(this.#db)
    return rows.map(({ name, kind }) => ({
      name,
      schema: this.#schema,
      isView: kind === 'v',
      isForeign: kind === 'f',
      columns: [],
    }))
  }
}

/** Kysely's PostgreSQL dialect with the schema-scoped introspector above. */
export class SchemaPostgresDialect extends PostgresDialect {
  readonly #schema: string

  constructor(config: ConstructorParameters<typeof PostgresDialect>[0], schema: string) {
    super(config)
    this.#schema = schema
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SchemaIntrospector(db, this.#schema)
  }
}
