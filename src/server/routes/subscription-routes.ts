import {
  joinSubscriptionSecrets,
  maskSubscription,
  splitSubscriptionSecrets,
  SubscriptionSchema,
} from '../../domain/subscription.js'
import type { StoredSubscription } from '../../store/index.js'
import { json, NO_CONTENT, SubscriptionListReply, SubscriptionReply } from '../replies.js'
import { param, parseBody, type RouteDef } from '../route.js'

/** A stored subscription as the API shows it: its SMTP login masked, how its last mailing went. */
function entryOf(stored: StoredSubscription) {
  return {
    ...maskSubscription(joinSubscriptionSecrets(stored.config, stored.secrets)),
    lastSentAt: stored.lastSentAt?.toISOString() ?? null,
    lastError: stored.lastError,
  }
}

/**
 * Subscriptions (issue 16): a schedule's runs mailed to addresses. Admins define them (they hold an
 * SMTP login); editors may read them, the login masked.
 */
export const subscriptionRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/subscriptions',
    operationId: 'listSubscriptions',
    reply: json(SubscriptionListReply),
    access: 'editor',
    tag: 'subscriptions',
    summary: 'The subscriptions, their SMTP logins masked, with when each last mailed and why it failed.',
    handler: async (_request, _reply, ctx) => (await ctx.store.subscriptions.list()).map(entryOf),
  },
  {
    method: 'POST',
    url: '/api/subscriptions',
    operationId: 'createSubscription',
    reply: json(SubscriptionReply, 201),
    access: 'admin',
    tag: 'subscriptions',
    summary: "Subscribes addresses to a schedule's runs: each successful run is mailed to each of them.",
    body: SubscriptionSchema,
    handler: async (request, reply, ctx) => {
      const subscription = parseBody(SubscriptionSchema, request.body)
      const stored = await ctx.store.subscriptions.create({
        name: subscription.name,
        schedule: subscription.schedule,
        ...splitSubscriptionSecrets(subscription),
      })
      reply.status(201)
      return entryOf(stored)
    },
  },
  {
    method: 'DELETE',
    url: '/api/subscriptions/:name',
    operationId: 'deleteSubscription',
    reply: NO_CONTENT,
    access: 'admin',
    tag: 'subscriptions',
    summary: 'Removes a subscription: no more mails to any of its addresses.',
    handler: async (request, reply, ctx) => {
      await ctx.store.subscriptions.remove(param(request, 'name'))
      reply.status(204)
      return null
    },
  },
]
