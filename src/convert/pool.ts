/**
 * ConverterPool: runs untrusted converters in isolated-vm isolates hosted by
 * a few worker processes, so that a converter which loops, allocates without
 * end or crashes V8 costs one run (and at worst one worker), never the caller.
 */
import { secondsSince, type Meter } from '../domain/meter.js'
import { MESSAGE_CHARS, tooManyBytes, tooManyRows } from './describe-failure.js'
import { resolveLimits } from './limits.js'
import type { ConvertLimits } from './limits.js'
import { CONVERTER_FILENAME } from './protocol.js'
import type { InitMessage } from './protocol.js'
import { shardPages } from './shards.js'
import type { TemplateJob, TemplateOutcome } from './template-job.js'
import type { ConvertInput, ConvertResult, PagePosition } from './types.js'
import { workerEntry } from './worker-entry.js'
import type { WorkerEntry } from './worker-entry.js'
import type { RowParts, RowSink, RunPayload, WorkerProcess } from './worker-process.js'

/** The project machine has 2 cores. */
const DEFAULT_SIZE = 2

/** What starting a worker takes: its class and the sandbox's prelude, built once per process. */
interface WorkerCode {
  readonly WorkerProcess: typeof WorkerProcess
  readonly init: Omit<InitMessage, 'memoryMb'>
}

let workerCode: Promise<WorkerCode> | undefined

/**
 * Loaded with a pool's first run, not with the pool: every CLI command that opens the engine makes
 * a pool, and one that converts nothing (a cached `quarry run`, issue 18) then never loads the
 * workers' code and the sandbox's sources.
 */
function loadWorkerCode(): Promise<WorkerCode> {
  return (workerCode ??= Promise.all([import('./worker-process.js'), import('./sandbox/prelude.js')]).then(
    ([worker, prelude]) => ({
      WorkerProcess: worker.WorkerProcess,
      init: {
        type: 'init',
        prelude: prelude.buildPrelude(),
        preludeFilename: prelude.PRELUDE_FILENAME,
        converterFilename: CONVERTER_FILENAME,
        messageChars: MESSAGE_CHARS,
        rowsWindow: worker.ROWS_WINDOW,
      },
    }),
  ))
}

/**
 * The runs that convert the pages of one result, one run per page as each arrives (the REST
 * engine's way): a worker keeps the context of a group's run that ended well and gives it to the
 * group's next run of the same converter, so the pages after the first skip a fresh context and
 * its cold JIT. Runs of other groups never see it, and it lasts only until the worker starts
 * another run: what it holds must never count against another run's memory limit. So a page may
 * still get a fresh context (another run came between), which is why converters keep no state from
 * one page to the next. Close the group once the result is complete.
 */
export interface RunGroup {
  readonly id: number
  /** The result is complete (or failed): the workers let the group's context go. Idempotent. */
  close(): void
}

/** What one worker is asked to do: a whole run, or one shard of a large one. */
interface Job {
  readonly payload: RunPayload
  readonly limits: ConvertLimits
  readonly onRows: RowSink | undefined
  readonly resolve: (result: RowParts) => void
  readonly reject: (error: Error) => void
}

/** How to run: where the rows go as they come (else they are collected), and the group the run is a part of. */
export interface RunOptions {
  readonly onRows?: RowSink
  readonly group?: RunGroup
}

interface Prepared {
  readonly source: string
  readonly pages: readonly string[]
  readonly metadataJson: string
  readonly limits: ConvertLimits
  readonly position: PagePosition
}

