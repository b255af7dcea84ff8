import { sql, type Selectable } from 'kysely'
import type { Schedule } from '../domain/schedule.js'
import type { StoreContext } from './context.js'
import { compare } from './datasource-repo.js'
import { StoreError } from './errors.js'
import {
  fromDbTime,
  fromDbTimeOrNull,
  fromJsonText,
  toDbTime,
  toDbTimeOrNull,
  toJsonText,
  type ScheduleRunsTable,
  type SchedulesTable,
} from './schema.js'
import { isForeignKeyViolation, isUniqueViolation } from './sql-errors.js'
import type {
  ScheduleInput,
  ScheduleOutcome,
  SchedulePatch,
  ScheduleRepo,
  ScheduleRun,
  StoredSchedule,
} from './types.js'

/**
 * No schedule of that name.
 *
 * @example scheduleNotFound('nightly').code // 'QUARRY_SCHEDULE_NOT_FOUND'
 */
export function scheduleNotFound(name: string): StoreError {
  return new StoreError(
    'QUARRY_SCHEDULE_NOT_FOUND',
    `No schedule named "${name}". List them with: quarry schedule list`,
  )
}

function scheduleExists(name: string): StoreError {
  return new StoreError(
    'QUARRY_SCHEDULE_EXISTS',
    `A schedule named "${name}" already exists. Choose another name, or edit the existing one.`,
  )
}

function queryMissing(query: string): StoreError {
  return new StoreError(
    'QUARRY_QUERY_NOT_FOUND',
    `No query named "${query}" to schedule. List the queries with: quarry query list`,
  )
}

/**
 * Schedules and the claim of each of their ticks (issue 16). A tick is claimed by inserting its
 * (schedule, fire time) into `schedule_runs`, whose primary key that pair is: of any number of servers
 * on one store, one insert succeeds — a single statement, so no lease can expire under a slow holder.
 *
 * @example
 * if (await store.schedules.claim('nightly', fireAt, holder, new Date(), staleBefore)) await run()
 */
