import { converterMetadata, defaultRows } from '../convert/index.js'
import { paginate } from '../http/pagination/index.js'
import type { BoundQuery } from './bind.js'
import { restFetcher } from './fetch.js'
import { resultLimits } from './limits.js'
import type { StageInput } from './stage.js'

/**
 * A REST query's rows: pages fetched by its pagination rule, each converted to rows as it
 * arrives (its converter, or the default one), until the pages or the query's maxRows run out.
 * Answers how many pages were fetched.
 */
export async function restStage(input: StageInput<Extract<BoundQuery, { kind: 'rest' }>>): Promise<number> {
  const { deps, run, values, rows, notices, onPage } = input
  const { query, datasource } = run
  const fetchPage = restFetcher(datasource, deps, input.signal)
  const parameters = Object.fromEntries(values)
  // Each page becomes rows (JSON text) as it arrives: with onRows they go straight
  // out, so 100,000 rows never sit in memory at once (bench/memory.mjs).
  let pages = 0
  for await (const page of paginate(run.first, query.pagination, fetchPage, {
    maxPages: query.maxPages,
    concurrency: query.concurrency,
    onNotice: (notice) => notices.push(notice),
  })) {
    pages++
    onPage?.(pages)
    let json: string
    let count: number
    if (query.converter === undefined) {
      const pageRows = defaultRows(page.value)
      json = JSON.stringify(pageRows)
      count = pageRows.length
    } else {
      // PocketQuery's contract: convert() sees one response; pages' rows are concatenated in order.
      const converted = await deps.converters.run({
        source: query.converter,
        limits: resultLimits(query, datasource),
        pages: [page.text],
        metadata: converterMetadata(query.name, parameters, page.index),
      })
      json = converted.rowsJson
      count = converted.rowCount
    }
    const full = query.maxRows !== undefined && rows.rowCount + count >= query.maxRows
    if (full && query.maxRows !== undefined) {
      const room = query.maxRows - rows.rowCount
      if (count > room) json = JSON.stringify((JSON.parse(json) as unknown[]).slice(0, room))
      count = room
      notices.push(`Stopped at ${query.maxRows} rows (the query's maxRows); more results may exist.`)
    }
    await rows.add(json, count)
    // The row cap is reached: no need to fetch what would be cut anyway.
    if (full) break
  }
  return pages
}
