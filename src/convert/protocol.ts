/**
 * Messages between the pool (parent) and a worker process. Types only: the
 * worker imports them with `import type`, which Node's type stripping erases,
 * so the worker entry has no relative import to resolve at run time.
 *
 * A run streams both ways: the parent sends `run` with the first batch of pages
 * in it, then the rest in batches; the worker converts each page as soon as it
 * has arrived and answers with that page's rows as JSON text, the last rows
 * marked `done` (or `done` alone when they are none). Sending, converting and
 * receiving overlap, so the boundary costs little beyond the conversion; and a
 * run of one small page (the engine's usual run) is one message each way, as
 * each message costs both processes a wake-up.
 *
 * Both directions are flow-controlled, so neither side holds more than a few
 * batches of a run however large it is: the parent keeps at most a window of
 * page text unconsumed (the worker reports what it handed to the isolate with
 * `took`; a page larger than a batch travels in pieces), and the worker keeps
 * at most a window of rows messages unacknowledged (the parent sends `ack`
 * once the caller has taken one).
 */

/** The file name converter scripts are compiled under; stack frames that name it point into the user's source. */
export const CONVERTER_FILENAME = 'converter.js'

/** First message after fork: what every context runs before the converter (helpers and driver), and names for stack traces. */
export interface InitMessage {
  readonly type: 'init'
  readonly prelude: string
  readonly preludeFilename: string
  readonly converterFilename: string
  /** Heap limit of the isolate the worker warms up before its first run. */
  readonly memoryMb: number
  /** Failure messages leave the worker cut to this many characters. */
  readonly messageChars: number
  /** Rows messages the worker may have sent that the parent has not acknowledged: at most this many. */
  readonly rowsWindow: number
}

/** Starts a run (or one shard of it); its pages follow in `pages` messages. */
export interface RunStart {
  readonly type: 'run'
  readonly id: number
  readonly source: string
  /** Pages this worker gets. */
  readonly pageCount: number
  /** Index, in the whole run, of this worker's first page (0 unless the run is sharded). */
  readonly firstPage: number
  /** Pages in the whole result (`metadata.pages`); null while not known (ConvertInput's `position`). */
  readonly pageTotal: number | null
  readonly metadataJson: string
  readonly memoryMb: number
  readonly timeoutMs: number
  /** The run's result limits; the driver refuses a page that would take this worker's share past them. */
  readonly maxRows: number
  readonly maxBytes: number
  /**
   * The runs of one result (a REST query's pages, each converted as it arrives) share a group: the
   * worker keeps a group's context after a run that ended well and gives it to the group's next run
   * of the same converter, warm, instead of a fresh one. Runs of other groups, and runs of none,
   * never get it.
   */
  readonly group?: number
  /** The run's first pages, sent with it: one message fewer (a run of one small page has only these). */
  readonly batch?: PageBatch
}

/**
 * Pages `first`, `first + 1`, … of run `id` (indexes local to this worker's share). With `more`,
 * the last text is only a piece of its page: the next batch begins with the following piece.
 */
export interface PageBatch {
  readonly type: 'pages'
  readonly id: number
  readonly first: number
  readonly texts: readonly string[]
  readonly more?: boolean
}

/** The caller has taken one rows message of run `id`: the worker may send another. */
export interface RowsAck {
  readonly type: 'ack'
  readonly id: number
}

/** The group's result is complete: the worker lets its kept context go. */
export interface GroupOver {
  readonly type: 'forget'
  readonly group: number
}

export type ToWorker = InitMessage | RunStart | PageBatch | RowsAck | GroupOver

/**
 * What the worker knows about a failure; the pool turns it into a ConverterError.
 * `rows` and `bytes`: the result went past the run's row or byte limit.
 */
export type FailureKind = 'syntax' | 'runtime' | 'timeout' | 'memory' | 'contract' | 'rows' | 'bytes'

/**
 * Rows of the next converted pages, in page order: each page's rows as the
 * JSON array text the sandbox built, unchecked (the pool checks and counts them).
 * A large page's rows come in several chunks, each a JSON array text of its own:
 * with `more`, the last part is a chunk of its page and the page's next chunk follows.
 */
export interface PageRows {
  readonly type: 'rows'
  readonly id: number
  /** Index, in this worker's share, of the page of `parts[0]`. */
  readonly first: number
  readonly parts: readonly string[]
  readonly more?: boolean
  /** The run's last rows: the run is done, and no `done` message follows. */
  readonly done?: true
}

/** The worker handed this many characters of run `id`'s page text to the isolate: the parent may send more. */
export interface PagesTaken {
  readonly type: 'took'
  readonly id: number
  readonly chars: number
}

export interface RunDone {
  readonly type: 'done'
  readonly id: number
}

export interface RunFailed {
  readonly type: 'failed'
  readonly id: number
  readonly kind: FailureKind
  /** Error name inside the sandbox, e.g. `TypeError`; empty for timeouts and contract failures. */
  readonly name: string
  readonly message: string
  /** The sandbox's stack text, from which the pool reads the converter's line and column. */
  readonly stack: string
  /** 0-based index, in the whole run, of the page being converted when it failed, if it failed on one. */
  readonly page?: number
  /** Number of pages in the whole result; null while not known. */
  readonly pages: number | null
}

export type FromWorker = PageRows | PagesTaken | RunDone | RunFailed