export class SqlScheduleRepo implements ScheduleRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async list(): Promise<StoredSchedule[]> {
    return this.#context.run('schedules.list', 'read', async () => {
      const rows = await this.#context.db.selectFrom('schedules').selectAll().execute()
      return rows.map(decode).sort((a, b) => compare(a.name, b.name))
    })
  }

  async listForQuery(query: string): Promise<StoredSchedule[]> {
    return this.#context.run('schedules.listForQuery', 'read', async () => {
      const rows = await this.#context.db
        .selectFrom('schedules')
        .selectAll()
        .where('query', '=', query)
        .execute()
      return rows.map(decode).sort((a, b) => compare(a.name, b.name))
    })
  }

  async get(name: string): Promise<StoredSchedule | undefined> {
    return this.#context.run('schedules.get', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('schedules')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst()
      return row === undefined ? undefined : decode(row)
    })
  }

  async create(input: ScheduleInput): Promise<StoredSchedule> {
    const now = toDbTime(new Date(), 'now')
    const values = {
      name: input.name,
      query: input.query,
      params: toJsonText(input.params, 'params'),
      cron: input.cron,
      time_zone: input.timeZone,
      enabled: input.enabled ? 1 : 0,
      snapshot: input.snapshot ? 1 : 0,
      next_run_at: toDbTimeOrNull(input.nextRunAt, 'nextRunAt'),
      failures: 0,
      created_at: now,
      updated_at: now,
    }
    try {
      return await this.#context.audited('schedules.create', async (tx, record) => {
        const row = await tx.insertInto('schedules').values(values).returningAll().executeTakeFirstOrThrow()
        await record({
          kind: 'schedule',
          object: input.name,
          action: 'create',
          after: definitionRecorded(row),
        })
        return decode(row)
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw scheduleExists(input.name)
      if (isForeignKeyViolation(error)) throw queryMissing(input.query)
      throw error
    }
  }

  async update(name: string, patch: SchedulePatch): Promise<StoredSchedule> {
    const changes = {
      ...(patch.query === undefined ? {} : { query: patch.query }),
      ...(patch.params === undefined ? {} : { params: toJsonText(patch.params, 'params') }),
      ...(patch.cron === undefined ? {} : { cron: patch.cron }),
      ...(patch.timeZone === undefined ? {} : { time_zone: patch.timeZone }),
      ...(patch.enabled === undefined ? {} : { enabled: patch.enabled ? 1 : 0 }),
      ...(patch.snapshot === undefined ? {} : { snapshot: patch.snapshot ? 1 : 0 }),
      ...(patch.nextRunAt === undefined ? {} : { next_run_at: toDbTimeOrNull(patch.nextRunAt, 'nextRunAt') }),
      // A changed definition starts afresh: an old failure streak says nothing about the new one.
      ...(patch.cron === undefined && patch.params === undefined && patch.query === undefined
        ? {}
        : { failures: 0 }),
      updated_at: toDbTime(new Date(), 'now'),
    }
    try {
      return await this.#context.audited('schedules.update', async (tx, record) => {
        const old = await tx.selectFrom('schedules').selectAll().where('name', '=', name).executeTakeFirst()
        const row = await tx
          .updateTable('schedules')
          .set(changes)
          .where('name', '=', name)
          .returningAll()
          .executeTakeFirst()
        if (old === undefined || row === undefined) throw scheduleNotFound(name)
        await record({
          kind: 'schedule',
          object: name,
          action: 'update',
          before: definitionRecorded(old),
          after: definitionRecorded(row),
        })
        return decode(row)
      })
    } catch (error) {
      if (isForeignKeyViolation(error) && patch.query !== undefined) throw queryMissing(patch.query)
      throw error
    }
  }

  async remove(name: string): Promise<void> {
    await this.#context.audited('schedules.remove', async (tx, record) => {
      const old = await tx.selectFrom('schedules').selectAll().where('name', '=', name).executeTakeFirst()
      const result = await tx.deleteFrom('schedules').where('name', '=', name).executeTakeFirst()
      if (old === undefined || result.numDeletedRows === 0n) throw scheduleNotFound(name)
      await record({ kind: 'schedule', object: name, action: 'remove', before: definitionRecorded(old) })
    })
  }

  async due(now: Date, limit: number): Promise<StoredSchedule[]> {
    const at = toDbTime(now, 'now')
    return this.#context.run('schedules.due', 'read', async () => {
      const rows = await this.#context.db
        .selectFrom('schedules')
        .selectAll()
        .where('enabled', '=', 1)
        .where('next_run_at', 'is not', null)
        .where('next_run_at', '<=', at)
        .orderBy('next_run_at')
        .limit(limit)
        .execute()
      return rows.map(decode)
    })
  }

  async claim(name: string, fireAt: Date, holder: string, now: Date, staleBefore: Date): Promise<boolean> {
    const fire = toDbTime(fireAt, 'fireAt')
    const started = toDbTime(now, 'now')
    const stale = toDbTime(staleBefore, 'staleBefore')
    return this.#context.run('schedules.claim', 'write', async () => {
      try {
        const inserted = await this.#context.db
          .insertInto('schedule_runs')
          .values({ schedule: name, fire_at: fire, holder, started_at: started })
          .onConflict((conflict) => conflict.columns(['schedule', 'fire_at']).doNothing())
          .returning('holder')
          .executeTakeFirst()
        if (inserted !== undefined) return true
      } catch (error) {
        // The schedule was removed since it was read as due: nothing to run.
        if (isForeignKeyViolation(error)) return false
        throw error
      }
      // Taken. A holder that died left it unfinished: one caller takes it over (the condition on
      // started_at no longer holds for the second).
      const takeover = await this.#context.db
        .updateTable('schedule_runs')
        .set({ holder, started_at: started })
        .where('schedule', '=', name)
        .where('fire_at', '=', fire)
        .where('finished_at', 'is', null)
        .where('started_at', '<', stale)
        .executeTakeFirst()
      return takeover.numUpdatedRows === 1n
    })
  }

  async claimMany(
    ticks: readonly { readonly name: string; readonly fireAt: Date }[],
    holder: string,
    now: Date,
    staleBefore: Date,
  ): Promise<Set<string>> {
    const claimed = new Set<string>()
    if (ticks.length === 0) return claimed
    const started = toDbTime(now, 'now')
    const rows = ticks.map((tick) => ({
      schedule: tick.name,
      fire_at: toDbTime(tick.fireAt, 'fireAt'),
      holder,
      started_at: started,
    }))
    let inserted: { schedule: string; fire_at: Date | string }[]
    try {
      inserted = await this.#context.run('schedules.claimMany', 'write', () =>
        this.#context.db
          .insertInto('schedule_runs')
          .values(rows)
          .onConflict((conflict) => conflict.columns(['schedule', 'fire_at']).doNothing())
          .returning(['schedule', 'fire_at'])
          .execute(),
      )
    } catch (error) {
      // One of them was removed meanwhile: the statement claimed nothing; claim them one by one.
      if (!isForeignKeyViolation(error)) throw error
      for (const tick of ticks) {
        if (await this.claim(tick.name, tick.fireAt, holder, now, staleBefore))
          claimed.add(tickKey(tick.name, tick.fireAt))
      }
      return claimed
    }
    for (const row of inserted) claimed.add(tickKey(row.schedule, fromDbTime(row.fire_at)))
    // A claim whose tick is newer than the stale time cannot be stale (it started after its tick):
    // only older ticks are worth a takeover attempt.
    for (const tick of ticks) {
      const key = tickKey(tick.name, tick.fireAt)
      if (claimed.has(key) || tick.fireAt.getTime() >= staleBefore.getTime()) continue
      if (await this.claim(tick.name, tick.fireAt, holder, now, staleBefore)) claimed.add(key)
    }
    return claimed
  }

  async finish(name: string, fireAt: Date, outcome: ScheduleOutcome): Promise<void> {
    const fire = toDbTime(fireAt, 'fireAt')
    const finished = toDbTime(outcome.finishedAt, 'finishedAt')
    const next = toDbTimeOrNull(outcome.nextRunAt, 'nextRunAt')
    const error = outcome.error === undefined ? null : `${outcome.error.message} (${outcome.error.code})`
    // Two statements, no transaction (a scheduled run's cost is mostly round trips), schedule first:
    // a process that dies between them leaves the run unfinished, which only makes the claim look stale.
    return this.#context.run('schedules.finish', 'write', async () => {
      const db = this.#context.db
      await db
        .updateTable('schedules')
        .set({
          last_run_at: finished,
          last_status: outcome.status,
          failures: outcome.failures,
          ...(outcome.status === 'ok'
            ? { last_row_count: outcome.rowCount ?? null }
            : {
                last_error: outcome.error?.message ?? null,
                last_error_code: outcome.error?.code ?? null,
                last_error_at: finished,
              }),
          // An edit while it ran already set the next run from the new definition: keep that one.
          next_run_at: sql<string | null>`case when next_run_at = ${fire} then ${next} else next_run_at end`,
        })
        .where('name', '=', name)
        .execute()
      await db
        .updateTable('schedule_runs')
        .set({ finished_at: finished, status: outcome.status, row_count: outcome.rowCount ?? null, error })
        .where('schedule', '=', name)
        .where('fire_at', '=', fire)
        .execute()
    })
  }

  async runs(name: string, limit: number): Promise<ScheduleRun[]> {
    return this.#context.run('schedules.runs', 'read', async () => {
      const rows = await this.#context.db
        .selectFrom('schedule_runs')
        .selectAll()
        .where('schedule', '=', name)
        .orderBy('fire_at', 'desc')
        .limit(limit)
        .execute()
      return rows.map(decodeRun)
    })
  }

  async pruneRuns(name: string, keep: number): Promise<number> {
    return this.#context.run('schedules.pruneRuns', 'write', async () => {
      const db = this.#context.db
      // One statement: below the newest `keep`, every finished run goes (an unfinished one is a
      // claim someone may still hold). No `keep`-th run: the comparison with NULL deletes nothing.
      const result = await db
        .deleteFrom('schedule_runs')
        .where('schedule', '=', name)
        .where('finished_at', 'is not', null)
        .where('fire_at', '<', (eb) =>
          eb
            .selectFrom('schedule_runs as kept')
            .select('kept.fire_at')
            .where('kept.schedule', '=', name)
            .orderBy('kept.fire_at', 'desc')
            .limit(1)
            .offset(keep - 1),
        )
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    })
  }
}

