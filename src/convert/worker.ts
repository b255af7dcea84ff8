/**
 * Entry of a converter worker process (forked by the pool, one run at a time).
 * It hosts one warm isolated-vm isolate and gives every run a fresh context in
 * it, so no run sees another's globals — except the runs of one group (the
 * pages of one result, converted as they arrive): after a run of a group that
 * ended well its context is kept, and the group's next run of the same
 * converter takes it, warm (a fresh context and its cold JIT cost a page ~4×
 * the conversion itself; bench/RESULTS.md, "Converter: sandboxed vs plain").
 * One context at most is kept, and only until a run of anything else starts:
 * what it holds lives in the isolate's heap, and must never be taken from
 * another run's memory limit. The worker runs with V8's compilation
 * cache off (worker-entry.ts): that cache is per isolate, not per context, so
 * one run's `new Function(body)` or `eval` would otherwise hand its compiled
 * code to the next run that compiles the same text. Compiled converters are
 * kept per isolate, keyed by their whole source: only a run of the very same
 * converter gets its compiled (and warmed-up) code, which tells it nothing it
 * does not know — and saves the JIT's warm-up on every run. A V8 fatal error here (isolated-vm's memory limit is soft) ends
 * this process only; the pool sees the exit and replaces it.
 *
 * Pages are converted as they arrive, with synchronous isolate calls: the
 * isolate runs on this thread, and the next pages wait in the pipe meanwhile
 * (the parent sends at most a window ahead). Asynchronous calls ran it on a
 * thread of its own, but each of the ~100 calls of a run then paid two thread
 * hand-offs, and on the 2-core machine, with the pool's two workers and the
 * parent busy, the overlap they bought was not there to be had: they cost a
 * worker 10–25 % more CPU per run for no shorter run (bench/RESULTS.md,
 * "Converter: sandboxed vs plain"). The time and memory limits apply to
 * synchronous calls as they did to asynchronous ones.
 *
 * Self-contained on purpose: besides isolated-vm it imports only types, which
 * Node's type stripping erases, so the pool can fork this very file from src/
 * (tests) as well as its compiled twin in dist/. The prelude and the file
 * names arrive in the `init` message.
 */
import { setFlagsFromString } from 'node:v8'
import ivm from 'isolated-vm'
import type {
  FailureKind,
  FromWorker,
  InitMessage,
  PageBatch,
  PageRows,
  RowsAck,
  RunFailed,
  RunStart,
  ToWorker,
} from './protocol.js'

/** Finished rows go back in messages of about this many characters: few messages, yet early. */
const ROWS_BATCH_CHARS = 256 * 1024
/** Compiled converters kept per isolate (most recently used). */
const SCRIPT_CACHE_SIZE = 32
/** Stack frames kept from a failure (only the converter's line and column are read from them). */
const STACK_CHARS = 8000
/** Page text taken into the isolate is reported to the parent in steps of this many characters (a quarter of its window, PAGES_WINDOW_CHARS in worker-process.ts). */
const TOOK_CHARS = 1024 * 1024
/** A fresh isolate after this many runs, or when a run leaves its heap this full, so nothing accumulates. */
const MAX_RUNS_PER_ISOLATE = 1000
const MAX_HEAP_SHARE_AFTER_RUN = 0.75
/** After a run, dead page texts over this much outside the isolate's heap are collected (see collectGarbage). */
const COLLECT_EXTERNAL_BYTES = 16 * 1024 * 1024

interface Host {
  readonly isolate: ivm.Isolate
  readonly memoryMb: number
  readonly prelude: ivm.Script
  /** `gc()` in a context of the worker's own, which no converter sees (see collectGarbage). */
  readonly collect: { readonly context: ivm.Context; readonly script: ivm.Script }
  readonly scripts: Map<string, ivm.Script>
  /** The context kept for its group's next run, if any; it goes with the isolate. */
  kept: Kept | undefined
  runs: number
}

/** A group's context between its runs, with its driver and the converter it was made for. */
interface Kept {
  readonly group: number
  readonly context: ivm.Context
  readonly drive: ivm.Reference
  readonly source: string
}

interface Run {
  readonly start: RunStart
  readonly host: Host
  /** Pages that have arrived (a large one in pieces, `complete` once its last piece is here), by index. */
  readonly waiting: Map<number, { pieces: string[]; complete: boolean }>
  /** The isolate's CPU time when the run began: the time limit counts from here. */
  readonly cpuAtStart: bigint
  context?: ivm.Context
  drive?: ivm.Reference
  /** Index of the next page to convert. */
  next: number
  /** Rows converted but not yet sent: the pages from `first` on. */
  readonly outbox: { first: number; parts: string[]; chars: number }
  /** Rows messages the parent has not acknowledged yet, and who waits for the next ack. */
  unacked: number
  /** Characters of page text handed to the isolate and not yet reported to the parent. */
  taken: number
  wake?: () => void
  ready: boolean
  working: boolean
  over: boolean
  /** Its group was closed while it ran: its context is not kept. */
  forgotten: boolean
}

