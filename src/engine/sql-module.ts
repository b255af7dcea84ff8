import type * as Sql from '../sql/index.js'

/** The SQL stage (and its drivers), loaded on the first SQL query: REST runs never pay for it. */
let sqlStage: typeof Sql | undefined

/** The SQL stage module, loaded once; closeSqlPools() closes what it opened. */
export async function loadSqlStage(): Promise<typeof Sql> {
  return sqlStage ?? (sqlStage = await import('../sql/index.js'))
}

/**
 * Closes the SQL datasources' connection pools (if any SQL query ran), so a CLI process exits at once.
 *
 * @example try { await runQuery(deps, { query: 'orders' }) } finally { await closeSqlPools() }
 */
export async function closeSqlPools(): Promise<void> {
  await sqlStage?.closeSqlDrivers()
}
