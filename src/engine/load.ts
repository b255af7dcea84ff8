import { DatasourceSchema, joinSecrets, type Datasource, type RestDatasource } from '../domain/datasource.js'
import { QuarryError } from '../domain/errors.js'
import { QuerySchema, type Query } from '../domain/query.js'
import type { Store } from '../store/index.js'

/** A query with its datasource, parsed, secrets joined. */
export interface LoadedQuery {
  readonly query: Query
  readonly datasource: Datasource
}

/** Loads a query and its datasource from the store, parsed and with secrets joined back. */
export async function loadQuery(store: Store, name: string): Promise<LoadedQuery> {
  const storedQuery = await store.queries.get(name)
  if (!storedQuery)
    throw new QuarryError('QUARRY_QUERY_NOT_FOUND', `No query named "${name}". See: quarry query list`)
  const query = QuerySchema.parse({
    ...(storedQuery.definition as object),
    name: storedQuery.name,
    datasource: storedQuery.datasource,
  })
  return { query, datasource: await loadDatasource(store, query.datasource) }
}

/** A query given by name is loaded; one loaded already (the server checked its visibility on it) is used as is. */
export async function loadedQuery(store: Store, query: string | LoadedQuery): Promise<LoadedQuery> {
  return typeof query === 'string' ? loadQuery(store, query) : query
}

export async function loadDatasource(store: Store, name: string): Promise<Datasource> {
  const stored = await store.datasources.get(name)
  if (!stored) {
    throw new QuarryError(
      'QUARRY_DATASOURCE_NOT_FOUND',
      `No datasource named "${name}". See: quarry datasource list`,
    )
  }
  return DatasourceSchema.parse(joinSecrets(stored.config as Datasource, stored.secrets))
}

/**
 * Loads a REST datasource, for what only REST has (OAuth connect, request tests).
 *
 * @example const jira = await loadRestDatasource(store, 'jira', 'quarry connect')
 */
export async function loadRestDatasource(store: Store, name: string, what: string): Promise<RestDatasource> {
  const datasource = await loadDatasource(store, name)
  if (datasource.type !== 'rest') {
    throw new QuarryError(
      'QUARRY_DATASOURCE_KIND',
      `Datasource "${name}" is a ${datasource.type} database; ${what} is for REST datasources.`,
    )
  }
  return datasource
}
