import { randomUUID } from 'node:crypto'
import { isQuarryError, toQuarryError, type QuarryError } from '../domain/errors.js'
import { nextFire } from '../domain/schedule.js'
import { loadQuery, runQuery, type EngineDeps, type RunResult } from '../engine/index.js'
import { scheduleNotFound, tickKey, type ScheduleOutcome, type StoredSchedule } from '../store/index.js'
import { DEFAULT_BACKOFF, retryAt, type BackoffPolicy } from './backoff.js'

/**
 * What a finished scheduled run hands its listeners: the hook point for what else a schedule does
 * with its result (a snapshot, an alert check). Exactly one of `result` and `error` is set.
 */
export interface ScheduleRunEvent {
  /** The schedule as it was when the run was claimed. */
  readonly schedule: StoredSchedule
  readonly query: string
  readonly params: Readonly<Record<string, string>>
  /** The tick this run was for (a manual run: when it was asked for). */
  readonly fireAt: Date
  readonly startedAt: Date
  readonly finishedAt: Date
  /** Run by hand (`quarry schedule run`, the Run now button), not by its cron time. */
  readonly manual: boolean
  readonly result?: RunResult
  readonly error?: QuarryError
}

/** Called after every run this process made, in the order added; a listener's failure is logged, never the run's. */
export type ScheduleRunListener = (event: ScheduleRunEvent) => void | Promise<void>

/** Where the scheduler says what went wrong outside a run (pino's and Fastify's loggers fit). */
export interface SchedulerLog {
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

export interface SchedulerOptions {
  /** The engine to run with (read when a run starts, so the server can build it from its context). */
  readonly deps: () => EngineDeps
  readonly now?: () => Date
  /** Who claims ticks: unique per process (default: a random id). */
  readonly holder?: string
  /** How often the store is asked for due schedules. */
  readonly tickMs?: number
  /** Runs at a time in this process; a due schedule waits for a free slot, unclaimed, so another server may take it. */
  readonly concurrency?: number
  /** A run is aborted after this long; a claim unfinished for longer (plus a minute) is taken over by another server. */
  readonly runTimeoutMs?: number
  readonly backoff?: BackoffPolicy
  /** The run history kept per schedule. */
  readonly keepRuns?: number
  /**
   * How long a refreshed result outlives the next cron time in the cache, so views keep reading it
   * while the next run is still fetching (and after a failed one, until this passes).
   */
  readonly cacheGraceSeconds?: number
  readonly log?: SchedulerLog
}

/** How often (in runs of this process) a finished run trims its schedule's history. */
const PRUNE_EVERY = 10

const SILENT: SchedulerLog = { warn() {}, error() {} }

/**
 * Runs due schedules (issue 16). Every `tickMs` it reads the due schedules and claims each tick in the
 * store (`schedules.claim`): with several servers on one store, each tick runs exactly once. A run
 * refreshes the query's cached result with the schedule's parameters — the entry a view with the same
 * parameters reads — kept until after the next cron time; a failure is recorded and the schedule backs
 * off (backoff.ts). Listeners added with `onRun` see every finished run.
 *
 * @example
 * const scheduler = new Scheduler({ deps: () => ({ store, converters }) })
 * scheduler.onRun(({ schedule, result, error }) => console.log(schedule.name, result?.rowCount, error?.code))
 * scheduler.start()
 */
export class Scheduler {
  readonly holder: string
  readonly #options: SchedulerOptions
  readonly #listeners: ScheduleRunListener[] = []
  /** Runs in progress here, by `name@fireAt`. */
  readonly #active = new Map<string, Promise<ScheduleRunEvent>>()
  /** Ticks another process claimed: not asked again until this time (its claim may go stale). */
  readonly #taken = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined
  #ticking: Promise<number> | undefined
  #stopped = false
  /** Runs this process finished: every PRUNE_EVERY-th trims its schedule's history. */
  #finishedRuns = 0
  /** The last tick found more due than it had room for: tick again as soon as a run ends. */
  #saturated = false
  /**
   * Runs that ended while the store could not record them, by `name@fireAt`. Each stays claimed (and
   * its schedule's next time unchanged) until recorded: the next ticks record them first, so a store
   * outage delays a schedule by the outage, not by a stale claim's takeover (runTimeoutMs + 1 min).
   */
  readonly #unrecorded = new Map<string, { name: string; fireAt: Date; outcome: ScheduleOutcome }>()
  /** The last tick failed because the store was unreachable: said once per outage, not every tick. */
  #storeDown = false

  constructor(options: SchedulerOptions) {
    this.#options = options
    this.holder = options.holder ?? randomUUID()
  }