/**
 * A pool of converter workers. Workers start on first use and stay warm; one
 * that dies is replaced at once. Work queues when every worker is busy.
 *
 * How pages reach the converter: `convert(json, metadata)` is called once per
 * page with that page's raw text as `json` and `{ ...metadata, page, pages }`
 * (0-based page index, number of pages in the run, or as the input's `position`
 * gives them when the run is part of a larger result) as `metadata`; the rows of
 * all pages are concatenated in page order. Pages are independent, as each
 * response was in PocketQuery: a large run (over SHARD_MIN_CHARS of text) is
 * split into contiguous shards that the workers convert side by side, each
 * shard in one fresh context, so a converter must not rely on globals carried
 * from one page to the next. No run ever sees another run's globals, but for
 * the runs of one group (RunGroup: the pages of one result). Zero
 * pages give zero rows. The limits apply to each worker's share of a run (its
 * isolate's heap, its CPU time); shards run in parallel, so a run's wall time
 * stays within the time limit plus transfer.
 *
 * Inside the sandbox the converter has standard JavaScript plus the helpers
 * `adfToText`, `adfToMarkdown`, `adfToHtml` and `formatDate` (see
 * src/convert/README.md) — no `require`, `process`, timers, network or files.
 *
 * @example
 * const pool = new ConverterPool()
 * const { rowsJson, rowCount } = await pool.run({ source, pages: [responseText], metadata: { query: 'bugs', parameters: {} } })
 * await pool.close()
 */
export class ConverterPool {
  readonly #size: number
  readonly #entry: WorkerEntry
  readonly #memoryMb: number
  /** Set by the first run, before any worker starts. */
  #workerCode: WorkerCode | undefined
  readonly #workers = new Set<WorkerProcess>()
  readonly #queue: Job[] = []
  /** Who counts runs and restarts (a server's /metrics); several servers may share one pool. */
  readonly #meters = new Set<Meter>()
  #closed = false
  #nextGroup = 1
  /** Groups not closed yet: a run given a closed one gets a fresh context, and keeps none. */
  readonly #openGroups = new Map<number, RunGroup>()

  constructor(options: { size?: number } = {}) {
    const size = options.size ?? DEFAULT_SIZE
    if (!Number.isInteger(size) || size < 1)
      throw new TypeError(`pool size must be an integer ≥ 1, got ${size}`)
    this.#size = size
    this.#entry = workerEntry()
    this.#memoryMb = resolveLimits().memoryMb
  }

