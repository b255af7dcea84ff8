import type { Datasource, RestDatasource, SqlDatasource } from '../domain/datasource.js'
import { CONTEXT_PARAMS } from '../domain/context-params.js'
import { QuarryError } from '../domain/errors.js'
import type { ParamValue } from '../domain/params.js'
import type { ParamSpec, Query } from '../domain/query.js'
import { bindBody, bindHeaderValue, bindUrl, type BoundRequest } from '../http/bind.js'
import type * as Sql from '../sql/index.js'
import type { LoadedQuery } from './load.js'
import { loadSqlStage } from './sql-module.js'

const CONTEXT_SPECS: readonly ParamSpec[] = CONTEXT_PARAMS.map(({ name, type }) => ({ name, type }))

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
    // Context parameters bind by their own types (a list expands, as :@user.groups should).
    bound: sql.bindFor(datasource, query.sql, [...query.params, ...CONTEXT_SPECS], values),
  }
}

/** The first request of a query, parameters bound, without credentials. */
export function bindQuery(
  datasource: RestDatasource,
  query: Query,
  values: ReadonlyMap<string, ParamValue>,
): BoundRequest {
  const headers: Record<string, string> = { accept: 'application/json' }
  // A datasource header may carry a context parameter (`X-On-Behalf-Of: :@user.email`, issue 15).
  for (const header of datasource.headers)
    headers[header.name.toLowerCase()] = bindHeaderValue(header.name, header.value, values)
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
