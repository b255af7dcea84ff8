/**
 * What a datasource's optional settings are when left out, as plain values: the schema
 * (datasource.ts) is built from them, and the admin UI's new-datasource forms start from them.
 * No imports, so no zod in the browser (like token-scope.ts).
 */

export const REST_DEFAULTS = {
  testPath: '/',
  timeoutMs: 30_000,
  maxResponseBytes: 64 * 1024 * 1024,
  /** One grant for everyone (issue 15: `per-user` is each viewer's own, 3LO only). */
  connectionMode: 'shared',
} as const

/** Every SQL datasource's limits and read-only rule. */
export const SQL_DEFAULTS = { statementTimeoutMs: 30_000, maxRows: 1_000_000, readOnly: true } as const

/** A client-server database's connection settings (PostgreSQL, MySQL/MariaDB). */
export const SQL_SERVER_DEFAULTS = { poolSize: 4, tlsMode: 'disable' } as const
