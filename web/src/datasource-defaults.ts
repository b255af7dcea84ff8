import type { Datasource, DatasourceType, RestDatasource, SqlDatasource } from './api.js'

/** What the type picker says for each kind of datasource. */
export const DATASOURCE_TYPE_LABELS: Record<DatasourceType, string> = {
  rest: 'REST API',
  postgres: 'PostgreSQL',
  mysql: 'MySQL / MariaDB',
  sqlite: 'SQLite',
}

export const NEW_REST_DATASOURCE: RestDatasource = {
  name: '',
  type: 'rest',
  baseUrl: '',
  testPath: '/',
  headers: [],
  timeoutMs: 30_000,
  maxResponseBytes: 64 * 1024 * 1024,
  allowedHosts: [],
  auth: { type: 'none' },
}

// The schema's defaults (src/domain/datasource.ts): a type-only import keeps zod out of the bundle.
const SQL_DEFAULTS = { statementTimeoutMs: 30_000, maxRows: 1_000_000, readOnly: true }

/** A new datasource of `type` with the schema's defaults, keeping the name typed so far. */
export function datasourceOfType(type: DatasourceType, name: string): Datasource {
  switch (type) {
    case 'rest':
      return { ...NEW_REST_DATASOURCE, name }
    case 'sqlite':
      return { name, type, path: '', ...SQL_DEFAULTS }
    case 'postgres':
    case 'mysql':
      return { name, type, url: '', tls: { mode: 'disable' }, poolSize: 4, ...SQL_DEFAULTS }
  }
}

/** True for the database kinds. */
export function isSql(datasource: Datasource): datasource is SqlDatasource {
  return datasource.type !== 'rest'
}

/** What is sent: the connection fields left empty are left out (the schema wants them absent, not ""). */
export function toSavedDatasource(datasource: Datasource): Datasource {
  if (datasource.type === 'rest' || datasource.type === 'sqlite') return datasource
  const saved = { ...datasource, tls: { ...datasource.tls } }
  for (const key of ['url', 'host', 'database', 'user', 'password'] as const)
    if (saved[key] === '') delete saved[key]
  if (!saved.tls.ca) delete saved.tls.ca
  return saved
}
