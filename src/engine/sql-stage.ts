import { converterMetadata } from '../convert/index.js'
import { outcomeOf, secondsSince, type Meter } from '../domain/meter.js'
import type { SqlBatch } from '../sql/index.js'
import type { BoundQuery } from './bind.js'
import { resultLimits } from './limits.js'
import type { StageInput } from './stage.js'

/**
 * A SQL query's rows: batches of rows stream from the driver as JSON text. Without a converter
 * they go out as they come (onRows), like REST pages; with one, the converter gets the whole
 * result as one JSON array text — as a REST converter gets one whole response.
 * Answers how many batches arrived.
 */
export async function sqlStage(input: StageInput<Extract<BoundQuery, { kind: 'sql' }>>): Promise<number> {
  const { deps, run, values, rows, notices, onPage } = input
  const { query, datasource, sql } = run
  const byQuery = query.maxRows !== undefined && query.maxRows < datasource.maxRows
  const maxRows = byQuery ? (query.maxRows as number) : datasource.maxRows
  const batches = counted(datasource.name, deps.meter, () =>
    sql.sqlRows(datasource, run.bound, {
      maxRows,
      onLimit: () =>
        notices.push(
          `Stopped at ${maxRows} rows (the ${byQuery ? "query's maxRows" : "datasource's row limit"}); the query returns more.`,
        ),
      ...(input.signal ? { signal: input.signal } : {}),
    }),
  )
  let pages = 0
  if (query.converter === undefined) {
    for await (const batch of batches) {
      pages++
      onPage?.(pages)
      await rows.addObjects(batch.rows, () => batch.rowsJson)
    }
    return pages
  }
  const converterInput = await rowsText(batches, () => {
    pages++
    onPage?.(pages)
  })
  // The converter's rows stream out in chunks, as a REST page's do.
  await deps.converters.run(
    {
      source: query.converter,
      limits: resultLimits(query, datasource),
      pages: [converterInput],
      metadata: converterMetadata(query.name, Object.fromEntries(values)),
    },
    { onRows: (json, count) => rows.add(json, count) },
  )
  return pages
}

/** The statement's batches, counted as one upstream request from the first to the last (or its failure). */
async function* counted<T>(
  datasource: string,
  meter: Meter | undefined,
  start: () => AsyncIterable<T>,
): AsyncIterable<T> {
  if (meter === undefined) return yield* start()
  const began = performance.now()
  try {
    yield* start()
    meter.upstream(datasource, 'ok', secondsSince(began))
  } catch (error) {
    meter.upstream(datasource, outcomeOf(error), secondsSince(began))
    throw error
  }
}

/** Batches of rows as one JSON array text: what a SQL converter gets, and what a sample shows. */
export async function rowsText(batches: AsyncIterable<SqlBatch>, onBatch?: () => void): Promise<string> {
  const parts: string[] = []
  for await (const batch of batches) {
    onBatch?.()
    if (batch.rowCount > 0) parts.push(batch.rowsJson.slice(1, -1))
  }
  return `[${parts.join(',')}]`
}
