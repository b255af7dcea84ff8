import { ScheduleChangesSchema, ScheduleSchema } from '../../domain/schedule.js'
import { createSchedule, editSchedule, scheduleView } from '../../schedule/index.js'
import { scheduleNotFound, type ScheduleRun } from '../../store/index.js'
import type { ServerContext } from '../context.js'
import { param, parseBody, principalOf, type RouteDef } from '../route.js'
import {
  json,
  NO_CONTENT,
  ScheduleDetailReply,
  ScheduleListReply,
  ScheduleReply,
  ScheduleRunReply,
} from '../replies.js'
import { visibleQuery } from './query-routes.js'

/** The runs a schedule's detail lists. */
const RECENT_RUNS = 20

function runView(run: ScheduleRun) {
  return {
    fireAt: run.fireAt.toISOString(),
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    status: run.status,
    rowCount: run.rowCount,
    error: run.error,
  }
}

async function stored(ctx: ServerContext, name: string) {
  const schedule = await ctx.store.schedules.get(name)
  if (schedule === undefined) throw scheduleNotFound(name)
  return schedule
}

/**
 * Schedules (issue 16): queries refreshed on a cron schedule by the server, their views then served
 * from the refreshed result. Editors and admins define them, like the queries they refresh.
 */
export const scheduleRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/schedules',
    operationId: 'listSchedules',
    reply: json(ScheduleListReply),
    access: 'editor',
    tag: 'schedules',
    summary: 'Every schedule, with its next run, last run and last error.',
    handler: async (_request, _reply, ctx) => (await ctx.store.schedules.list()).map(scheduleView),
  },
  {
    method: 'GET',
    url: '/api/schedules/:name',
    operationId: 'getSchedule',
    reply: json(ScheduleDetailReply),
    access: 'editor',
    tag: 'schedules',
    summary: `One schedule and its latest ${RECENT_RUNS} runs, newest first.`,
    handler: async (request, _reply, ctx) => {
      const schedule = await stored(ctx, param(request, 'name'))
      const runs = await ctx.store.schedules.runs(schedule.name, RECENT_RUNS)
      return { ...scheduleView(schedule), runs: runs.map(runView) }
    },
  },
  {
    method: 'POST',
    url: '/api/schedules',
    operationId: 'createSchedule',
    reply: json(ScheduleReply, 201),
    access: 'editor',
    tag: 'schedules',
    summary: 'Creates a schedule: a query with parameter values, refreshed on a cron pattern in a time zone.',
    body: ScheduleSchema,
    handler: async (request, reply, ctx) => {
      const schedule = parseBody(ScheduleSchema, request.body)
      await visibleQuery(ctx, schedule.query, principalOf(request))
      const saved = await createSchedule(ctx.store, schedule, ctx.now())
      // Views of a scheduled query read its schedule's result: this process's views see that at once.
      ctx.views.forget(saved.query)
      reply.status(201)
      return scheduleView(saved)
    },
  },
  {
    method: 'PUT',
    url: '/api/schedules/:name',
    operationId: 'updateSchedule',
    reply: json(ScheduleReply),
    access: 'editor',
    tag: 'schedules',
    summary: 'Changes a schedule: the fields given replace the saved ones (a new pattern sets the next run).',
    body: ScheduleChangesSchema,
    handler: async (request, _reply, ctx) => {
      const changes = parseBody(ScheduleChangesSchema, request.body)
      if (changes.query !== undefined) await visibleQuery(ctx, changes.query, principalOf(request))
      const saved = await editSchedule(ctx.store, param(request, 'name'), changes, ctx.now())
      ctx.views.forget()
      return scheduleView(saved)
    },
  },
  {
    method: 'DELETE',
    url: '/api/schedules/:name',
    operationId: 'deleteSchedule',
    reply: NO_CONTENT,
    access: 'editor',
    tag: 'schedules',
    summary: 'Removes a schedule and its run history.',
    handler: async (request, reply, ctx) => {
      await ctx.store.schedules.remove(param(request, 'name'))
      ctx.views.forget()
      reply.status(204)
      return null
    },
  },
  {
    method: 'POST',
    url: '/api/schedules/:name/run',
    operationId: 'runSchedule',
    reply: json(ScheduleRunReply),
    rateLimit: 'api',
    access: 'editor',
    tag: 'schedules',
    summary: 'Runs a schedule now (its cron time stays) and answers how the run ended.',
    handler: async (request, _reply, ctx) => {
      const event = await ctx.scheduler.runNow(param(request, 'name'))
      return {
        fireAt: event.fireAt.toISOString(),
        startedAt: event.startedAt.toISOString(),
        finishedAt: event.finishedAt.toISOString(),
        status: event.error === undefined ? 'ok' : 'failed',
        rowCount: event.result?.rowCount ?? null,
        error: event.error === undefined ? null : `${event.error.message} (${event.error.code})`,
      }
    },
  },
]
