import { z } from 'zod'
import { isPerUser, type Datasource } from '../../domain/datasource.js'
import { QuarryError } from '../../domain/errors.js'
import { safeReturnPath } from '../../domain/return-path.js'
import { loadRestDatasource } from '../../engine/index.js'
import { MY_CONNECTIONS_PAGE, type ServerContext } from '../context.js'
import type { ConnectionState } from '../../store/index.js'
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

function stateView(connection: ConnectionState) {
  return {
    status: connection.status,
    expiresAt: connection.accessExpiresAt?.toISOString() ?? null,
    lastRefreshAt: connection.lastRefreshAt?.toISOString() ?? null,
    lastUsedAt: connection.lastUsedAt?.toISOString() ?? null,
    statusMessage: connection.statusMessage,
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

/** Forgets one person's connection (audited by the store), or says there was none. */
async function revoke(ctx: ServerContext, datasource: string, user: string): Promise<void> {
  if (!(await ctx.store.connections.removeConnection(datasource, user))) {
    throw new QuarryError(
      'QUARRY_NOT_FOUND',
      `${user} has no connection to datasource "${datasource}"; nothing was revoked.`,
    )
  }
  // Rendered views of this person's rows must not outlive the grant they were fetched with.
  ctx.views.forget()
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
      const list = await ctx.store.connections.listConnections(datasource.name)
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
      await revoke(ctx, datasource.name, user)
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
          const own = (await ctx.store.connections.listConnections(name)).find((c) => c.user === user)
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
      await revoke(ctx, datasource.name, user)
      reply.status(204)
      return null
    },
  },
]
