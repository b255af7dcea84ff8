import { z } from 'zod'
import { checkCallback, startConsent } from '../../auth/oauth/consent.js'
import { storeGivenTokens } from '../../auth/oauth/given-tokens.js'
import { saveConsent } from '../../auth/oauth/save-consent.js'
import { authorizationCodeGrant, tokenEndpoint } from '../../auth/oauth/token-client.js'
import { jiraCloudDatasource, jiraCloudQueries } from '../../auth/presets/jira-cloud.js'
import {
  DatasourceSchema,
  joinSecrets,
  redactDatasource,
  splitSecrets,
  type Datasource,
  type SqlDatasource,
} from '../../domain/datasource.js'
import { QuarryError } from '../../domain/errors.js'
import { QuerySchema } from '../../domain/query.js'
import { checkDatasource, loadDatasource, loadRestDatasource } from '../../engine.js'
import { redactDatabaseUrl, type StoredConnection } from '../../store/index.js'
import { CALLBACK_PATH, type ServerContext } from '../context.js'
import { param, parseBody, principalOf, type RouteDef } from '../route.js'
import {
  ConnectionReply,
  ConsentStartReply,
  DatasourceCheckReply,
  DatasourceListReply,
  DatasourceReply,
  json,
  NO_CONTENT,
  redirect,
} from '../replies.js'

const MASK = '••••••'

/** Where a database server is: its URL without the password, or one made of host, port, database and user. */
function serverAddress(config: Exclude<SqlDatasource, { type: 'sqlite' }>): string {
  if (config.url !== undefined) return redactDatabaseUrl(config.url)
  if (config.host === undefined) return ''
  const user = config.user === undefined ? '' : `${encodeURIComponent(config.user)}@`
  const port = config.port === undefined ? '' : `:${config.port}`
  const database = config.database === undefined ? '' : `/${encodeURIComponent(config.database)}`
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  return `${config.type}://${user}${host}${port}${database}`
}
const CONSENT_TTL_MS = 10 * 60_000

const JiraPresetBody = z.object({
  name: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  apiVersion: z.union([z.literal(2), z.literal(3)]).default(3),
})
const ConnectBody = z.object({ site: z.string().min(1).optional() })
/** Tokens obtained elsewhere, as the PocketQuery guide pastes them into its datasource (issue 13). */
const TokensBody = z.object({
  refreshToken: z.string().trim().min(1),
  accessToken: z.string().trim().min(1).optional(),
})

function connectionView(connection: StoredConnection | undefined) {
  if (connection === undefined) return null
  return {
    status: connection.status,
    expiresAt: connection.accessExpiresAt?.toISOString() ?? null,
    lastRefreshAt: connection.lastRefreshAt?.toISOString() ?? null,
    site: connection.site ?? null,
    statusMessage: connection.statusMessage,
  }
}

/** A datasource from a request body: secrets sent back masked keep their stored values. */
function fromBody(body: unknown, name: string | undefined, stored: Datasource | undefined): Datasource {
  const input = parseBody(DatasourceSchema, body)
  const datasource = name === undefined ? input : { ...input, name: input.name || name }
  if (stored === undefined) return datasource
  const { config, secrets } = splitSecrets(datasource)
  const old = splitSecrets(stored).secrets
  const kept = Object.fromEntries(
    Object.entries(secrets).map(([key, value]) => [key, value === MASK ? (old[key] ?? '') : value]),
  )
  return joinSecrets(config, kept)
}

async function create(ctx: ServerContext, datasource: Datasource): Promise<void> {
  const { config, secrets } = splitSecrets(datasource)
  await ctx.store.datasources.create({ name: datasource.name, type: datasource.type, config, secrets })
}

