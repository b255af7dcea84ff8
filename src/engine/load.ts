import { DatasourceSchema, joinSecrets, type Datasource, type RestDatasource } from '../domain/datasource.js'
import { QuarryError } from '../domain/errors.js'
import { queryInputOf, QuerySchema, type Query } from '../domain/query.js'
import type { Store } from '../store/index.js'
import { converterOf, templateOf } from './library.js'

/** A query with its datasource, parsed, secrets joined. */
export interface LoadedQuery {
  /**
   * The query as it runs: a named converter's source in `converter`, a named template in `template`
   * (with `converterName` / `templateName` still saying where they came from).
   */
  readonly query: Query
  readonly datasource: Datasource
}

/**
 * A query as saved: its named converter and template by name only, as an editor changes and saves it
 * again (the query as it runs, loadQuery's, has their contents filled in).
 *
 * @example (await loadSavedQuery(store, 'open-bugs')).converterName // 'issue-rows'
 */
export async function loadSavedQuery(store: Store, name: string): Promise<Query> {
  const storedQuery = await store.queries.get(name)
  if (!storedQuery)
    throw new QuarryError('QUARRY_QUERY_NOT_FOUND', `No query named "${name}". See: quarry query list`)
  return QuerySchema.parse(queryInputOf(storedQuery))
}

/**
 * Loads a query and its datasource from the store, parsed and with secrets joined back; a named
 * converter or template is read now, so an edit of it reaches every query that uses it on its next
 * run (and, the converter being part of the cache key, misses the results cached before the edit).
 */
export async function loadQuery(store: Store, name: string): Promise<LoadedQuery> {
  const query = await resolveNamed(store, await loadSavedQuery(store, name))
  return { query, datasource: await loadDatasource(store, query.datasource) }
}

/**
 * The query with its named converter's source and its named template filled in (frozen, like every
 * value through the engine); one without names as it is.
 */
export async function resolveNamed(store: Store, query: Query): Promise<Query> {
  if (query.converterName === undefined && query.templateName === undefined) return query
  return Object.freeze({
    ...query,
    ...(query.converterName === undefined
      ? {}
      : { converter: await converterOf(store, query.converterName) }),
    ...(query.templateName === undefined ? {} : { template: await templateOf(store, query.templateName) }),
  })
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