  /** Adds a listener; returns the function that removes it. */
  onRun(listener: ScheduleRunListener): () => void {
    this.#listeners.push(listener)
    return () => {
      const at = this.#listeners.indexOf(listener)
      if (at >= 0) this.#listeners.splice(at, 1)
    }
  }

  /** Starts ticking (`quarry serve`). */
  start(): void {
    this.#stopped = false
    this.#schedule(0)
  }

  /** Stops ticking and waits for the runs in progress. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#ticking
    await this.idle()
  }

  /** Resolves when no run of this process is in progress. */
  async idle(): Promise<void> {
    while (this.#active.size > 0) await Promise.allSettled([...this.#active.values()])
  }

  /**
   * Claims the due ticks this process has room for and starts their runs (without waiting for them:
   * `idle()` does); resolves to how many it claimed. Concurrent calls share one.
   */
  tick(): Promise<number> {
    this.#ticking ??= this.#claimDue().finally(() => {
      this.#ticking = undefined
    })
    return this.#ticking
  }

  /**
   * Runs a schedule now, whatever its cron time, and resolves when it finished (listeners included).
   * It records its outcome like any run, but leaves the next cron time alone.
   */
  async runNow(name: string): Promise<ScheduleRunEvent> {
    const schedule = await this.#deps().store.schedules.get(name)
    if (schedule === undefined) throw scheduleNotFound(name)
    // A manual run is its own tick, claimed like any other; two presses in one millisecond take the next one.
    let fireAt = this.#now()
    while (!(await this.#claim(schedule, fireAt))) fireAt = new Date(fireAt.getTime() + 1)
    return this.#track(schedule, fireAt, true)
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      void this.tick()
        .then(() => {
          this.#storeDown = false
        })
        .catch((error: unknown) => this.#tickFailed(error))
        .finally(() => this.#schedule(this.#options.tickMs ?? 200))
    }, delayMs)
    this.#timer.unref()
  }

  #tickFailed(error: unknown): void {
    if (!isQuarryError(error, 'QUARRY_STORE_UNREACHABLE')) {
      this.#log().error({ err: error }, 'schedule tick failed')
      return
    }
    if (!this.#storeDown)
      this.#log().warn({ code: error.code }, `schedules wait for the store: ${error.message}`)
    this.#storeDown = true
  }

  /** Records the runs the store missed (see #unrecorded); throws, keeping the rest, when it still cannot. */
  async #recordUnrecorded(): Promise<void> {
    for (const [key, { name, fireAt, outcome }] of this.#unrecorded) {
      await this.#deps().store.schedules.finish(name, fireAt, outcome)
      this.#unrecorded.delete(key)
    }
  }

  async #claimDue(): Promise<number> {
    await this.#recordUnrecorded()
    const free = (this.#options.concurrency ?? 16) - this.#active.size
    if (free <= 0) return 0
    const now = this.#now()
    const nowMs = now.getTime()
    for (const [key, until] of this.#taken) if (until <= nowMs) this.#taken.delete(key)
    const due = await this.#deps().store.schedules.due(now, free + this.#taken.size + this.#active.size)
    const candidates: { schedule: StoredSchedule; fireAt: Date; key: string }[] = []
    for (const schedule of due) {
      const fireAt = schedule.nextRunAt
      if (fireAt === null) continue
      const key = tickKey(schedule.name, fireAt)
      if (this.#active.has(key) || this.#taken.has(key)) continue
      candidates.push({ schedule, fireAt, key })
      if (candidates.length >= free) break
    }
    // One statement claims the whole burst: 100 schedules due in the same second cost one round trip.
    const staleBefore = new Date(nowMs - this.#staleAfterMs())
    const won = await this.#deps().store.schedules.claimMany(
      candidates.map(({ schedule, fireAt }) => ({ name: schedule.name, fireAt })),
      this.holder,
      now,
      staleBefore,
    )
    let claimed = 0
    for (const { schedule, fireAt, key } of candidates) {
      if (won.has(key)) {
        claimed += 1
        void this.#track(schedule, fireAt, false)
      } else {
        this.#taken.set(key, nowMs + this.#staleAfterMs())
      }
    }
    // Every slot taken: more may be due, so the next tick comes as soon as a run ends, not a tick later.
    if (candidates.length >= free) this.#saturated = true
    return claimed
  }

  #claim(schedule: StoredSchedule, fireAt: Date): Promise<boolean> {
    const now = this.#now()
    const staleBefore = new Date(now.getTime() - this.#staleAfterMs())
    return this.#deps().store.schedules.claim(schedule.name, fireAt, this.holder, now, staleBefore)
  }

  #track(schedule: StoredSchedule, fireAt: Date, manual: boolean): Promise<ScheduleRunEvent> {
    const key = tickKey(schedule.name, fireAt)
    const running = this.#run(schedule, fireAt, manual).finally(() => {
      this.#active.delete(key)
      if (this.#saturated && !this.#stopped) {
        this.#saturated = false
        this.#schedule(0)
      }
    })
    this.#active.set(key, running)
    return running
  }

