import { AlertSchema, keepSecrets, maskAlert, splitAlertSecrets } from '../../domain/alert.js'
import { describeIssues } from '../../domain/field-issues.js'
import { alertOf, runAndCheckAlert, testAlert, type CheckOptions } from '../../notify/index.js'
import { alertNotFound, type StoredAlert } from '../../store/index.js'
import type { ServerContext } from '../context.js'
import { AlertCheckReply, AlertListReply, AlertReply, AlertTestReply, json, NO_CONTENT } from '../replies.js'
import { param, parseBody, type RouteDef } from '../route.js'
import { engineDeps } from './query-routes.js'

/**
 * Alerts (issue 16): conditions on a query's result that notify a webhook, Slack or email when they
 * change. Editors see them (secrets masked); only admins define, check and test them, because an alert
 * makes this server send requests and mail to addresses of its definer's choosing, with secrets.
 */

/** How many of an alert's latest events GET answers. */
const EVENTS_SHOWN = 20

/** A test answers once every channel was tried once: it asks whether the channel works, now. */
const TEST_DELIVERY: CheckOptions = { retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } }

function entryOf(stored: StoredAlert) {
  return {
    ...maskAlert(alertOf(stored)),
    state: stored.state,
    lastError: stored.lastError,
    lastCheckedAt: stored.lastCheckedAt?.toISOString() ?? null,
    lastChangedAt: stored.lastChangedAt?.toISOString() ?? null,
  }
}

async function storedAlert(ctx: ServerContext, name: string): Promise<StoredAlert> {
  const stored = await ctx.store.alerts.get(name)
  if (stored === undefined) throw alertNotFound(name)
  return stored
}

/** How the server checks alerts: links to its public address, its clock. */
export function checkOptions(ctx: ServerContext): CheckOptions {
  return { baseUrl: ctx.options.publicUrl, now: () => ctx.now().getTime() }
}

export const alertRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/alerts',
    operationId: 'listAlerts',
    reply: json(AlertListReply),
    access: 'editor',
    tag: 'alerts',
    summary: 'The alerts, their secrets masked, with the state their last check found.',
    handler: async (_request, _reply, ctx) => (await ctx.store.alerts.list()).map(entryOf),
  },
  {
    method: 'GET',
    url: '/api/alerts/:name',
    operationId: 'getAlert',
    reply: json(AlertReply),
    access: 'editor',
    tag: 'alerts',
    summary: 'One alert, its secrets masked, with its latest changes, tests and their deliveries.',
    handler: async (request, _reply, ctx) => {
      const stored = await storedAlert(ctx, param(request, 'name'))
      const events = await ctx.store.alerts.events(stored.name, EVENTS_SHOWN)
      return {
        ...entryOf(stored),
        events: events.map(({ id: _id, alert: _alert, ...event }) => ({
          ...event,
          at: event.at.toISOString(),
        })),
      }
    },
  },
  {
    method: 'POST',
    url: '/api/alerts',
    operationId: 'createAlert',
    reply: json(AlertReply, 201),
    access: 'admin',
    tag: 'alerts',
    summary:
      'Creates an alert; it starts ok and is checked when its query runs on a schedule, or by POST …/check.',
    body: AlertSchema,
    handler: async (request, reply, ctx) => {
      const alert = parseBody(AlertSchema, request.body)
      const stored = await ctx.store.alerts.create({
        name: alert.name,
        query: alert.query,
        ...splitAlertSecrets(alert),
      })
      reply.status(201)
      return { ...entryOf(stored), events: [] }
    },
  },
  {
    method: 'PUT',
    url: '/api/alerts/:name',
    operationId: 'replaceAlert',
    reply: json(AlertReply),
    access: 'admin',
    tag: 'alerts',
    summary:
      'Replaces an alert (a new name renames it). A secret sent back masked (••••••) keeps the stored value of the same channel.',
    body: AlertSchema,
    handler: async (request, _reply, ctx) => {
      const stored = await storedAlert(ctx, param(request, 'name'))
      const body = keepSecrets(request.body ?? {}, alertOf(stored))
      const parsed = AlertSchema.safeParse(body)
      if (!parsed.success) throw describeIssues(parsed.error, undefined, request.body)
      const alert = parsed.data
      const saved = await ctx.store.alerts.update(stored.name, {
        name: alert.name,
        query: alert.query,
        ...splitAlertSecrets(alert),
      })
      const events = await ctx.store.alerts.events(saved.name, EVENTS_SHOWN)
      return {
        ...entryOf(saved),
        events: events.map(({ id: _id, alert: _alert, ...event }) => ({
          ...event,
          at: event.at.toISOString(),
        })),
      }
    },
  },
  {
    method: 'DELETE',
    url: '/api/alerts/:name',
    operationId: 'deleteAlert',
    reply: NO_CONTENT,
    access: 'admin',
    tag: 'alerts',
    summary: 'Removes an alert and its history.',
    handler: async (request, reply, ctx) => {
      await ctx.store.alerts.remove(param(request, 'name'))
      reply.status(204)
      return null
    },
  },
  {
    method: 'POST',
    url: '/api/alerts/:name/check',
    operationId: 'checkAlert',
    reply: json(AlertCheckReply),
    access: 'admin',
    tag: 'alerts',
    rateLimit: 'api',
    summary:
      'Runs the query now and evaluates the condition; a change of state notifies the channels in the background (GET the alert for how the deliveries went).',
    handler: async (request, _reply, ctx) => {
      const check = await runAndCheckAlert(engineDeps(ctx), param(request, 'name'), checkOptions(ctx))
      return { state: check.state, previous: check.previous, changed: check.changed, summary: check.summary }
    },
  },
  {
    method: 'POST',
    url: '/api/alerts/:name/test',
    operationId: 'testAlert',
    reply: json(AlertTestReply),
    access: 'admin',
    tag: 'alerts',
    rateLimit: 'api',
    summary:
      'Sends a test notification to every channel, once each, and answers how each went (a failed channel is a report, not an error).',
    handler: async (request, _reply, ctx) => {
      const stored = await storedAlert(ctx, param(request, 'name'))
      return { deliveries: await testAlert(ctx.store, stored, { ...checkOptions(ctx), ...TEST_DELIVERY }) }
    },
  },
]
