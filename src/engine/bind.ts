import type { Datasource, RestDatasource, SqlDatasource } from '../domain/datasource.js'
import { QuarryError } from '../domain/errors.js'
import type { ParamValue } from '../domain/params.js'
import type { Query } from '../domain/query.js'
import { bindBody, bindUrl, type BoundRequest } from '../http/bind.js'
import type * as Sql from '../sql/index.js'
import type { LoadedQuery } from './load.js'
import { loadSqlStage } from './sql-module.js'

/** A query with its parameters bound, ready for its datasource's stage. */
export type BoundQuery =
  | {
      readonly kind: 'rest'
      readonly query: Query
      readonly datasource: RestDatasource
      /** The first request, without credentials. */
      readonly first: BoundRequest
    }
  | {
      readonly kind: 'sql'
      readonly query: Query
      readonly datasource: SqlDatasource
      readonly sql: typeof Sql
      /** The statement and its values, bound as the datasource's dialect wants them. */
      readonly bound: Sql.BoundSql
    }

/**
 * Binds a query's parameters for its datasource: a REST query's first request, a SQL query's
 * statement. A query whose kind does not match its datasource's is refused here.
 *
 * @example const bound = await bindLoadedQuery(await loadQuery(store, 'issues'), resolveParams(query, {}))
 */
export async function bindLoadedQuery(
  { query, datasource }: LoadedQuery,
  values: ReadonlyMap<string, ParamValue>,
): Promise<BoundQuery> {
  if (datasource.type === 'rest') {
    if (query.path === undefined) throw wrongKind(query, datasource)
    return { kind: 'rest', query, datasource, first: bindQuery(datasource, query, values) }
  }
  if (query.sql === undefined) throw wrongKind(query, datasource)
  const sql = await loadSqlStage()
  return {
    kind: 'sql',
    query,
    datasource,
    sql,
    bound: sql.bindFor(datasource, query.sql, query.params, values),
  }
}

/** The first request of a query, parameters bound, without credentials. */
export function bindQuery(
  datasource: RestDatasource,
  query: Query,
  values: ReadonlyMap<string, ParamValue>,
): BoundRequest {
  const headers: Record<string, string> = { accept: 'application/json' }
  for (const header of datasource.headers) headers[header.name.toLowerCase()] = header.value
  const body = query.body === undefined ? undefined : bindBody(query.body, values)
  if (body !== undefined) headers['content-type'] = 'application/json'
  return Object.freeze({
    method: query.method,
    url: bindUrl(datasource.baseUrl, query.path ?? '', values),
    headers: Object.freeze(headers),
    ...(body === undefined ? {} : { body }),
  })
}

function wrongKind(query: Query, datasource: Datasource): QuarryError {
  return new QuarryError(
    'QUARRY_DATASOURCE_KIND',
    datasource.type === 'rest'
      ? `Query "${query.name}" has SQL, but datasource "${datasource.name}" is a REST API: give it a --path instead (quarry query edit ${query.name} --path …).`
      : `Query "${query.name}" has a path, but datasource "${datasource.name}" is a ${datasource.type} database: give it --sql "SELECT …" instead.`,
  )
}
