/**
 * One forked worker process, seen from the pool: sends it one run at a time,
 * enforces a watchdog, and turns its death into the failure of the run it was
 * doing (and of that run only).
 */
import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { ChildProcess } from 'node:child_process'
import type { Socket } from 'node:net'
import { checkRows } from './check-rows.js'
import {
  cut,
  describeDeath,
  describeFailure,
  pageName,
  tooManyBytes,
  tooManyRows,
} from './describe-failure.js'
import { ConverterError } from './errors.js'
import type { ConvertLimits } from './limits.js'
import type { FromWorker, GroupOver, InitMessage, PageBatch, RowsAck, RunStart } from './protocol.js'
import type { WorkerEntry } from './worker-entry.js'

/** Kept from the worker's stderr: enough to recognise V8's out-of-memory report. */
const STDERR_TAIL_BYTES = 8192
/** Past its own time limit, a run gets this long (at least) before the worker is killed. */
const WATCHDOG_GRACE_MS = 2000
/**
 * A worker's resident memory may pass its isolate's memory limit by this much, no more; past the
 * line the worker is killed and its run fails with a memory error. isolated-vm's own limit counts
 * the isolate's heap and the page text handed to it (long strings live outside the heap, counted
 * all the same), and it is soft — one `new Array(1e8).fill(0)` is a single 800 MB allocation it lets
 * through, and the builtin filling it cannot be interrupted (1.4 GB measured) — so the pool watches
 * from outside. The overhead is fixed, whatever the run's size, because the worker holds only
 * windows of a run outside its isolate (4 M characters of pages in, 4 rows messages out: protocol.ts). It
 * covers Node, isolated-vm and the prelude (about 55 MB), the worker's own heap (1 MB
 * semi-spaces), those windows as strings and IPC buffers, the isolate's young generation and code
 * space, and malloc's slack. Measured with a 128 MB limit: a million rows streamed out peaks at
 * 207 MB (79 over), the bench's 10,000 issues at 111 MB. README.md, "Memory".
 */
export const FIXED_OVERHEAD_MB = 128
/** How often a busy worker's resident memory is read (Linux: /proc/<pid>/statm; elsewhere not watched). */
const RSS_CHECK_MS = 5
/** A worker's resident memory before any run (Node, isolated-vm, the prelude): about 55 MB. */
const BASE_RSS_MB = 64
const PAGE_BYTES = 4096

/** After a worker exits, how long its stderr may take to drain. */
const STDERR_DRAIN_MS = 500
/** How long an idle worker may take to leave after disconnect before it is killed. */
const CLOSE_GRACE_MS = 1000

interface Pending {
  readonly id: number
  readonly limits: ConvertLimits
  readonly source: string
  /** The run's group (protocol.ts, RunStart): the worker keeps its context when it ends well. */
  readonly group: number | undefined
  /** Index of this share's first page in the result, and the result's page count (to name a page). */
  readonly firstPage: number
  readonly pageTotal: number | null
  /** Each page's rows as JSON text without brackets, in page order; empty pages left out. */
  readonly parts: string[]
  rowCount: number
  /** UTF-8 bytes of the rows' JSON text so far. */
  bytes: number
  readonly resolve: (result: RowParts) => void
  readonly reject: (error: Error) => void
  /** Re-armed whenever the worker may go on (see #arm). */
  watchdog: NodeJS.Timeout | undefined
  readonly memoryWatch: NodeJS.Timeout
  /** Resident memory past which the worker is killed (see FIXED_OVERHEAD_MB). */
  readonly maxRss: number
  /** The batches of page text still to send, and the characters sent that the worker has not handed to its isolate yet. */
  readonly feed: Generator<PageBatch>
  inFlight: number
  /** Rows messages received and not yet acknowledged (the worker waits when it has ROWS_WINDOW out). */
  unacked: number
  /** The worker said the run is done (`done`, or rows marked done): no ack goes to it any more. */
  finished: boolean
  /** Its group was closed while it ran: the worker keeps no context for it. */
  forgotten: boolean
  /** Where rows go as they arrive (streaming), and the chain of deliveries so far; without it they are collected. */
  readonly onRows: RowSink | undefined
  delivery: Promise<void>
}

/** Takes a chunk of rows (a checked JSON array text of `rowCount` rows); the worker waits until it resolves. */
export type RowSink = (rowsJson: string, rowCount: number) => Promise<void>