  /**
   * Converts all pages with the converter; rejects with a ConverterError when the converter fails.
   *
   * With `onRows`, the rows stream: each chunk (a checked JSON array text and its row count, a few
   * hundred KB, in order) goes to `onRows` as it leaves the worker, the worker waits while onRows
   * has not resolved, and the result's `rowsJson` is `''`. A page of a million rows thus reaches
   * the caller's output without ever being one text, here or in the worker. Streamed runs are not
   * split between workers (a later shard's rows would have to wait, whole, for the earlier one's);
   * the engine converts one page (REST) or one result (SQL) at a time anyway. If the run fails
   * after some chunks, those chunks were delivered.
   *
   * With `group` (see RunGroup), the run may start in the context its group's last run left.
   *
   * @example await pool.run({ source: 'function convert(json) { return JSON.parse(json).values }', pages, metadata: {} })
   * @example await pool.run(input, { onRows: async (json, count) => out.write(json) })
   */
  async run(input: ConvertInput, options: RunOptions = {}): Promise<ConvertResult> {
    if (this.#meters.size === 0) return this.#run(input, options)
    const start = performance.now()
    try {
      const result = await this.#run(input, options)
      for (const meter of this.#meters) meter.converterRun('ok', secondsSince(start))
      return result
    } catch (error) {
      for (const meter of this.#meters) meter.converterRun('failed', secondsSince(start))
      throw error
    }
  }

  /**
   * Starts a worker now when none is up, so the run about to come does not wait for one: a worker's
   * start (a Node process without its startup snapshot, which isolated-vm needs, then the isolate) is
   * ~160 ms, and the engine calls this on a cache miss of a query with a converter, before its
   * request, which the start then overlaps. A worker that cannot start fails the run, as before.
   *
   * @example pool.warm(); const page = await fetchPage(request); await pool.run({ …, pages: [page.text] })
   */
  warm(): void {
    if (this.#closed || this.#workers.size > 0) return
    loadWorkerCode().then(
      (code) => {
        this.#workerCode ??= code
        if (!this.#closed && this.#workers.size === 0) this.#spawn()
      },
      // The run that follows meets the same failure (the load is shared) and reports it.
      () => undefined,
    )
  }

  /**
   * A new group for the runs of one result.
   *
   * @example const group = pool.group(); try { for (const page of pages) await pool.run({ …, pages: [page] }, { group }) } finally { group.close() }
   */
  group(): RunGroup {
    const id = this.#nextGroup++
    const group: RunGroup = {
      id,
      close: () => {
        if (!this.#openGroups.delete(id)) return
        // A worker running one of its runs keeps no context after it either.
        for (const worker of this.#workers) worker.forget(id)
      },
    }
    this.#openGroups.set(id, group)
    return group
  }

  /**
   * Counts this pool's runs and worker restarts into `meter` until the returned function is called.
   *
   * @example const stop = pool.observe(metrics); app.addHook('onClose', async () => stop())
   */
  observe(meter: Meter): () => void {
    this.#meters.add(meter)
    return () => this.#meters.delete(meter)
  }

  /** Jobs (runs and shards) waiting for a free worker: the queue's depth, read at each scrape. */
  get queueDepth(): number {
    return this.#queue.length
  }

  async #run(input: ConvertInput, options: RunOptions): Promise<ConvertResult> {
    if (this.#closed) throw new Error('The converter pool is closed')
    const { source, pages, metadataJson, limits, position } = prepare(input)
    this.#workerCode ??= await loadWorkerCode()
    // Closed while the code loaded: no worker may start now.
    if (this.#closed) throw new Error('The converter pool is closed')
    const { onRows } = options
    const group =
      options.group !== undefined && this.#isOpen(options.group.id, options.group)
        ? options.group.id
        : undefined
    const shards = onRows === undefined ? shardPages(pages, this.#size) : [{ first: 0, pages }]
    const settled = await Promise.allSettled(
      shards.map((shard) =>
        this.#enqueue(
          {
            source,
            pages: shard.pages,
            firstPage: position.first + shard.first,
            pageTotal: position.total,
            metadataJson,
            ...limits,
            ...(group === undefined ? {} : { group }),
          },
          limits,
          onRows,
        ),
      ),
    )
    // Report the failure of the earliest shard, whatever finished first: the same input fails the same way.
    let parts: readonly string[] = []
    let rowCount = 0
    let bytes = 0
    for (const result of settled) {
      if (result.status === 'rejected') throw result.reason
      parts = parts.concat(result.value.parts)
      rowCount += result.value.rowCount
      bytes += result.value.bytes
    }
    // Each worker held its own share to the limits; together they may still be over.
    if (rowCount > limits.maxRows) throw tooManyRows(limits)
    if (bytes > limits.maxBytes) throw tooManyBytes(limits)
    if (onRows !== undefined) return { rowsJson: '', rowCount }
    // One concatenation: each page's text is copied once, into the result.
    return { rowsJson: `[${parts.join(',')}]`, rowCount }
  }

  /**
   * Renders a Velocity template in a worker, as a run of its own (template-job.ts): the view's
   * template never runs in this process.
   *
   * @example await pool.renderTemplate({ source: '$result.size() rows', rowsJson: '[{}]', … }) // { ok: true, html: '1 rows' }
   */
  async renderTemplate(job: TemplateJob): Promise<TemplateOutcome> {
    // Loaded when a template is rendered: it carries velocityjs's source for the sandbox.
    const { renderTemplateJob } = await import('./template-job.js')
    return renderTemplateJob(this, job)
  }

  /** Process ids of the live workers (diagnostics; tests use it to kill one). */
  get pids(): number[] {
    return [...this.#workers].flatMap((worker) =>
      worker.alive && worker.pid !== undefined ? [worker.pid] : [],
    )
  }

  /** Ends every worker and fails queued runs; afterwards the process can exit. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true
    for (const job of this.#queue.splice(0))
      job.reject(new Error('The converter pool was closed before the run started'))
    await Promise.all([...this.#workers].map((worker) => worker.close()))
  }

  #enqueue(payload: RunPayload, limits: ConvertLimits, onRows: RowSink | undefined): Promise<RowParts> {
    return new Promise<RowParts>((resolve, reject) => {
      this.#queue.push({ payload, limits, onRows, resolve, reject })
      this.#dispatch()
    })
  }

  /** Whether the group is open, and (given) this very object is it: a group is not named by a number alone. */
  #isOpen(id: number, group?: RunGroup): boolean {
    const open = this.#openGroups.get(id)
    return open !== undefined && (group === undefined || open === group)
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const worker = this.#idleWorker(this.#queue[0]?.payload.group)
      if (worker === undefined) return
      const job = this.#queue.shift()
      if (job === undefined) return
      // Its group closed while it waited: it runs as a run of none, and no context is kept for it.
      const { group, ...alone } = job.payload
      const payload = group === undefined || this.#isOpen(group) ? job.payload : alone
      worker
        .run(payload, job.limits, job.onRows)
        .then(job.resolve, job.reject)
        .finally(() => this.#dispatch())
    }
  }

  /**
   * An idle worker: the one keeping the group's context, else one keeping none, else any (whose kept
   * context the run then ends), else a new one.
   */
  #idleWorker(group: number | undefined): WorkerProcess | undefined {
    const ready = (worker: WorkerProcess): boolean => worker.alive && !worker.busy && !worker.bloated
    if (group !== undefined)
      for (const worker of this.#workers) if (ready(worker) && worker.holds(group)) return worker
    for (const worker of this.#workers) if (ready(worker) && !worker.keeps) return worker
    for (const worker of this.#workers) {
      if (!worker.alive || worker.busy) continue
      // Replaced once gone (#forget), and the job waits for the fresh one.
      if (worker.bloated) void worker.retire()
      else return worker
    }
    if (this.#workers.size >= this.#size) return undefined
    return this.#spawn()
  }

  #spawn(): WorkerProcess {
    // #run loaded the code before the first job was queued, and only queued jobs start workers.
    if (this.#workerCode === undefined)
      throw new Error('ConverterPool: a worker was asked for before the first run')
    const { WorkerProcess, init } = this.#workerCode
    const worker = new WorkerProcess(this.#entry, { ...init, memoryMb: this.#memoryMb }, (gone) =>
      this.#forget(gone),
    )
    this.#workers.add(worker)
    return worker
  }

  /**
   * A worker died (or was closed). One that had served runs is replaced at once,
   * so the next run finds a warm worker; one that died before any run (it could
   * not start) is not, or a broken install would respawn forever.
   */
  #forget(worker: WorkerProcess): void {
    this.#workers.delete(worker)
    if (this.#closed) return
    if (worker.runs > 0) {
      this.#spawn()
      for (const meter of this.#meters) meter.workerRestart()
    }
    this.#dispatch()
  }
}

function prepare(input: ConvertInput): Prepared {
  if (typeof input.source !== 'string') throw new TypeError('converter source must be a string')
  if (!Array.isArray(input.pages) || !input.pages.every((page) => typeof page === 'string'))
    throw new TypeError('pages must be an array of strings (raw response texts)')
  const limits = resolveLimits(input.limits)
  const metadataJson = JSON.stringify(input.metadata ?? {})
  if (typeof metadataJson !== 'string' || !metadataJson.startsWith('{'))
    throw new TypeError('metadata must be a JSON-serialisable object')
  const position = input.position ?? { first: 0, total: input.pages.length }
  const { first, total } = position
  if (!Number.isInteger(first) || first < 0)
    throw new TypeError(`position.first must be an integer ≥ 0, got ${first}`)
  const least = first + input.pages.length
  if (total !== null && (!Number.isInteger(total) || total < least))
    throw new TypeError(`position.total must be null or an integer ≥ first + pages (${least}), got ${total}`)
  return { source: input.source, pages: input.pages, metadataJson, limits, position }
}
