/**
 * Entry of a converter worker process (forked by the pool, one run at a time).
 * It hosts one warm isolated-vm isolate and gives every run a fresh context in
 * it, so no run sees another's globals; compiled converter scripts are cached
 * per isolate. A V8 fatal error here (isolated-vm's memory limit is soft) ends
 * this process only; the pool sees the exit and replaces it.
 *
 * Pages are converted as they arrive, with asynchronous isolate calls: the
 * isolate works on its own thread while this one reads the next pages off the
 * pipe and sends finished rows back.
 *
 * Self-contained on purpose: besides isolated-vm it imports only types, which
 * Node's type stripping erases, so the pool can fork this very file from src/
 * (tests) as well as its compiled twin in dist/. The prelude and the file
 * names arrive in the `init` message.
 */
import ivm from 'isolated-vm'
import type {
  FailureKind,
  FromWorker,
  InitMessage,
  PageBatch,
  RunFailed,
  RunStart,
  ToWorker,
} from './protocol.js'

/** Finished rows go back in messages of about this many characters: few messages, yet early. */
const ROWS_BATCH_CHARS = 256 * 1024
/** Compiled converters kept per isolate (most recently used). */
const SCRIPT_CACHE_SIZE = 32
/** A fresh isolate after this many runs, or when a run leaves its heap this full, so nothing accumulates. */
const MAX_RUNS_PER_ISOLATE = 1000
const MAX_HEAP_SHARE_AFTER_RUN = 0.75

interface Host {
  readonly isolate: ivm.Isolate
  readonly memoryMb: number
  readonly prelude: ivm.Script
  readonly scripts: Map<string, ivm.Script>
  runs: number
}

interface Run {
  readonly start: RunStart
  readonly host: Host
  /** Pages that have arrived and wait for their turn, by index. */
  readonly waiting: Map<number, string>
  /** The isolate's CPU time when the run began: the time limit counts from here. */
  readonly cpuAtStart: bigint
  context?: ivm.Context
  drive?: ivm.Reference
  /** Index of the next page to convert. */
  next: number
  /** Rows converted but not yet sent. */
  readonly outbox: { parts: string[]; count: number; chars: number }
  ready: boolean
  working: boolean
  over: boolean
}

let setup: InitMessage | undefined
let host: Host | undefined
let active: Run | undefined

function hostFor(memoryMb: number, init: InitMessage): Host {
  if (host !== undefined && !host.isolate.isDisposed && host.memoryMb === memoryMb) return host
  discardHost()
  const isolate = new ivm.Isolate({ memoryLimit: memoryMb })
  const prelude = isolate.compileScriptSync(init.prelude, { filename: init.preludeFilename })
  host = { isolate, memoryMb, prelude, scripts: new Map(), runs: 0 }
  return host
}

function discardHost(): void {
  if (host !== undefined && !host.isolate.isDisposed) host.isolate.dispose()
  host = undefined
}

function compiled(current: Host, source: string, filename: string): ivm.Script {
  const cached = current.scripts.get(source)
  if (cached !== undefined) {
    // Most recently used goes last; the first key is the one to evict.
    current.scripts.delete(source)
    current.scripts.set(source, cached)
    return cached
  }
  const script = current.isolate.compileScriptSync(source, { filename })
  current.scripts.set(source, script)
  const oldest = current.scripts.keys().next().value
  if (current.scripts.size > SCRIPT_CACHE_SIZE && oldest !== undefined) {
    current.scripts.get(oldest)?.release()
    current.scripts.delete(oldest)
  }
  return script
}

function send(message: FromWorker): void {
  process.send?.(message)
}

/** What is left of the run's time budget, in ms (≤ 0 when spent). */
function budget(run: Run): number {
  const usedMs = Number(run.host.isolate.cpuTime - run.cpuAtStart) / 1e6
  return Math.ceil(run.start.timeoutMs - usedMs)
}

/** The timeout for the next call into the isolate; never 0, which isolated-vm reads as "no limit". */
function limit(run: Run): number {
  return Math.max(1, budget(run))
}

/** `page` is local to this worker's share; failures name it by its index in the whole run. */
function failure(run: Run, kind: FailureKind, error: unknown, page?: number): RunFailed {
  const e = error instanceof Error ? error : new Error(String(error))
  const { id, firstPage, pageTotal } = run.start
  const where = page === undefined ? undefined : firstPage + page
  return {
    type: 'failed',
    id,
    kind,
    name: e.name,
    message: e.message,
    stack: e.stack ?? '',
    page: where,
    pages: pageTotal,
  }
}

/** The driver answers `!{json}` for failures it detects itself (see sandbox/driver-source.ts). */
function driverFailure(run: Run, answer: string, page?: number): RunFailed {
  const parsed = JSON.parse(answer.slice(1)) as {
    kind: FailureKind
    name: string
    message: string
    stack: string
  }
  const { id, firstPage, pageTotal } = run.start
  return {
    type: 'failed',
    id,
    pages: pageTotal,
    page: page === undefined ? undefined : firstPage + page,
    ...parsed,
  }
}

/** Errors isolated-vm raises for the limits, told apart by their fixed messages. */
function classify(run: Run, error: unknown, page?: number): RunFailed {
  const message = error instanceof Error ? error.message : ''
  if (run.host.isolate.isDisposed || /disposed during execution due to memory limit/.test(message))
    return failure(run, 'memory', error, page)
  if (/Script execution timed out/.test(message)) return failure(run, 'timeout', error, page)
  return failure(run, 'runtime', error, page)
}

