import { converterMetadata, defaultRows, type RunGroup } from '../convert/index.js'
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
  const { deps, run, notices, onPage } = input
  const { query, datasource } = run
  const fetchPage = restFetcher(datasource, deps, input.signal, input.user)
  // Each page becomes rows (JSON text) as it arrives: with onRows they go straight
  // out, so 100,000 rows never sit in memory at once (bench/memory.mjs).
  let pages = 0
  // The pages of this result share a converter context, kept warm between them (pool.ts, RunGroup);
  // a query of one page has nothing to keep it for.
  const converter =
    query.converter === undefined
      ? undefined
      : {
          source: query.converter,
          group: query.pagination.type === 'none' ? undefined : deps.converters.group(),
        }
  try {
    for await (const page of paginate(run.first, query.pagination, fetchPage, {
      maxPages: query.maxPages,
      concurrency: query.concurrency,
      onNotice: (notice) => notices.push(notice),
    })) {
      pages++
      onPage?.(pages, page.text.length)
      let full: boolean
      if (converter === undefined) {
        const pageRows = defaultRows(page.value)
        full = await addRows(input, JSON.stringify(pageRows), pageRows.length)
      } else {
        full = await convertPage(input, converter, page.text, page.index)
      }
      // The row cap is reached: no need to fetch what would be cut anyway.
      if (full) break
    }
  } finally {
    converter?.group?.close()
  }
  return pages
}

type RestInput = StageInput<Extract<BoundQuery, { kind: 'rest' }>>

/**
 * A page through its converter. Its rows arrive in chunks (a page of a million rows is never one
 * text) and each goes on as it comes; past the query's maxRows the rest of the page is dropped.
 * Answers whether the cap was reached.
 */
async function convertPage(
  input: RestInput,
  converter: { readonly source: string; readonly group: RunGroup | undefined },
  text: string,
  index: number,
): Promise<boolean> {
  const { source, group } = converter
  const { deps, run, values } = input
  const { query, datasource } = run
  let full = false
  // PocketQuery's contract: convert() sees one response; pages' rows are concatenated in order.
  await deps.converters.run(
    {
      source,
      limits: resultLimits(query, datasource),
      pages: [text],
      metadata: converterMetadata(query.name, Object.fromEntries(values)),
      // Each page is a run of its own: the converter still sees where the page stands. A paginated
      // query's total is known only once its last page has come, after this page is converted.
      position: { first: index, total: query.pagination.type === 'none' ? 1 : null },
    },
    {
      onRows: async (json, count) => {
        if (!full) full = await addRows(input, json, count)
      },
      ...(group === undefined ? {} : { group }),
    },
  )
  return full
}

/** Adds a JSON array text of rows, cut at the query's maxRows (with a notice); answers whether the cap was reached. */
async function addRows(input: RestInput, json: string, count: number): Promise<boolean> {
  const { run, rows, notices } = input
  const { maxRows } = run.query
  const full = maxRows !== undefined && rows.rowCount + count >= maxRows
  if (full) {
    const room = maxRows - rows.rowCount
    if (count > room) json = JSON.stringify((JSON.parse(json) as unknown[]).slice(0, room))
    count = room
    notices.push(`Stopped at ${maxRows} rows (the query's maxRows); more results may exist.`)
  }
  await rows.add(json, count)
  return full
}