  async #run(schedule: StoredSchedule, fireAt: Date, manual: boolean): Promise<ScheduleRunEvent> {
    const deps = this.#deps()
    const startedAt = this.#now()
    // The next cron time after this tick (a late tick: after now), which the refreshed result must outlive.
    const after = new Date(Math.max(startedAt.getTime(), fireAt.getTime()))
    const scheduled = nextFire(schedule.cron, schedule.timeZone, after)
    let result: RunResult | undefined
    let error: QuarryError | undefined
    try {
      const loaded = await loadQuery(deps.store, schedule.query)
      const untilNext = scheduled === null ? 0 : Math.ceil((scheduled.getTime() - startedAt.getTime()) / 1000)
      result = await runQuery(deps, {
        query: loaded,
        params: schedule.params,
        refresh: true,
        cacheTtlSeconds: Math.max(
          untilNext + (this.#options.cacheGraceSeconds ?? 300),
          loaded.query.cacheTtlSeconds ?? 0,
        ),
        signal: AbortSignal.timeout(this.#options.runTimeoutMs ?? 600_000),
      })
    } catch (thrown) {
      error = toQuarryError(thrown)
    }
    const finishedAt = this.#now()
    // The store going away is no fault of the schedule's: it neither lengthens the failure streak nor
    // backs the schedule off (30 s and more); the next tick runs as its cron says (docs/operator/store-outage.md).
    const storeDown = isQuarryError(error, 'QUARRY_STORE_UNREACHABLE')
    const failures = error === undefined ? 0 : storeDown ? schedule.failures : schedule.failures + 1
    const nextRunAt = manual
      ? schedule.nextRunAt
      : error === undefined || storeDown
        ? scheduled
        : retryAt({
            cron: schedule.cron,
            timeZone: schedule.timeZone,
            failures,
            retryAfterSeconds: error.retryAfterSeconds,
            now: finishedAt,
            policy: this.#options.backoff ?? DEFAULT_BACKOFF,
          })
    const outcome: ScheduleOutcome = {
      finishedAt,
      status: error === undefined ? 'ok' : 'failed',
      ...(result === undefined ? {} : { rowCount: result.rowCount }),
      ...(error === undefined ? {} : { error: { code: error.code, message: error.message } }),
      // Any success ends the failure streak; a manual failure adds to it like any other.
      failures,
      nextRunAt,
    }
    let recorded = false
    try {
      await deps.store.schedules.finish(schedule.name, fireAt, outcome)
      recorded = true
      // The history is trimmed now and then, not after every run: one statement fewer per run.
      if (++this.#finishedRuns % PRUNE_EVERY === 0)
        await deps.store.schedules.pruneRuns(schedule.name, this.#options.keepRuns ?? 100)
    } catch (thrown) {
      if (!recorded && isQuarryError(thrown, 'QUARRY_STORE_UNREACHABLE'))
        this.#unrecorded.set(tickKey(schedule.name, fireAt), { name: schedule.name, fireAt, outcome })
      else this.#log().error({ err: thrown, schedule: schedule.name }, 'could not record a scheduled run')
    }
    const event: ScheduleRunEvent = {
      schedule,
      query: schedule.query,
      params: schedule.params,
      fireAt,
      startedAt,
      finishedAt,
      manual,
      ...(result === undefined ? {} : { result }),
      ...(error === undefined ? {} : { error }),
    }
    if (error !== undefined) {
      this.#log().warn(
        { schedule: schedule.name, code: error.code },
        `scheduled run failed: ${error.message}`,
      )
    }
    for (const listener of [...this.#listeners]) {
      try {
        await listener(event)
      } catch (thrown) {
        this.#log().error({ err: thrown, schedule: schedule.name }, 'a schedule listener failed')
      }
    }
    return event
  }

  #staleAfterMs(): number {
    return (this.#options.runTimeoutMs ?? 600_000) + 60_000
  }

  #deps(): EngineDeps {
    return this.#options.deps()
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date()
  }

  #log(): SchedulerLog {
    return this.#options.log ?? SILENT
  }
}