/**
 * The key of one tick, as claimMany answers it.
 *
 * @example tickKey('hourly', new Date(0)) // 'hourly@1970-01-01T00:00:00.000Z'
 */
export function tickKey(name: string, fireAt: Date): string {
  return `${name}@${fireAt.toISOString()}`
}

function statusOf(value: string | null): 'ok' | 'failed' | null {
  return value === 'ok' || value === 'failed' ? value : null
}

function decode(row: Selectable<SchedulesTable>): StoredSchedule {
  return Object.freeze({
    name: row.name,
    query: row.query,
    params: fromJsonText(row.params) as Readonly<Record<string, string>>,
    cron: row.cron,
    timeZone: row.time_zone,
    enabled: Number(row.enabled) === 1,
    snapshot: Number(row.snapshot) === 1,
    nextRunAt: fromDbTimeOrNull(row.next_run_at),
    lastRunAt: fromDbTimeOrNull(row.last_run_at),
    lastStatus: statusOf(row.last_status),
    lastRowCount: row.last_row_count === null ? null : Number(row.last_row_count),
    lastError: row.last_error,
    lastErrorCode: row.last_error_code,
    lastErrorAt: fromDbTimeOrNull(row.last_error_at),
    failures: Number(row.failures),
    createdAt: fromDbTime(row.created_at),
    updatedAt: fromDbTime(row.updated_at),
  })
}

function decodeRun(row: Selectable<ScheduleRunsTable>): ScheduleRun {
  return Object.freeze({
    schedule: row.schedule,
    fireAt: fromDbTime(row.fire_at),
    holder: row.holder,
    startedAt: fromDbTime(row.started_at),
    finishedAt: fromDbTimeOrNull(row.finished_at),
    status: statusOf(row.status),
    rowCount: row.row_count === null ? null : Number(row.row_count),
    error: row.error,
  })
}

/**
 * The definition of a stored schedule, as ScheduleSchema reads it: not what its runs left (next run,
 * last error). Also what the audit log records of a schedule.
 */
export function scheduleDefinition(stored: StoredSchedule): Schedule {
  const { name, query, params, cron, timeZone, enabled, snapshot } = stored
  return { name, query, params: { ...params }, cron, timeZone, enabled, snapshot }
}

function definitionRecorded(row: Selectable<SchedulesTable>): Schedule {
  return scheduleDefinition(decode(row))
}
