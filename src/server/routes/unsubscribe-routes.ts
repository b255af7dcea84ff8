import type { FastifyReply, FastifyRequest } from 'fastify'
import { QuarryError } from '../../domain/errors.js'
import { escapeHtml } from '../../render/html-format.js'
import type { Store } from '../../store/index.js'
import { UNSUBSCRIBE_KEY } from '../../store/subscription-repo.js'
import { readUnsubscribe, verifyUnsubscribe } from '../../subscribe/unsubscribe-token.js'
import { answerFailure } from '../error-handler.js'
import { text } from '../replies.js'
import type { RouteDef } from '../route.js'

/**
 * The unsubscribe link of subscription mails (issue 16): public, since the recipient has no account;
 * the signed token is the permission, good for its one address. GET is the link a person clicks; POST
 * is RFC 8058's one-click unsubscribe, which mail programs send with `List-Unsubscribe=One-Click`.
 * Either removes the address and answers a plain page; running it again changes nothing.
 */

function badToken(): QuarryError {
  return new QuarryError(
    'QUARRY_UNSUBSCRIBE_TOKEN',
    'This unsubscribe link is not valid: it was altered or cut short, or its subscription was removed. Use the link of a recent mail, or ask the sender to remove you.',
  )
}

/** Removes the token's address from its subscription; answers the address. */
export async function unsubscribe(
  store: Store,
  token: unknown,
): Promise<{ address: string; subscription: string }> {
  const claim = typeof token === 'string' ? readUnsubscribe(token) : undefined
  if (claim === undefined || typeof token !== 'string') throw badToken()
  const stored = await store.subscriptions.get(claim.subscription)
  const key = stored?.secrets[UNSUBSCRIBE_KEY]
  if (stored === undefined || key === undefined || !verifyUnsubscribe(key, token)) throw badToken()
  await store.subscriptions.updateConfig(stored.name, (config) => {
    const open = config as { to?: string[] }
    return { ...open, to: (open.to ?? []).filter((address) => address !== claim.address) }
  })
  return claim
}

function page(title: string, message: string, code?: string): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title></head>`,
    `<body style="font:16px/1.5 system-ui,sans-serif;margin:2rem"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${code === undefined ? '' : `<p><code>${escapeHtml(code)}</code></p>`}</body></html>`,
  ].join('\n')
}

async function handle(request: FastifyRequest, reply: FastifyReply, store: Store): Promise<unknown> {
  const { token } = request.query as Record<string, unknown>
  const { address, subscription } = await unsubscribe(store, token)
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(page('Unsubscribed', `${address} will get no more mails of the subscription "${subscription}".`))
}

async function errorPage(error: unknown, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { error: failure, message } = answerFailure(error, request, reply)
  return reply.type('text/html; charset=utf-8').send(page('Not unsubscribed', message, failure.code))
}

const common = {
  url: '/unsubscribe',
  access: 'public',
  tag: 'subscriptions',
  reply: text('text/html', 'A plain page saying the address was removed.'),
  errorPage,
} as const

export const unsubscribeRoutes: RouteDef[] = [
  {
    ...common,
    method: 'GET',
    operationId: 'unsubscribe',
    summary:
      "A subscription mail's unsubscribe link: removes the signed token's address from its subscription.",
    handler: (request, reply, ctx) => handle(request, reply, ctx.store),
  },
  {
    ...common,
    method: 'POST',
    operationId: 'unsubscribeOneClick',
    summary: 'One-click unsubscribe (RFC 8058): what mail programs POST to the List-Unsubscribe link.',
    handler: (request, reply, ctx) => handle(request, reply, ctx.store),
  },
]