/** What a run (or a shard of it) needs besides its id: the converter, the pages and the limits. */
export interface RunPayload {
  readonly source: string
  readonly pages: readonly string[]
  /** Index of `pages[0]` in the whole result, and the number of pages in it (null: not known). */
  readonly firstPage: number
  readonly pageTotal: number | null
  readonly metadataJson: string
  readonly memoryMb: number
  readonly timeoutMs: number
  readonly maxRows: number
  readonly maxBytes: number
  /** The result this run is a part of (ConverterPool's groups): its pages may share one context. */
  readonly group?: number
}

/** A worker's rows: each page's rows as JSON text without brackets, in page order, empty pages left out. */
export interface RowParts {
  readonly parts: readonly string[]
  /** Rows and UTF-8 bytes of JSON text, as the host counted them. */
  readonly rowCount: number
  readonly bytes: number
}

/** Pages go to the worker in batches of about this many characters: few messages, yet early work. A larger page goes in pieces of this size. */
const BATCH_CHARS = 256 * 1024
/**
 * Page text sent to a worker and not yet handed to its isolate: at most about this much (plus one batch).
 * Large enough that the worker never waits for the parent's next batch (a smaller window cost the
 * bench's 10,000 issues some 40 ms on a busy machine), small beside FIXED_OVERHEAD_MB.
 */
const PAGES_WINDOW_CHARS = 16 * BATCH_CHARS
/** Rows messages a worker may have sent that the caller has not taken yet (its rows wait in the isolate meanwhile). */
export const ROWS_WINDOW = 4

export class WorkerProcess {
  readonly #child: ChildProcess
  readonly #converterFilename: string
  readonly #closed: Promise<void>
  #pending: Pending | undefined
  #nextId = 1
  #runs = 0
  #stderrTail = ''
  #alive = true
  /** Resident bytes since the last run ended (0: /proc could not say), read when first asked; undefined: not read yet. */
  #idleRss: number | undefined
  /**
   * The group whose context the worker keeps: its last run here ended well, and no other run has
   * started since (the worker lets a kept context go when one does, worker.ts).
   */
  #keptGroup: number | undefined

