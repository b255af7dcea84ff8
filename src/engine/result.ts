import type { ParamValue } from '../domain/params.js'

/** A query's run: its rows and what the user should know about them. */
export interface RunResult {
  readonly query: string
  /** The rows as one JSON array text (rows stay text wherever they are only stored or sent); '' when they went to onRows only. */
  readonly rowsJson: string
  readonly rowCount: number
  readonly pages: number
  /** Why results may be incomplete (a cap was hit, pagination stopped early): shown to the user. */
  readonly notices: readonly string[]
  readonly fromCache: boolean
  readonly fetchedAt: Date
}

/**
 * A run as runQuery answers it: the result (fresh or cached) and the parameter values it was fetched
 * with, defaults filled in and typed — what a template shows as the run's parameters.
 */
export interface QueryRun extends RunResult {
  readonly values: ReadonlyMap<string, ParamValue>
}

/** Where a stage puts its rows as they come, and the one place a fresh RunResult is assembled. */
export interface ResultRows {
  /** The rows added so far. */
  readonly rowCount: number
  /** Adds a batch of rows (a JSON array text of `count` rows): streamed out at once, kept if the result needs them. */
  add(rowsJson: string, count: number): Promise<void>
  /**
   * Adds a batch of rows a stage has as JSON values already (a SQL driver's): handed to onRowObjects
   * as they are when there is one, and made JSON text (`json`, computed once, only if needed) otherwise.
   */
  addObjects(rows: readonly unknown[], json: () => string): Promise<void>
  /** The run's result, from the rows added. */
  result(run: {
    readonly query: string
    readonly pages: number
    readonly notices: readonly string[]
    readonly fetchedAt: Date
  }): RunResult
}

/**
 * Collects a run's rows. With onRows each batch goes out as it arrives and is kept only when
 * `keep` (the cache needs the whole result), so large results never sit in memory.
 *
 * @example const rows = resultRows({ keep: false }); await rows.add('[{"a":1}]', 1)
 */
export function resultRows(options: {
  readonly onRows?: ((rowsJson: string) => Promise<void>) | undefined
  /** Takes batches that exist as objects already, in place of onRows (see RunRequest.onRowObjects). */
  readonly onRowObjects?: ((rows: readonly unknown[]) => Promise<void>) | undefined
  readonly keep: boolean
}): ResultRows {
  const { onRows, keep } = options
  const onRowObjects = onRows ? options.onRowObjects : undefined
  const parts: string[] = []
  let rowCount = 0
  const add = async (rowsJson: string, count: number) => {
    rowCount += count
    if (count === 0) return
    if (onRows) await onRows(rowsJson)
    if (keep || !onRows) parts.push(rowsJson.slice(1, -1))
  }
  return {
    get rowCount() {
      return rowCount
    },
    add,
    async addObjects(rows, json) {
      if (!onRowObjects) return add(json(), rows.length)
      rowCount += rows.length
      if (rows.length === 0) return
      // Kept text is made before the rows go on: the consumer may hold them past this call.
      if (keep) parts.push(json().slice(1, -1))
      await onRowObjects(rows)
    },
    result({ query, pages, notices, fetchedAt }) {
      const streamedOnly = onRows !== undefined && !keep
      return {
        query,
        rowsJson: streamedOnly ? '' : `[${parts.join(',')}]`,
        rowCount,
        pages,
        notices,
        fromCache: false,
        fetchedAt,
      }
    },
  }
}

/**
 * A result as the cache keeps it: everything but when and whence (the cache entry says those) as
 * one line of JSON, then a newline, then the rows' JSON array text as it is. Kept inside the JSON
 * object, the rows would be escaped (a copy some 1.3× their size, every quote as `\"`) on the way
 * in and parsed back into a copy on the way out; here they are sliced out (issue 18: a cached
 * 100,000-issue CSV run peaked over 400 MB). JSON.stringify never writes a raw newline, so the
 * first one ends the head.
 *
 * @example cacheEntryOf(result) // '{"query":"q","rowCount":1,"pages":1,"notices":[]}\n[{"a":1}]'
 */
export function cacheEntryOf(result: RunResult): string {
  const { fromCache: _fromCache, fetchedAt: _fetchedAt, rowsJson, ...head } = result
  return `${JSON.stringify(head)}\n${rowsJson}`
}

/**
 * A result read back from the cache; an entry stored before the rows were kept apart (the whole
 * result as one JSON object) still reads.
 */
export function resultFromCache(entry: string, storedAt: Date): RunResult {
  const newline = entry.indexOf('\n')
  if (newline === -1) {
    const stored = JSON.parse(entry) as Omit<RunResult, 'fromCache' | 'fetchedAt'>
    return { ...stored, fromCache: true, fetchedAt: storedAt }
  }
  const head = JSON.parse(entry.slice(0, newline)) as Omit<RunResult, 'fromCache' | 'fetchedAt' | 'rowsJson'>
  return { ...head, rowsJson: entry.slice(newline + 1), fromCache: true, fetchedAt: storedAt }
}
