import { isContextName } from '../domain/context-params.js'
import { bindBody, bindHeaderValue, bindUrl } from '../http/bind.js'
import { scanSqlParams, type SqlDialect } from '../sql/bind-sql.js'
import type { ParamValue } from '../domain/params.js'
import type { ParamSpec, Query } from '../domain/query.js'
import type { LoadedQuery } from './load.js'

/**
 * Finding the `:name` parameters a query uses, as PocketQuery does when a query is saved: the CLI
 * (`quarry query add/edit`), the server (POST/PUT /api/queries) and `quarry import` all call
 * withDetectedParams, so a query runs without declaring each parameter by hand (issue 13).
 *
 * What counts as a parameter is exactly what the binders bind at run time — the SQL binder's scanner
 * (literals, comments, `::casts`, `$$…$$` skipped) and the REST binders of src/http/bind.ts (a value
 * after a JSON key's colon, `https://`, `12:30` are not parameters) — so detection and binding
 * cannot disagree.
 */

/** A SQL datasource's type is its dialect. */
const SQL_DIALECTS: readonly SqlDialect[] = ['postgres', 'mysql', 'sqlite']

/** A stand-in value for the REST binders: every name they ask for is recorded. */
class RecordingValues extends Map<string, ParamValue> {
  readonly names: string[] = []
  override get(name: string): ParamValue {
    if (!this.names.includes(name)) this.names.push(name)
    return 'p'
  }
  override has(name: string): boolean {
    this.get(name)
    return true
  }
}

/** Runs a binder for the names it asks for; a malformed template is reported when the query runs. */
function recorded(bind: (values: RecordingValues) => unknown): string[] {
  const values = new RecordingValues()
  try {
    bind(values)
  } catch {
    // The names asked for before the binder gave up are still what it would bind.
  }
  return values.names
}

/**
 * The parameter names a query's statement uses, in order of first use. A SQL statement needs its
 * datasource's type (its dialect); with an unknown datasource it yields none.
 *
 * @example usedParamNames({ path: '/search/jql?jql=:jql&fields=key', body: undefined, sql: undefined }, 'rest') // ['jql']
 */
export function usedParamNames(
  query: Pick<Query, 'path' | 'body' | 'sql'>,
  datasourceType: string | undefined,
): string[] {
  const names: string[] = []
  if (query.sql !== undefined) {
    const dialect = SQL_DIALECTS.find((known) => known === datasourceType)
    if (dialect === undefined) return []
    try {
      for (const site of scanSqlParams(dialect, query.sql)) names.push(site.name)
    } catch {
      // `?` or `$1` in the statement: the binder says so, with the fix, when the query runs.
    }
  } else {
    const { path, body } = query
    if (path !== undefined)
      names.push(...recorded((values) => bindUrl('http://quarry.invalid/', path, values)))
    if (body !== undefined) names.push(...recorded((values) => bindBody(body, values)))
  }
  return [...new Set(names)]
}

/**
 * The context parameters (`@user.name`, `@today` …) a loaded query uses, in its statement or in its
 * datasource's header values: the ones the engine fills for a run (issue 15).
 *
 * @example usedContextNames({ query: { path: '/search?jql=assignee=:@user.email', … }, datasource }) // ['@user.email']
 */
export function usedContextNames({ query, datasource }: Pick<LoadedQuery, 'query' | 'datasource'>): string[] {
  const names = usedParamNames(query, datasource.type).filter(isContextName)
  if (datasource.type === 'rest') {
    for (const header of datasource.headers)
      names.push(...recorded((values) => bindHeaderValue(header.name, header.value, values)))
  }
  return [...new Set(names)]
}

/**
 * The query with every parameter it uses declared: undeclared ones are added as strings after the
 * declared ones (which are kept as they are, also when unused). Context parameters (`:@now` …) are
 * Quarry's to fill, never declared.
 *
 * @example withDetectedParams(QuerySchema.parse({ name: 'q', datasource: 'db', sql: 'SELECT :id' }), 'postgres').params
 * // [{ name: 'id', type: 'string' }]
 */
export function withDetectedParams<T extends Pick<Query, 'path' | 'body' | 'sql' | 'params'>>(
  query: T,
  datasourceType: string | undefined,
): T {
  const declared = new Set(query.params.map((param) => param.name))
  const added: ParamSpec[] = usedParamNames(query, datasourceType)
    .filter((name) => !declared.has(name) && !isContextName(name))
    .map((name) => ({ name, type: 'string' }))
  return added.length === 0 ? query : { ...query, params: [...query.params, ...added] }
}