let setup: InitMessage | undefined
let host: Host | undefined
let active: Run | undefined

function hostFor(memoryMb: number, init: InitMessage): Host {
  if (host !== undefined && !host.isolate.isDisposed && host.memoryMb === memoryMb) return host
  discardHost()
  const isolate = new ivm.Isolate({ memoryLimit: memoryMb })
  const prelude = isolate.compileScriptSync(init.prelude, { filename: init.preludeFilename })
  const collect = { context: collectorContext(isolate), script: isolate.compileScriptSync('gc()') }
  host = { isolate, memoryMb, prelude, collect, scripts: new Map(), kept: undefined, runs: 0 }
  return host
}

/**
 * A context with V8's `gc()`, for the worker alone: the flag is on only while it is created, so no
 * converter's context (created later) has `gc`, nor does the worker's own Node context.
 */
function collectorContext(isolate: ivm.Isolate): ivm.Context {
  setFlagsFromString('--expose-gc')
  try {
    return isolate.createContextSync()
  } finally {
    setFlagsFromString('--no-expose-gc')
  }
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

/** A message cut to `max` characters, saying how much was left out (a converter can throw 60 MB). */
function cut(text: string, max: number): string {
  // One the driver has already cut is a little longer than max (its note): leave it as it is.
  return text.length > max + 40 ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text
}

/** Stack frames say where; the message in front of them can be huge, and is sent separately. */
function framesOf(stack: string): string {
  const frames = stack.indexOf('\n    at ')
  return cut(frames > 0 ? stack.slice(frames) : stack, STACK_CHARS)
}

/** `page` is local to this worker's share; failures name it by its index in the whole run. */
function failure(run: Run, kind: FailureKind, error: unknown, page?: number): RunFailed {
  const e = error instanceof Error ? error : new Error(String(error))
  const { id, firstPage, pageTotal } = run.start
  const where = page === undefined ? undefined : firstPage + page
  const max = setup?.messageChars ?? 2000
  return {
    type: 'failed',
    id,
    kind,
    name: cut(String(e.name), 200),
    message: cut(String(e.message), max),
    stack: framesOf(String(e.stack ?? '')),
    page: where,
    pages: pageTotal,
  }
}

const KINDS: readonly FailureKind[] = ['syntax', 'runtime', 'timeout', 'memory', 'contract', 'rows', 'bytes']

/**
 * The driver answers `!{json}` for failures it detects itself (see sandbox/driver-source.ts).
 * Read without trusting it: anything but the expected shape is a contract failure.
 */
function driverFailure(run: Run, answer: string, page?: number): RunFailed {
  let parsed: unknown
  try {
    parsed = JSON.parse(answer.slice(1))
  } catch {
    parsed = undefined
  }
  const fields = (parsed ?? {}) as Record<string, unknown>
  const text = (key: string): string => (typeof fields[key] === 'string' ? fields[key] : '')
  const kind = KINDS.find((known) => known === fields['kind'])
  const readable = kind !== undefined
  return failure(
    run,
    kind ?? 'contract',
    Object.assign(
      new Error(readable ? text('message') : 'convert() returned something the sandbox could not read'),
      {
        name: text('name'),
        stack: text('stack'),
      },
    ),
    page,
  )
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

/**
 * Starts a run in its group's kept context when there is one for this converter (the converter's
 * top level ran there already), else compiles the converter, runs its top level in a fresh context
 * and checks that it defines convert.
 */
async function begin(run: Run, init: InitMessage): Promise<void> {
  const kept = takeKept(run)
  let script: ivm.Script | undefined
  if (kept === undefined) {
    try {
      script = compiled(run.host, run.start.source, init.converterFilename)
    } catch (error) {
      return end(run, failure(run, 'syntax', error))
    }
  }
  try {
    if (kept !== undefined) {
      run.context = kept.context
      run.drive = kept.drive
    } else if (script !== undefined) {
      const context = run.host.isolate.createContextSync()
      run.context = context
      run.drive = run.host.prelude.runSync(context, {
        reference: true,
        timeout: limit(run),
      }) as ivm.Reference
      script.runSync(context, { timeout: limit(run) })
      if (budget(run) <= 0) return end(run, timedOut(run))
    }
    // A kept context has run the converter's top level already: only the driver's counts start over.
    const op = kept === undefined ? 'check' : 'reset'
    const answer: unknown = run.drive?.applySync(undefined, [op], { timeout: limit(run) })
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
    for (let entry = run.waiting.get(run.next); entry !== undefined; entry = run.waiting.get(run.next)) {
      const index = run.next
      // A large page's leading pieces go in as they come; the last one comes with the call that converts it.
      while (entry.pieces.length > (entry.complete ? 1 : 0)) {
        const piece = entry.pieces.shift() as string
        const remaining = budget(run)
        if (remaining <= 0) return end(run, timedOut(run, index))
        const answer: unknown = run.drive?.applySync(undefined, ['piece', piece], { timeout: remaining })
        if (run.over) return
        took(run, piece.length)
        if (answer !== '')
          return end(run, driverFailure(run, typeof answer === 'string' ? answer : '!{}', index))
      }
      if (!entry.complete) {
        took(run, 0, true)
        break
      }
      const text = entry.pieces.shift() ?? ''
      run.waiting.delete(index)
      let remaining = budget(run)
      if (remaining <= 0) return end(run, timedOut(run, index))
      const { firstPage, pageTotal, metadataJson, maxRows, maxBytes } = run.start
      let answer: unknown = run.drive?.applySync(
        undefined,
        ['page', text, firstPage + index, pageTotal, metadataJson, maxRows, maxBytes],
        { timeout: remaining },
      )
      if (run.over) return
      took(run, text.length)
      for (;;) {
        if (typeof answer !== 'string' || answer.startsWith('!'))
          return end(run, driverFailure(run, typeof answer === 'string' ? answer : '!{}', index))
        // The rows as JSON array text, sent on as is: the pool checks and counts them.
        const more = answer.startsWith('+')
        const part = more ? answer.slice(1) : answer
        run.outbox.parts.push(part)
        run.outbox.chars += part.length
        if (!more) break
        // A chunk of a large page: out before the next chunk is built, as soon as the parent can take it.
        await flush(run, true)
        if (run.over) return
        remaining = budget(run)
        if (remaining <= 0) return end(run, timedOut(run, index))
        answer = run.drive?.applySync(undefined, ['more'], { timeout: remaining })
        if (run.over) return
      }
      run.next += 1
      if (run.outbox.chars >= ROWS_BATCH_CHARS) await flush(run, false)
      if (run.over) return
    }
    // Every page converted: the parent has none left to send (no `took`), and the last rows say `done`.
    const last = run.next >= run.start.pageCount
    if (!last) took(run, 0, true)
    const final = await flush(run, false, last)
    if (run.over) return
    if (last) return end(run, final ?? { type: 'done', id: run.start.id })
    // Pages that arrived while the flush waited for the parent found this pump busy: take them now.
    if ((run.waiting.get(run.next)?.pieces.length ?? 0) > 0) setImmediate(() => void pump(run))
  } catch (error) {
    return end(run, classify(run, error, run.next))
  } finally {
    run.working = false
  }
}

/**
 * Tells the parent how much page text the isolate now holds, so it can send more: once a quarter of
 * its window has been taken (one message per page would cost more than the pages), and whenever the
 * pump is about to wait (`now`).
 */
function took(run: Run, chars: number, now = false): void {
  run.taken += chars
  if (run.taken === 0 || (!now && run.taken < TOOK_CHARS)) return
  send({ type: 'took', id: run.start.id, chars: run.taken })
  run.taken = 0
}

/**
 * Sends the outbox once the parent has room for it (ROWS_WINDOW). With `more`, its last part is a
 * chunk of a page whose next chunk follows; the next message starts on that same page. With `last`
 * (the run's last rows) the message is not sent but answered, marked `done`, for end() to send: one
 * message fewer a run (each costs both processes a wake-up; a run of one small page sent six).
 */
async function flush(run: Run, more: boolean, last = false): Promise<PageRows | undefined> {
  if (run.outbox.parts.length === 0) return undefined
  // Rows messages out and not yet acknowledged: at most the window. The rest of a large page's rows
  // wait inside the isolate (as row objects, counted by its heap limit) until the caller has caught up.
  while (run.unacked >= (setup?.rowsWindow ?? 1) && !run.over)
    await new Promise<void>((resolve) => (run.wake = resolve))
  if (run.over) return undefined
  const { parts, first } = run.outbox
  const id = run.start.id
  const message: PageRows = last
    ? { type: 'rows', id, first, parts, done: true }
    : more
      ? { type: 'rows', id, first, parts, more }
      : { type: 'rows', id, first, parts }
  if (!last) send(message)
  run.unacked += 1
  run.outbox.first = first + parts.length - (more ? 1 : 0)
  run.outbox.parts = []
  run.outbox.chars = 0
  return last ? message : undefined
}

function onAck(ack: RowsAck): void {
  const run = active
  if (run === undefined || run.start.id !== ack.id) return
  run.unacked -= 1
  const wake = run.wake
  run.wake = undefined
  wake?.()
}

function end(run: Run, last: FromWorker): void {
  if (run.over) return
  run.over = true
  if (active === run) active = undefined
  // A pump waiting for an ack must not wait for ever.
  run.wake?.()
  send(last)
  const current = run.host
  const { group, source } = run.start
  const { context, drive } = run
  const done = last.type === 'done' || (last.type === 'rows' && last.done === true)
  const keep = done && group !== undefined && !run.forgotten && !current.isolate.isDisposed
  if (keep && context !== undefined && drive !== undefined) {
    current.kept = { group, context, drive, source }
  } else if (!current.isolate.isDisposed) {
    drive?.release()
    context?.release()
  }
  // A terminated or over-limit isolate is not trusted with another run; a full one is renewed.
  const broken = last.type === 'failed' && (last.kind === 'timeout' || last.kind === 'memory')
  if (!broken) collectGarbage(current)
  if (broken || current.runs >= MAX_RUNS_PER_ISOLATE || heapShare(current) > MAX_HEAP_SHARE_AFTER_RUN) {
    if (host === current) discardHost()
    // Build the next isolate while the worker is idle, so the next run starts warm.
    setImmediate(() => {
      if (setup !== undefined && active === undefined) hostFor(current.memoryMb, setup)
    })
  }
}

/**
 * The context kept for this run's group, taken off the shelf; none when it was kept for another
 * group or converter, and then it goes (a kept context must not hold memory during another's run).
 */
function takeKept(run: Run): Kept | undefined {
  const kept = run.host.kept
  if (kept === undefined) return undefined
  run.host.kept = undefined
  if (kept.group === run.start.group && kept.source === run.start.source) return kept
  release(run.host, kept)
  return undefined
}

function release(owner: Host, kept: Kept): void {
  if (owner.isolate.isDisposed) return
  kept.drive.release()
  kept.context.release()
}

/**
 * The group's result is complete: its kept context goes, and a run of it under way keeps none
 * (the pool may close a group while one of its runs is out).
 */
function forget(group: number): void {
  if (active?.start.group === group) active.forgotten = true
  const current = host
  if (current?.kept?.group !== group) return
  release(current, current.kept)
  current.kept = undefined
}

/**
 * The page texts a run handed in live outside the isolate's heap (isolated-vm passes long strings as
 * external strings), and V8 does not know they are there: left alone, dead ones pile up until the
 * isolate reaches its memory limit, all of it resident. So after a run whose isolate holds more than
 * COLLECT_EXTERNAL_BYTES of them, the worker collects the isolate's garbage (a few ms for a small
 * heap, after the run's result has gone).
 */
function collectGarbage(current: Host): void {
  if (current.isolate.isDisposed) return
  const stats = current.isolate.getHeapStatisticsSync()
  if (stats.externally_allocated_size < COLLECT_EXTERNAL_BYTES) return
  try {
    current.collect.script.runSync(current.collect.context)
  } catch {
    // A failed collection leaves the garbage for V8's own (at the memory limit).
  }
}

function heapShare(current: Host): number {
  if (current.isolate.isDisposed) return 1
  const stats = current.isolate.getHeapStatisticsSync()
  return (stats.used_heap_size + stats.externally_allocated_size) / (current.memoryMb * 1024 * 1024)
}

/** A run and, in its message, its first pages (one message fewer than sending them apart). */
function onRun(start: RunStart, init: InitMessage): void {
  const current = hostFor(start.memoryMb, init)
  current.runs += 1
  const run: Run = {
    start,
    host: current,
    waiting: new Map(),
    cpuAtStart: current.isolate.cpuTime,
    next: 0,
    outbox: { first: 0, parts: [], chars: 0 },
    unacked: 0,
    taken: 0,
    ready: false,
    working: false,
    over: false,
    forgotten: false,
  }
  active = run
  // Queued before the converter is ready; begin() converts them once it is.
  if (start.batch !== undefined) onPages(start.batch)
  void begin(run, init)
}

function onPages(batch: PageBatch): void {
  const run = active
  // Pages of a run that already failed are dropped.
  if (run === undefined || run.start.id !== batch.id || run.over) return
  batch.texts.forEach((text, i) => {
    const index = batch.first + i
    const entry = run.waiting.get(index) ?? { pieces: [], complete: false }
    entry.pieces.push(text)
    entry.complete = !(batch.more === true && i === batch.texts.length - 1)
    run.waiting.set(index, entry)
  })
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
  } else if (message.type === 'ack') {
    onAck(message)
  } else if (message.type === 'forget') {
    forget(message.group)
  } else {
    onPages(message)
  }
})

// The pool closed or its process ended: nothing more will come.
process.on('disconnect', () => process.exit(0))
