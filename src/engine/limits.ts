import type { Datasource } from '../domain/datasource.js'
import type { Query } from '../domain/query.js'

/** What a converter may return in one run: the query's setting, else its datasource's, else the pool's defaults. */
export function resultLimits(query: Query, datasource: Datasource): { maxRows?: number; maxBytes?: number } {
  const maxRows = query.converterMaxRows ?? datasource.converterMaxRows
  const maxBytes = query.converterMaxBytes ?? datasource.converterMaxBytes
  return { ...(maxRows === undefined ? {} : { maxRows }), ...(maxBytes === undefined ? {} : { maxBytes }) }
}