function timedOut(run: Run, page?: number): RunFailed {
  return failure(run, 'timeout', new Error('Script execution timed out.'), page)
}

/** Compiles the converter, runs its top level and checks that it defines convert. */
async function begin(run: Run, init: InitMessage): Promise<void> {
  let script: ivm.Script
  try {
    script = compiled(run.host, run.start.source, init.converterFilename)
  } catch (error) {
    return end(run, failure(run, 'syntax', error))
  }
  try {
    const context = await run.host.isolate.createContext()
    run.context = context
    run.drive = (await run.host.prelude.run(context, {
      reference: true,
      timeout: limit(run),
    })) as ivm.Reference
    await script.run(context, { timeout: limit(run) })
    if (budget(run) <= 0) return end(run, timedOut(run))
    const answer: unknown = await run.drive.apply(undefined, ['check'], { timeout: limit(run) })
    if (typeof answer === 'string' && answer !== '') return end(run, driverFailure(run, answer))
  } catch (error) {
    return end(run, classify(run, error))
  }
  run.ready = true
  await pump(run)
}

/** Converts the pages that have arrived, in order, one call each; ends the run after the last. */
async function pump(run: Run): Promise<void> {
  if (!run.ready || run.working || run.over) return
  run.working = true
  try {
    for (let text = run.waiting.get(run.next); text !== undefined; text = run.waiting.get(run.next)) {
      const index = run.next
      run.waiting.delete(index)
      const remaining = budget(run)
      if (remaining <= 0) return end(run, timedOut(run, index))
      const { firstPage, pageTotal, metadataJson } = run.start
      const answer: unknown = await run.drive?.apply(
        undefined,
        ['page', text, firstPage + index, pageTotal, metadataJson],
        { timeout: remaining },
      )
      if (run.over) return
      if (typeof answer !== 'string' || answer.startsWith('!'))
        return end(run, driverFailure(run, typeof answer === 'string' ? answer : '!{}', index))
      // `rowCount:rowsJson` (see sandbox/driver-source.ts)
      const colon = answer.indexOf(':')
      const json = answer.slice(colon + 1)
      run.outbox.count += Number(answer.slice(0, colon))
      if (json !== '') {
        run.outbox.parts.push(json)
        run.outbox.chars += json.length
      }
      if (run.outbox.chars >= ROWS_BATCH_CHARS) flush(run)
      run.next += 1
    }
    flush(run)
    if (run.next >= run.start.pageCount) return end(run, { type: 'done', id: run.start.id })
  } catch (error) {
    return end(run, classify(run, error, run.next))
  } finally {
    run.working = false
  }
}

function flush(run: Run): void {
  const { parts, count } = run.outbox
  if (parts.length === 0 && count === 0) return
  send({ type: 'rows', id: run.start.id, parts, count })
  run.outbox.parts = []
  run.outbox.count = 0
  run.outbox.chars = 0
}

function end(run: Run, last: FromWorker): void {
  if (run.over) return
  run.over = true
  if (active === run) active = undefined
  send(last)
  const current = run.host
  if (!current.isolate.isDisposed) {
    run.drive?.release()
    run.context?.release()
  }
  // A terminated or over-limit isolate is not trusted with another run; a full one is renewed.
  const broken = last.type === 'failed' && (last.kind === 'timeout' || last.kind === 'memory')
  if (broken || current.runs >= MAX_RUNS_PER_ISOLATE || heapShare(current) > MAX_HEAP_SHARE_AFTER_RUN) {
    if (host === current) discardHost()
    // Build the next isolate while the worker is idle, so the next run starts warm.
    setImmediate(() => {
      if (setup !== undefined && active === undefined) hostFor(current.memoryMb, setup)
    })
  }
}

function heapShare(current: Host): number {
  if (current.isolate.isDisposed) return 1
  const stats = current.isolate.getHeapStatisticsSync()
  return (stats.used_heap_size + stats.externally_allocated_size) / (current.memoryMb * 1024 * 1024)
}

function onRun(start: RunStart, init: InitMessage): void {
  const current = hostFor(start.memoryMb, init)
  current.runs += 1
  const run: Run = {
    start,
    host: current,
    waiting: new Map(),
    cpuAtStart: current.isolate.cpuTime,
    next: 0,
    outbox: { parts: [], count: 0, chars: 0 },
    ready: false,
    working: false,
    over: false,
  }
  active = run
  void begin(run, init)
}

function onPages(batch: PageBatch): void {
  const run = active
  // Pages of a run that already failed are dropped.
  if (run === undefined || run.start.id !== batch.id || run.over) return
  batch.texts.forEach((text, i) => run.waiting.set(batch.first + i, text))
  void pump(run)
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'init') {
    setup = message
    // Warm up now, so the first run does not pay for the isolate.
    hostFor(message.memoryMb, message)
  } else if (setup === undefined) {
    throw new Error('converter worker: message before init')
  } else if (message.type === 'run') {
    onRun(message, setup)
  } else {
    onPages(message)
  }
})

// The pool closed or its process ended: nothing more will come.
process.on('disconnect', () => process.exit(0))
