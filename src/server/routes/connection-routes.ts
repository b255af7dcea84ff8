import { z } from 'zod'
import type { Datasource } from '../../domain/datasource.js'
import { QuarryError } from '../../domain/errors.js'
import { safeReturnPath } from '../../domain/return-path.js'
import { loadRestDatasource } from '../../engine/index.js'
import type { ServerContext } from '../context.js'
import { MY_CONNECTIONS_PAGE } from '../context.js'
import { beginConsent } from '../consent-start.js'
import { param, parseBody, principalOf, type RouteDef } from '../route.js'
import {
  ConsentStartReply,
  MyConnectionListReply,
  NO_CONTENT,
  UserConnectionListReply,
  json,
} from '../replies.js'

/** Where the browser comes back to after consent: a page of this server (a view, My connections). */
const ConnectBody = z.object({ returnTo: z.string().optional() })

/** One person's connection as the store lists it (issue 15). */
interface UserConnection {
  readonly user: string
  readonly status: 'connected' | 'needs_consent'
  readonly accessExpiresAt: Date | null
  readonly lastRefreshAt: Date | null
  readonly lastUsedAt: Date | null
  readonly statusMessage?: string | null
}

// The per-user store layer (peruser branch) provides these; typed here until it is merged.
interface PerUserConnections {
  listConnections(datasource: string): Promise<readonly UserConnection[]>
  removeConnection(datasource: string, user: string): Promise<void>
}
const perUserStore = (ctx: ServerContext) => ctx.store.connections as unknown as PerUserConnections

/** Whether each person connects their own account to this datasource (connection mode `per-user`). */
export function isPerUser(datasource: Datasource): boolean {
  return (
    datasource.type === 'rest' &&
    datasource.auth.type === 'oauth2-authorization-code' &&
    (datasource as { connectionMode?: string }).connectionMode === 'per-user'
  )
}

function stateView(connection: UserConnection) {
  return {
    status: connection.status,
    expiresAt: connection.accessExpiresAt?.toISOString() ?? null,
    lastRefreshAt: connection.lastRefreshAt?.toISOString() ?? null,
    lastUsedAt: connection.lastUsedAt?.toISOString() ?? null,
    statusMessage: connection.statusMessage ?? null,
  }
}

/** The datasource named, which must be per-user: a shared one has a single connection (GET /api/datasources). */
async function perUserDatasource(ctx: ServerContext, name: string) {
  const datasource = await loadRestDatasource(ctx.store, name, 'Connections')
  if (!isPerUser(datasource)) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `Datasource "${name}" is shared: it has one connection, made by an admin. People connect their own accounts only to a per-user datasource (connection mode per-user).`,
    )
  }
  return datasource
}

/** The person's connection to the datasource, or a not-found naming both. */
async function connectionOf(ctx: ServerContext, datasource: string, user: string): Promise<UserConnection> {
  const found = (await perUserStore(ctx).listConnections(datasource)).find((c) => c.user === user)
  if (found === undefined) {
    throw new QuarryError(
      'QUARRY_NOT_FOUND',
      `${user} has no connection to datasource "${datasource}"; nothing was revoked.`,
    )
  }
  return found
}

/**
 * Per-user connections (issue 15): on a per-user OAuth 2.0 (3LO) datasource each signed-in person
 * connects their own account. Admins see and revoke anyone's; each person sees, starts and revokes
 * their own (`/api/me/…`). Never a token in any answer.
 */
export const connectionRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/datasources/:name/connections',
    operationId: 'listUserConnections',
    reply: json(UserConnectionListReply),
    access: 'admin',
    tag: 'connections',
    summary: "Each person's connection to a per-user datasource: connected (expires …) or needs consent.",
    handler: async (request, _reply, ctx) => {
      const datasource = await perUserDatasource(ctx, param(request, 'name'))
      const list = await perUserStore(ctx).listConnections(datasource.name)
      return list.map((connection) => ({ user: connection.user, ...stateView(connection) }))
    },
  },
  {
    method: 'DELETE',
    url: '/api/datasources/:name/connections/:user',
    operationId: 'revokeUserConnection',
    reply: NO_CONTENT,
    access: 'admin',
    tag: 'connections',
    summary: "Revokes a person's connection to a per-user datasource: their views ask them to connect again.",
    handler: async (request, reply, ctx) => {
      const datasource = await perUserDatasource(ctx, param(request, 'name'))
      const user = param(request, 'user')
      await connectionOf(ctx, datasource.name, user)
      await perUserStore(ctx).removeConnection(datasource.name, user)
      ctx.views.forget()
      reply.status(204)
      return null
    },
  },
  {
    method: 'GET',
    url: '/api/me/connections',
    operationId: 'listMyConnections',
    reply: json(MyConnectionListReply),
    access: 'signed-in',
    tag: 'connections',
    summary: 'Every per-user datasource and your own connection to it (null: not connected yet).',
    handler: async (request, _reply, ctx) => {
      const user = principalOf(request).user.name
      const perUser = (await ctx.store.datasources.list()).filter((stored) =>
        isPerUser(stored.config as Datasource),
      )
      return Promise.all(
        perUser.map(async ({ name }) => {
          const own = (await perUserStore(ctx).listConnections(name)).find((c) => c.user === user)
          return { datasource: name, connection: own === undefined ? null : stateView(own) }
        }),
      )
    },
  },
  {
    method: 'POST',
    url: '/api/me/connections/:datasource/connect',
    operationId: 'connectMyAccount',
    reply: json(ConsentStartReply),
    access: 'signed-in',
    tag: 'connections',
    summary:
      "Starts consent for your own connection to a per-user datasource through this server's callback; answers the URL to send the browser to.",
    body: ConnectBody,
    handler: async (request, _reply, ctx) => {
      const body = parseBody(ConnectBody, request.body)
      const principal = principalOf(request)
      const datasource = await perUserDatasource(ctx, param(request, 'datasource'))
      return beginConsent(ctx, principal, datasource.name, {
        user: principal.user.name,
        returnTo: safeReturnPath(body.returnTo) ?? `${MY_CONNECTIONS_PAGE}?connected=1`,
      })
    },
  },
  {
    method: 'DELETE',
    url: '/api/me/connections/:datasource',
    operationId: 'revokeMyConnection',
    reply: NO_CONTENT,
    access: 'signed-in',
    tag: 'connections',
    summary: 'Revokes your own connection to a per-user datasource.',
    handler: async (request, reply, ctx) => {
      const user = principalOf(request).user.name
      const datasource = await perUserDatasource(ctx, param(request, 'datasource'))
      await connectionOf(ctx, datasource.name, user)
      await perUserStore(ctx).removeConnection(datasource.name, user)
      ctx.views.forget()
      reply.status(204)
      return null
    },
  },
]
