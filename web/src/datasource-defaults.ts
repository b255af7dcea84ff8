import { REST_DEFAULTS, SQL_DEFAULTS, SQL_SERVER_DEFAULTS } from '../../src/domain/datasource-defaults.js'
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
  ...REST_DEFAULTS,
  headers: [],
  allowedHosts: [],
  auth: { type: 'none' },
}

/** A new datasource of `type` with the schema's defaults, keeping the name typed so far. */
export function datasourceOfType(type: DatasourceType, name: string): Datasource {
  switch (type) {
    case 'rest':
      return { ...NEW_REST_DATASOURCE, name }
    case 'sqlite':
      return { name, type, path: '', ...SQL_DEFAULTS }
    case 'postgres':
    case 'mysql':
      return {
        name,
        type,
        url: '',
        tls: { mode: SQL_SERVER_DEFAULTS.tlsMode },
        poolSize: SQL_SERVER_DEFAULTS.poolSize,
        ...SQL_DEFAULTS,
      }
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