  /**
   * @param onExit called once when the process is gone, whatever the reason
   * @example new WorkerProcess(workerEntry(), init, (w) => pool.forget(w))
   */
  constructor(entry: WorkerEntry, init: InitMessage, onExit: (worker: WorkerProcess) => void) {
    this.#converterFilename = init.converterFilename
    this.#child = fork(entry.file, [], {
      execArgv: [...entry.execArgv],
      // The worker needs nothing from the environment, and secrets there are none of its business.
      env: {},
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    this.#child.stderr?.setEncoding('utf8')
    this.#child.stderr?.on('data', (chunk: string) => {
      this.#stderrTail = (this.#stderrTail + chunk).slice(-STDERR_TAIL_BYTES)
    })
    this.#child.on('message', (message: FromWorker) => this.#answer(message))
    // A send to a dying child can fail; its 'exit' follows and settles the run.
    this.#child.on('error', () => this.#child.kill('SIGKILL'))
    this.#closed = new Promise((resolve) => {
      // Not 'close': Node never emits it for a child whose IPC channel the parent
      // disconnected. Wait for 'exit' and for stderr's end (so V8's out-of-memory
      // report is in the tail), whichever comes last.
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
      let stderrOpen = this.#child.stderr !== null
      let finished = false
      const finish = (): void => {
        if (exit === undefined || stderrOpen || finished) return
        finished = true
        const pending = this.#settle()
        pending?.reject(describeDeath(exit.code, exit.signal, this.#stderrTail, pending.limits))
        onExit(this)
        resolve()
      }
      this.#child.stderr?.once('close', () => {
        stderrOpen = false
        finish()
      })
      this.#child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
        // Dead from now on: no new run may be given to it while its stderr drains.
        this.#alive = false
        exit = { code, signal }
        // A grandchild holding stderr open must not keep the run pending.
        setTimeout(() => {
          stderrOpen = false
          finish()
        }, STDERR_DRAIN_MS).unref()
        finish()
      })
    })
    this.#child.send(init)
    this.#setRef(false)
  }

  get busy(): boolean {
    return this.#pending !== undefined
  }

  get alive(): boolean {
    return this.#alive
  }

  /** Whether the group's last run was here and ended well, so the worker may hold its context. */
  holds(group: number): boolean {
    return this.#keptGroup === group
  }

  /** Whether the worker keeps a group's context, which its next run of anything else would end. */
  get keeps(): boolean {
    return this.#keptGroup !== undefined
  }

  /** The group's result is complete: the worker lets its context go. */
  forget(group: number): void {
    const pending = this.#pending
    const running = pending?.group === group
    if (running) pending.forgotten = true
    if (this.#keptGroup === group) this.#keptGroup = undefined
    else if (!running) return
    if (!this.#alive || !this.#child.connected) return
    this.#child.send({ type: 'forget', group } satisfies GroupOver)
  }

  /** Runs sent to this worker so far. */
  get runs(): number {
    return this.#runs
  }

  /**
   * Whether this idle worker is too large to take a run: past FIXED_OVERHEAD_MB, a run's isolate
   * would take it past its line at once. After a large run a process keeps memory it no longer uses
   * (malloc does not give every freed block back); a fresh worker serves the next run instead.
   */
  get bloated(): boolean {
    // Read once after each run: an idle worker's memory does not grow, and the pool asks at every dispatch.
    this.#idleRss ??= this.#rss() ?? 0
    return this.#idleRss > FIXED_OVERHEAD_MB * 1024 * 1024
  }

  /** Ends an idle worker and takes it out of service at once (the pool replaces it). */
  retire(): Promise<void> {
    const closed = this.close()
    this.#alive = false
    return closed
  }

  /** Process id, for diagnostics (and for tests that kill a worker). */
  get pid(): number | undefined {
    return this.#child.pid
  }

  /**
   * Runs one conversion; the worker must be idle.
   *
   * @example await worker.run({ source, pages, metadataJson: '{}', memoryMb: 128, timeoutMs: 5000 }, limits)
   */
  run(payload: RunPayload, limits: ConvertLimits, onRows?: RowSink): Promise<RowParts> {
    if (this.#pending !== undefined) throw new Error('converter worker is busy')
    if (!this.#alive) throw new Error('converter worker has exited')
    const id = this.#nextId++
    this.#runs += 1
    return new Promise<RowParts>((resolve, reject) => {
      const memoryWatch = setInterval(() => this.#watchMemory(), RSS_CHECK_MS)
      const pending: Pending = {
        id,
        limits,
        source: payload.source,
        group: payload.group,
        firstPage: payload.firstPage,
        pageTotal: payload.pageTotal,
        parts: [],
        rowCount: 0,
        bytes: 0,
        resolve,
        reject,
        watchdog: undefined,
        memoryWatch,
        maxRss: (limits.memoryMb + FIXED_OVERHEAD_MB) * 1024 * 1024,
        feed: batches(id, payload.pages),
        inFlight: 0,
        unacked: 0,
        finished: false,
        forgotten: false,
        onRows,
        delivery: Promise.resolve(),
      }
      this.#pending = pending
      // The worker takes its kept context off the shelf for this run, or lets it go.
      this.#keptGroup = undefined
      this.#arm(pending)
      this.#setRef(true)
      const { pages, ...rest } = payload
      // The first batch of pages goes in the run's own message, the rest as the worker takes them.
      const batch = this.#nextBatch(pending)
      const start: RunStart = {
        type: 'run',
        id,
        pageCount: pages.length,
        ...rest,
        ...(batch === undefined ? {} : { batch }),
      }
      this.#child.send(start)
      this.#feed(pending)
    })
  }

  /**
   * A worker stuck outside JavaScript (a long GC near its heap limit) does not hear the isolate's own
   * timer: the watchdog ends the whole process. It runs while the worker may work, and pauses while
   * the worker waits for the caller to take its rows (a slow reader is no stuck worker).
   */
  #arm(pending: Pending): void {
    clearTimeout(pending.watchdog)
    pending.watchdog = undefined
    if (pending.unacked >= ROWS_WINDOW) return
    const { limits } = pending
    pending.watchdog = setTimeout(
      () => {
        if (this.#settle() !== pending) return
        // Stuck near its heap limit (in garbage collection) is a memory failure, not a slow converter.
        const rss = this.#rss()
        pending.reject(
          rss !== undefined && rss > (limits.memoryMb + BASE_RSS_MB) * 1024 * 1024
            ? new ConverterError(
                'memory',
                `Converter exceeded its memory limit of ${limits.memoryMb} MB (its worker stopped answering at ${Math.round(rss / 1024 / 1024)} MB and was replaced)`,
              )
            : new ConverterError(
                'timeout',
                `Converter exceeded its CPU time limit of ${limits.timeoutMs} ms (its worker stopped answering and was replaced)`,
              ),
        )
        this.#kill()
      },
      limits.timeoutMs + Math.max(WATCHDOG_GRACE_MS, limits.timeoutMs),
    )
  }

  /** Sends page batches while the worker holds less than PAGES_WINDOW_CHARS of unconverted text. */
  #feed(pending: Pending): void {
    while (pending.inFlight < PAGES_WINDOW_CHARS && this.#pending === pending) {
      const batch = this.#nextBatch(pending)
      if (batch === undefined) return
      this.#child.send(batch)
    }
  }

  /** The run's next batch of pages, counted as in flight; none when all are sent. */
  #nextBatch(pending: Pending): PageBatch | undefined {
    const next = pending.feed.next()
    if (next.done === true) return undefined
    pending.inFlight += next.value.texts.reduce((sum, text) => sum + text.length, 0)
    return next.value
  }

  /** Ends the process: gently when idle, at once when a run is under way (that run fails). */
  close(): Promise<void> {
    if (this.#alive) {
      const pending = this.#settle()
      // Whoever awaits close() must see the exit: hold the process until then.
      this.#setRef(true)
      if (pending !== undefined) {
        pending.reject(new Error('The converter pool was closed before the run finished'))
        this.#child.kill('SIGKILL')
      } else if (this.#child.connected) {
        this.#child.disconnect()
        setTimeout(() => this.#child.kill('SIGKILL'), CLOSE_GRACE_MS).unref()
      } else {
        this.#child.kill('SIGKILL')
      }
    } else {
      // Killed by the pool (over a limit) but perhaps not yet gone: wait for its exit all the same.
      this.#setRef(true)
    }
    return this.#closed
  }

  #answer(message: FromWorker): void {
    const pending = this.#pending
    if (pending === undefined || message.id !== pending.id) return
    if (message.type === 'took') {
      pending.inFlight -= message.chars
      this.#feed(pending)
      return
    }
    if (message.type === 'rows') {
      pending.unacked += 1
      this.#arm(pending)
      const accepted = this.#accept(pending, message.first, message.parts)
      if (accepted instanceof ConverterError) {
        this.#settle()
        pending.reject(accepted)
        // It is still converting the rest of a run nobody wants: a fresh worker replaces it.
        this.#kill()
        return
      }
      if (message.done === true) pending.finished = true
      if (pending.onRows === undefined) {
        pending.parts.push(...accepted.parts)
        this.#ack(pending)
        if (pending.finished) this.#finish(pending)
        return
      }
      const sink = pending.onRows
      const rowsJson =
        accepted.parts.length === 1 ? `[${accepted.parts[0]}]` : `[${accepted.parts.join(',')}]`
      pending.delivery = pending.delivery.then(async () => {
        if (this.#pending !== pending || accepted.rows === 0) return this.#ack(pending)
        try {
          await sink(rowsJson, accepted.rows)
        } catch (error) {
          // The caller could not take the rows (its output went away): the run ends here.
          if (this.#settle() === pending)
            pending.reject(error instanceof Error ? error : new Error(String(error)))
          this.#kill()
          return
        }
        this.#ack(pending)
      })
      if (pending.finished) this.#finish(pending)
      return
    }
    if (message.type === 'done') {
      pending.finished = true
      this.#finish(pending)
      return
    }
    this.#settle()
    pending.reject(describeFailure(message, pending.limits, this.#converterFilename, pending.source))
    // The process keeps what the dead isolate took from the system: a fresh one starts lean.
    if (message.kind === 'memory') this.#kill()
  }

  /** The worker is done with the run: it is over once the caller has taken the last rows. */
  #finish(pending: Pending): void {
    // Nothing left to watch.
    clearTimeout(pending.watchdog)
    clearInterval(pending.memoryWatch)
    // The worker keeps the context of a group's run that ended well, unless the group was closed meanwhile.
    if (pending.group !== undefined && !pending.forgotten) this.#keptGroup = pending.group
    void pending.delivery.then(() => {
      if (this.#settle() === pending)
        pending.resolve({ parts: pending.parts, rowCount: pending.rowCount, bytes: pending.bytes })
    })
  }

  /** One rows message taken: the worker may send another. */
  #ack(pending: Pending): void {
    // A worker done with the run waits for no ack (and one would only wake it).
    if (this.#pending !== pending || !this.#alive || pending.finished) return
    pending.unacked -= 1
    this.#child.send({ type: 'ack', id: pending.id } satisfies RowsAck)
    this.#arm(pending)
  }

  /**
   * Checks the pages' rows text as it arrives (the sandbox's word is not taken for it): a JSON array of
   * row objects within the depth limit, rows counted here, the run's row and byte limits applied.
   */
  #accept(
    pending: Pending,
    first: number,
    parts: readonly string[],
  ): ConverterError | { parts: string[]; rows: number } {
    const accepted: string[] = []
    let rows = 0
    for (let i = 0; i < parts.length; i++) {
      const part = String(parts[i])
      const page = pageName(pending.firstPage + first + i, pending.pageTotal)
      const check = checkRows(part)
      if (!check.ok) {
        return new ConverterError(
          'contract',
          cut(
            `convert() returned rows that are not a JSON array of row objects${page ? ` (${page})` : ''}: the text ${check.problem}`,
          ),
        )
      }
      pending.rowCount += check.rows
      pending.bytes += Buffer.byteLength(part) - 2
      if (pending.rowCount > pending.limits.maxRows) return tooManyRows(pending.limits, page)
      if (pending.bytes > pending.limits.maxBytes) return tooManyBytes(pending.limits, page)
      if (check.rows > 0) accepted.push(part.slice(check.start, check.end))
      rows += check.rows
    }
    return { parts: accepted, rows }
  }

  /** Resident memory of the worker in bytes, or undefined where /proc is not there to say. */
  #rss(): number | undefined {
    try {
      const resident = Number(readFileSync(`/proc/${this.#child.pid}/statm`, 'latin1').split(' ')[1])
      return Number.isFinite(resident) ? resident * PAGE_BYTES : undefined
    } catch {
      return undefined
    }
  }

  /** Kills a busy worker grown past its heap limit plus FIXED_OVERHEAD_MB; its run fails with a memory error. */
  #watchMemory(): void {
    const pending = this.#pending
    if (pending === undefined) return
    const rss = this.#rss()
    if (rss === undefined || rss <= pending.maxRss) return
    this.#settle()
    pending.reject(
      new ConverterError(
        'memory',
        `Converter exceeded its memory limit of ${pending.limits.memoryMb} MB (its worker process reached ${Math.round(rss / 1024 / 1024)} MB and was replaced)`,
      ),
    )
    this.#kill()
  }

  /** Ends a worker that is still busy with a run nobody wants; no new run may be given to it meanwhile. */
  #kill(): void {
    this.#alive = false
    // Held until its exit is seen: a run queued behind it waits for the replacement, and must not
    // find the process gone for want of anything keeping its event loop alive.
    this.#setRef(true)
    this.#child.kill('SIGKILL')
  }

  /** Takes the pending run (if any) off the worker, so it is settled exactly once. */
  #settle(): Pending | undefined {
    const pending = this.#pending
    if (pending === undefined) return undefined
    clearTimeout(pending.watchdog)
    pending.watchdog = undefined
    clearInterval(pending.memoryWatch)
    this.#pending = undefined
    this.#idleRss = undefined
    this.#setRef(false)
    return pending
  }

  /** An idle worker must not keep the caller's process alive: only a pending run holds a reference. */
  #setRef(busy: boolean): void {
    const stderr = this.#child.stderr as Socket | null
    if (busy) {
      this.#child.ref()
      this.#child.channel?.ref()
      stderr?.ref()
    } else {
      this.#child.unref()
      this.#child.channel?.unref()
      stderr?.unref()
    }
  }
}

/**
 * Consecutive pages grouped into messages of about BATCH_CHARS characters; a page larger than that
 * goes in pieces of BATCH_CHARS (`more` on all but its last), so no message is larger than a batch.
 */
function* batches(id: number, pages: readonly string[]): Generator<PageBatch> {
  const batch = (first: number, texts: string[], more = false): PageBatch =>
    more ? { type: 'pages', id, first, texts, more } : { type: 'pages', id, first, texts }
  let first = 0
  let texts: string[] = []
  let size = 0
  for (let i = 0; i < pages.length; i++) {
    const page = pages[i] ?? ''
    if (page.length > BATCH_CHARS) {
      if (texts.length > 0) yield batch(first, texts)
      for (let at = 0; at < page.length; at += BATCH_CHARS) {
        const last = at + BATCH_CHARS >= page.length
        const piece = page.slice(at, at + BATCH_CHARS)
        yield batch(i, [piece], !last)
      }
      first = i + 1
      texts = []
      size = 0
      continue
    }
    texts.push(page)
    size += page.length
    if (size >= BATCH_CHARS) {
      yield batch(first, texts)
      first = i + 1
      texts = []
      size = 0
    }
  }
  if (texts.length > 0) yield batch(first, texts)
}