/** Datasources and their connections: admins only (they hold secrets). */
export const datasourceRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/datasources',
    operationId: 'listDatasources',
    reply: json(DatasourceListReply),
    // Editors pick a datasource for their queries; the list holds no secrets.
    access: 'editor',
    tag: 'datasources',
    summary: 'All datasources with their connection state (no secrets).',
    handler: async (_request, _reply, ctx) => {
      const connections = new Map((await ctx.store.connections.list()).map((c) => [c.datasource, c]))
      const list = await ctx.store.datasources.list()
      return list.map((stored) => {
        const config = stored.config as Datasource
        if (config.type !== 'rest') {
          // A database: where it is, never its password.
          const where = config.type === 'sqlite' ? config.path : serverAddress(config)
          return {
            name: stored.name,
            type: stored.type,
            baseUrl: where,
            authType: 'none',
            preset: null,
            connection: null,
          }
        }
        return {
          name: stored.name,
          type: stored.type,
          baseUrl: config.baseUrl,
          authType: config.auth.type,
          preset: config.preset ? { name: config.preset.name, site: config.preset.site ?? null } : null,
          connection: connectionView(connections.get(stored.name)),
        }
      })
    },
  },
  {
    method: 'GET',
    url: '/api/datasources/:name',
    operationId: 'getDatasource',
    reply: json(DatasourceReply),
    access: 'admin',
    tag: 'datasources',
    summary: 'One datasource, secrets masked.',
    handler: async (request, _reply, ctx) =>
      redactDatasource(await loadDatasource(ctx.store, param(request, 'name'))),
  },
  {
    method: 'POST',
    url: '/api/datasources',
    operationId: 'createDatasource',
    reply: json(DatasourceReply, 201),
    access: 'admin',
    tag: 'datasources',
    summary: 'Creates a datasource.',
    body: DatasourceSchema,
    handler: async (request, reply, ctx) => {
      const datasource = fromBody(request.body, undefined, undefined)
      await create(ctx, datasource)
      reply.status(201)
      return redactDatasource(datasource)
    },
  },
  {
    method: 'POST',
    url: '/api/datasources/presets/jira-cloud',
    operationId: 'createJiraCloudDatasource',
    reply: json(DatasourceReply, 201),
    access: 'admin',
    tag: 'datasources',
    summary: 'Creates a Jira Cloud (3LO) datasource and its ready-made queries; Connect comes next.',
    body: JiraPresetBody,
    handler: async (request, reply, ctx) => {
      const body = parseBody(JiraPresetBody, request.body)
      const datasource = jiraCloudDatasource({
        ...body,
        ...ctx.options.atlassian,
        redirectUri: `${ctx.options.publicUrl}${CALLBACK_PATH}`,
      })
      const queries = jiraCloudQueries(datasource.name).map((query) => QuerySchema.parse(query))
      for (const query of queries) {
        if (await ctx.store.queries.get(query.name))
          throw new QuarryError('QUARRY_QUERY_EXISTS', `A query named "${query.name}" exists already.`)
      }
      await create(ctx, datasource)
      for (const { name, datasource: ds, ...definition } of queries)
        await ctx.store.queries.create({ name, datasource: ds, definition })
      reply.status(201)
      return redactDatasource(datasource)
    },
  },
  {
    method: 'PUT',
    url: '/api/datasources/:name',
    operationId: 'replaceDatasource',
    reply: json(DatasourceReply),
    access: 'admin',
    tag: 'datasources',
    summary: 'Replaces a datasource (a masked secret keeps its stored value; a new name renames it).',
    body: DatasourceSchema,
    handler: async (request, _reply, ctx) => {
      const name = param(request, 'name')
      const stored = await loadDatasource(ctx.store, name)
      const datasource = fromBody(request.body, name, stored)
      const { config, secrets } = splitSecrets(datasource)
      await ctx.store.datasources.update(name, { name: datasource.name, config, secrets })
      ctx.views.forget()
      return redactDatasource(datasource)
    },
  },
  {
    method: 'DELETE',
    url: '/api/datasources/:name',
    operationId: 'deleteDatasource',
    reply: NO_CONTENT,
    access: 'admin',
    tag: 'datasources',
    summary: 'Removes a datasource and its connection (refused while queries use it).',
    handler: async (request, reply, ctx) => {
      await ctx.store.datasources.remove(param(request, 'name'))
      reply.status(204)
      return null
    },
  },
  {
    method: 'POST',
    url: '/api/datasources/:name/test',
    operationId: 'testDatasource',
    reply: json(DatasourceCheckReply),
    rateLimit: 'api',
    access: 'admin',
    tag: 'datasources',
    summary: 'One request to the test path: whether the datasource works, and why not.',
    handler: async (request, _reply, ctx) =>
      checkDatasource(ctx.store, param(request, 'name'), { audience: 'ui' }),
  },
  {
    method: 'POST',
    url: '/api/datasources/:name/tokens',
    operationId: 'storeDatasourceTokens',
    reply: json(ConnectionReply),
    access: 'admin',
    tag: 'datasources',
    summary:
      'Stores an OAuth 2.0 (3LO) connection from a refresh (and access) token obtained elsewhere; the first use refreshes it.',
    body: TokensBody,
    handler: async (request, _reply, ctx) => {
      const body = parseBody(TokensBody, request.body)
      const datasource = await loadRestDatasource(ctx.store, param(request, 'name'), 'Tokens')
      if (datasource.auth.type !== 'oauth2-authorization-code') {
        throw new QuarryError(
          'QUARRY_CONFIG_INVALID',
          `Datasource "${datasource.name}" uses ${datasource.auth.type}; tokens are for oauth2-authorization-code.`,
        )
      }
      await storeGivenTokens(ctx.store, datasource.name, datasource.auth, body, ctx.now())
      return connectionView(await ctx.store.connections.get(datasource.name))
    },
  },
  {
    method: 'POST',
    url: '/api/datasources/:name/connect',
    operationId: 'connectDatasource',
    reply: json(ConsentStartReply),
    access: 'admin',
    tag: 'datasources',
    summary:
      "Starts OAuth 2.0 (3LO) consent through this server's callback; answers the URL to send the browser to.",
    body: ConnectBody,
    handler: async (request, _reply, ctx) => {
      const principal = principalOf(request)
      const body = parseBody(ConnectBody, request.body)
      const datasource = await loadRestDatasource(ctx.store, param(request, 'name'), 'Connect')
      if (datasource.auth.type !== 'oauth2-authorization-code') {
        throw new QuarryError(
          'QUARRY_CONFIG_INVALID',
          `Datasource "${datasource.name}" uses ${datasource.auth.type}; Connect is for oauth2-authorization-code.`,
        )
      }
      if (principal.session === undefined)
        throw new QuarryError('QUARRY_FORBIDDEN', 'Connect from a signed-in browser: consent needs a person.')

      const redirectUri = `${ctx.options.publicUrl}${CALLBACK_PATH}`
      const attempt = await startConsent({ ...datasource.auth, redirectUri })
      const now = ctx.now()
      await ctx.store.sessions.saveConsent(
        attempt.state,
        {
          sessionHash: principal.session.idHash,
          datasource: datasource.name,
          details: {
            redirectUri,
            ...(attempt.codeVerifier ? { codeVerifier: attempt.codeVerifier } : {}),
            ...(body.site ? { site: body.site } : {}),
          },
        },
        new Date(now.getTime() + CONSENT_TTL_MS),
      )
      return { authorizeUrl: attempt.url, redirectUri }
    },
  },
  {
    method: 'GET',
    url: CALLBACK_PATH,
    operationId: 'finishConsent',
    reply: redirect('Back to the datasource in the admin UI, with `connected=1` or an `error` message.'),
    access: 'admin',
    tag: 'datasources',
    summary:
      'Where the OAuth provider sends the browser back; stores the connection and returns to the admin UI.',
    handler: async (request, reply, ctx) => {
      const callback = new URL(request.url, ctx.options.publicUrl)
      const state = callback.searchParams.get('state') ?? ''
      const consent = state ? await ctx.store.sessions.takeConsent(state, ctx.now()) : undefined
      const principal = principalOf(request)
      // The state must be one this server issued, unused, unexpired, and to this very browser session.
      if (consent === undefined || consent.sessionHash !== principal.session?.idHash) {
        const message =
          'This consent answer does not belong to a Connect started in this browser session (or it expired, or was used). Nothing was stored; press Connect again.'
        return reply.redirect(`/admin/datasources?error=${encodeURIComponent(message)}`)
      }
      const back = `/admin/datasources/${encodeURIComponent(consent.datasource)}`
      try {
        const datasource = await loadRestDatasource(ctx.store, consent.datasource, 'Connect')
        if (datasource.auth.type !== 'oauth2-authorization-code') throw new TypeError('not a 3LO datasource')
        checkCallback(callback, { url: '', state, codeVerifier: consent.details.codeVerifier })
        const { auth } = datasource
        const tokens = await authorizationCodeGrant(
          tokenEndpoint(auth),
          callback,
          consent.details.redirectUri ?? auth.redirectUri,
          consent.details.codeVerifier,
        )
        await saveConsent(ctx.store, datasource, tokens, consent.details.site)
        ctx.views.forget()
        return reply.redirect(`${back}?connected=1`)
      } catch (error) {
        if (!(error instanceof QuarryError)) throw error
        return reply.redirect(`${back}?error=${encodeURIComponent(error.messageFor('ui'))}`)
      }
    },
  },
]
