import type { Row } from './cell.js'
import { rowSlices, SLICE_ROWS } from './row-slices.js'

/**
 * Rows handed from the engine (push, a page at a time) to a renderer (pull, an
 * async iterable), holding at most about one page: the producer waits while the
 * consumer catches up.
 *
 * Pages are kept as they come, never spread into one array: `push(...page)` passes every row as
 * an argument and overflows the stack past ~120,000 rows (issue 12: a converter's 150,000-row
 * page crashed `quarry run --format csv` with a RangeError).
 */
export class RowQueue<T> implements AsyncIterable<T> {
  readonly #pages: (readonly T[])[] = []
  /** The next row's index in the first page. */
  #next = 0
  /** Rows pushed and not yet taken. */
  #size = 0
  readonly #highWater: number
  #ended = false
  #failure: { error: unknown } | undefined
  #wakeConsumer: (() => void) | undefined
  #wakeProducer: (() => void) | undefined

  constructor(highWater = 1000) {
    this.#highWater = highWater
  }

  /** Adds rows; resolves once the queue is back under its high-water mark. */
  async push(items: readonly T[]): Promise<void> {
    if (items.length === 0) return
    this.#pages.push(items)
    this.#size += items.length
    this.#wake()
    while (this.#size > this.#highWater && !this.#failure)
      await new Promise<void>((resolve) => (this.#wakeProducer = resolve))
  }

  end(): void {
    this.#ended = true
    this.#wake()
  }

  fail(error: unknown): void {
    this.#failure = { error }
    this.#wake()
    this.#wakeProducer?.()
  }

  #wake(): void {
    const wake = this.#wakeConsumer
    this.#wakeConsumer = undefined
    wake?.()
  }

  /** The next row, or undefined when none is queued. */
  #take(): { item: T } | undefined {
    const page = this.#pages[0]
    if (page === undefined) return undefined
    const item = page[this.#next++] as T
    if (this.#next >= page.length) {
      this.#pages.shift()
      this.#next = 0
    }
    this.#size--
    return { item }
  }

  /**
   * The rows a page at a time, as pushed (a page the row iterator began, from where it stopped): a
   * renderer that writes a page in one go pays one await per page instead of one per row.
   */
  async *pages(): AsyncIterable<readonly T[]> {
    for (;;) {
      if (this.#failure) throw this.#failure.error
      const page = this.#pages.shift()
      if (page !== undefined) {
        const rest = this.#next === 0 ? page : page.slice(this.#next)
        this.#next = 0
        this.#size -= rest.length
        // The producer fetches the next page while this one is written.
        const wake = this.#wakeProducer
        this.#wakeProducer = undefined
        wake?.()
        yield rest
        continue
      }
      if (this.#ended) return
      await new Promise<void>((resolve) => (this.#wakeConsumer = resolve))
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#failure) throw this.#failure.error
      const taken = this.#take()
      if (taken !== undefined) {
        if (this.#size <= this.#highWater) {
          const wake = this.#wakeProducer
          this.#wakeProducer = undefined
          wake?.()
        }
        yield taken.item
        continue
      }
      if (this.#ended) return
      await new Promise<void>((resolve) => (this.#wakeConsumer = resolve))
    }
  }
}

/**
 * An engine run's `onRows` that feeds a queue: each page's JSON text is parsed a slice at a time
 * (rowSlices), so only the slice the renderer is writing is held as objects. `onSlice` counts rows
 * as they go (the CLI's progress line); an aborted `signal` stops the run at its next slice.
 *
 * @example runQuery(deps, { query, params, onRows: feedRows(queue) }).then(() => queue.end(), (e) => queue.fail(e))
 */
export function feedRows(
  queue: RowQueue<Row>,
  options: { readonly signal?: AbortSignal; readonly onSlice?: (rows: number) => void } = {},
): (json: string) => Promise<void> {
  return async (json) => {
    for (const rows of rowSlices(json, SLICE_ROWS)) await pushSlice(queue, rows as Row[], options)
  }
}

type FeedOptions = Parameters<typeof feedRows>[1]

async function pushSlice(
  queue: RowQueue<Row>,
  rows: readonly Row[],
  options: FeedOptions = {},
): Promise<void> {
  options.signal?.throwIfAborted()
  options.onSlice?.(rows.length)
  await queue.push(rows)
}

/**
 * An engine run's `onRowObjects` that feeds a queue the rows a stage has as objects already (a SQL
 * driver's batch), as they are: no JSON text made and parsed again. Same options as feedRows.
 *
 * @example runQuery(deps, { query, onRows: feedRows(queue), onRowObjects: feedRowObjects(queue) })
 */
export function feedRowObjects(
  queue: RowQueue<Row>,
  options: FeedOptions = {},
): (rows: readonly unknown[]) => Promise<void> {
  return (rows) => pushSlice(queue, rows as readonly Row[], options)
}
