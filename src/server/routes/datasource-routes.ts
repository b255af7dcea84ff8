import { z } from 'zod'
import { withDiscovery } from '../../auth/oauth/discovery.js'
import { finishConsent } from '../../auth/oauth/finish-consent.js'
import { storeGivenTokens } from '../../auth/oauth/given-tokens.js'
import { createFromPreset } from '../../auth/presets/create-from-preset.js'
import { allPresets, checkPreset, presetNamed, type Preset } from '../../auth/presets/index.js'
import { describeAddress } from '../../domain/database-url.js'
import { safeReturnPath } from '../../domain/return-path.js'
import {
  ConnectionModeSchema,
  DatasourceSchema,
  isPerUser,
  redactDatasource,
  type Datasource,
} from '../../domain/datasource.js'
import { QuarryError } from '../../domain/errors.js'
import { checkDatasource, loadDatasource, loadRestDatasource } from '../../engine/index.js'
import { saveDatasource, type StoredConnection } from '../../store/index.js'
import type { Principal } from '../auth/access.js'
import { signedInViewer } from '../auth/viewer.js'
import { beginConsent } from '../consent-start.js'
import { CALLBACK_PATH, MY_CONNECTIONS_PAGE, type ServerContext } from '../context.js'
import { param, parseBody, principalOf, type RouteDef } from '../route.js'
import {
  ConnectionReply,
  ConsentStartReply,
  DatasourceCheckReply,
  DatasourceListReply,
  DatasourceReply,
  PresetListReply,
  json,
  NO_CONTENT,
  redirect,
} from '../replies.js'

/** An http(s) URL, as the CLI's `--auth-url` and `--api-url` take them. */
const HostUrl = z.url({ protocol: /^https?$/ }).optional()
/**
 * A preset's form (GET /api/presets says which fields each preset takes), and optionally where the
 * provider is, as `datasource add --preset` takes it with `--auth-url` and `--api-url`: a stand-in
 * (`quarry sim`, a test provider), a national cloud, a proxy. Absent, the preset's real hosts (or
 * the hosts this server was started with, for Atlassian's). Only admins create datasources, and
 * they may point a generic one anywhere already, so this opens nothing new.
 */
/** The preset's form fields by key (checked against its form in the handler), and these. */
const PresetBody = z.looseObject({
  name: z.string().min(1),
  authUrl: HostUrl,
  apiUrl: HostUrl,
  connectionMode: ConnectionModeSchema.optional(),
})
const ConnectBody = z.object({ site: z.string().min(1).optional() })
/** Tokens obtained elsewhere, as the PocketQuery guide pastes them into its datasource (issue 13). */
const TokensBody = z.object({
  refreshToken: z.string().trim().min(1),
  accessToken: z.string().trim().min(1).optional(),
})

/** A preset as the admin UI needs it: its form, and the queries it adds with `{name}` for the datasource's name. */
function presetView(preset: Preset) {
  const placeholder = '{name}'
  return {
    name: preset.name,
    ...preset.form,
    queries: preset.queries(placeholder).map((query) => query.name),
  }
}

/**
 * A body field that is none of the preset's (a typo, a field of another preset) is refused by name:
 * ignored, it would make a datasource other than the one asked for.
 */
function refuseUnknownFields(preset: Preset, given: Readonly<Record<string, unknown>>): void {
  const keys = preset.form.fields.map((field) => field.key)
  const unknown = Object.keys(given).filter((key) => !keys.includes(key))
  if (unknown.length === 0) return
  const known = [...keys, ...Object.keys(PresetBody.shape)].join(', ')
  throw new QuarryError(
    'QUARRY_CONFIG_INVALID',
    `The ${preset.name} preset has no field ${unknown.join(' or ')}; its fields are ${known}. Nothing was stored.`,
  )
}

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

/**
 * A datasource from a request body, its preset block checked by its preset. An OAuth issuer whose
 * metadata the body does not hold yet is discovered first (issue 14), so the endpoints may be left out.
 */
async function fromBody(body: unknown, stored?: Datasource): Promise<Datasource> {
  const given = body as { auth?: unknown } | undefined
  const previous = stored?.type === 'rest' ? stored.auth : undefined
  const discovered =
    given && typeof given === 'object' && 'auth' in given
      ? { ...given, auth: await withDiscovery(given.auth, previous) }
      : body
  const datasource = parseBody(DatasourceSchema, discovered)
  checkPreset(datasource)
  return datasource
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
          return {
            name: stored.name,
            type: stored.type,
            baseUrl: describeAddress(config),
            authType: 'none',
            preset: null,
            connection: null,
          }
        }
        return {
          name: stored.name,
          type: stored.type,
          baseUrl: describeAddress(config),
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
      const datasource = await saveDatasource(ctx.store, await fromBody(request.body))
      reply.status(201)
      return redactDatasource(datasource)
    },
  },
  {
    method: 'GET',
    url: '/api/presets',
    operationId: 'listPresets',
    reply: json(PresetListReply),
    access: 'admin',
    tag: 'datasources',
    summary: 'The presets: for each, the form the admin UI shows and the queries it adds.',
    handler: async () => allPresets().map(presetView),
  },
  {
    method: 'POST',
    url: '/api/presets/:preset/datasources',
    operationId: 'createDatasourceFromPreset',
    reply: json(DatasourceReply, 201),
    access: 'admin',
    tag: 'datasources',
    summary:
      "Creates a datasource from a preset (its form's fields) and its ready-made queries; Connect comes next.",
    body: PresetBody,
    handler: async (request, reply, ctx) => {
      const { name, authUrl, apiUrl, connectionMode, ...given } = parseBody(PresetBody, request.body)
      const preset = presetNamed(param(request, 'preset'))
      refuseUnknownFields(preset, given)
      // The provider's hosts this server was configured with (e.g. the demo's simulator); the body's win.
      const hosts = preset.provider === 'atlassian' ? ctx.options.atlassian : undefined
      const { datasource } = await createFromPreset(ctx.store, {
        preset: preset.name,
        name,
        given,
        place: {
          ...hosts,
          ...(authUrl === undefined ? {} : { authUrl }),
          ...(apiUrl === undefined ? {} : { apiUrl }),
          redirectUri: `${ctx.options.publicUrl}${CALLBACK_PATH}`,
        },
        connectionMode,
        fieldName: (key) => key,
      })
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
      const datasource = await saveDatasource(ctx.store, await fromBody(request.body, stored), {
        name,
        stored,
      })
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
    summary:
      "One request to the test path: whether the datasource works, and why not (a per-user datasource with the caller's own connection).",
    handler: async (request, _reply, ctx) =>
      checkDatasource(ctx.store, param(request, 'name'), {
        audience: 'ui',
        viewer: signedInViewer(principalOf(request)),
      }),
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
    // Admins connect a datasource's shared connection; on a per-user datasource everyone signed in
    // connects their own (issue 15): checked below, once the datasource is known.
    access: 'signed-in',
    tag: 'datasources',
    summary:
      "Starts OAuth 2.0 (3LO) consent through this server's callback (a per-user datasource: the caller's own connection); answers the URL to send the browser to.",
    body: ConnectBody,
    handler: async (request, _reply, ctx) => {
      const principal = principalOf(request)
      const perUser = await perUserConnect(ctx, principal, param(request, 'name'))
      const body = parseBody(ConnectBody, request.body)
      return beginConsent(ctx, principal, param(request, 'name'), {
        // The person whose own connection this consent makes: the callback must be theirs too.
        ...(perUser ? { user: principal.user.name } : {}),
        ...(body.site ? { site: body.site } : {}),
      })
    },
  },
  {
    method: 'GET',
    url: CALLBACK_PATH,
    operationId: 'finishConsent',
    reply: redirect(
      'Back to the page the Connect came from (the datasource in the admin UI, a view, My connections), or with an `error` message.',
    ),
    // An admin connects a datasource; on a per-user one (issue 15) every signed-in person their own.
    access: 'signed-in',
    tag: 'datasources',
    summary:
      'Where the OAuth provider sends the browser back; stores the connection and returns to the admin UI.',
    handler: async (request, reply, ctx) => {
      const callback = new URL(request.url, ctx.options.publicUrl)
      const state = callback.searchParams.get('state') ?? ''
      const consent = state ? await ctx.store.sessions.takeConsent(state, ctx.now()) : undefined
      const principal = principalOf(request)
      // The state must be one this server issued, unused, unexpired, and to this very browser session.
      if (
        consent === undefined ||
        consent.sessionHash !== principal.session?.idHash ||
        (consent.details.user ?? principal.user.name) !== principal.user.name ||
        (consent.details.user === undefined && principal.user.role !== 'admin')
      ) {
        const message =
          'This consent answer does not belong to a Connect started in this browser session (or it expired, or was used). Nothing was stored; press Connect again.'
        const page = principal.user.role === 'admin' ? '/admin/datasources' : MY_CONNECTIONS_PAGE
        return reply.redirect(`${page}?error=${encodeURIComponent(message)}`)
      }
      // A person's own connection (issue 15) goes back to the page it was started from (a view, their
      // connections page), and a failure to their connections page; an admin's to the datasource.
      const own = consent.details.user !== undefined
      const back = own ? MY_CONNECTIONS_PAGE : `/admin/datasources/${encodeURIComponent(consent.datasource)}`
      const returnTo = safeReturnPath(consent.details.returnTo)
      try {
        const datasource = await loadRestDatasource(ctx.store, consent.datasource, 'Connect')
        await finishConsent(ctx.store, datasource, {
          callback,
          attempt: { state, codeVerifier: consent.details.codeVerifier },
          redirectUri: consent.details.redirectUri,
          wantedSite: consent.details.site,
          user: consent.details.user,
        })
        ctx.views.forget()
        return reply.redirect(returnTo ?? `${back}?connected=1`)
      } catch (error) {
        if (!(error instanceof QuarryError)) throw error
        return reply.redirect(`${back}?error=${encodeURIComponent(error.messageFor('ui'))}`)
      }
    },
  },
]

/**
 * Whether a Connect is for the caller's own connection of a per-user datasource (issue 15); an admin
 * alone may connect a shared one.
 */
async function perUserConnect(ctx: ServerContext, principal: Principal, name: string): Promise<boolean> {
  const perUser = isPerUser(await loadDatasource(ctx.store, name))
  if (!perUser && principal.user.role !== 'admin') {
    throw new QuarryError(
      'QUARRY_FORBIDDEN',
      `Only an admin connects datasource "${name}": its connection is shared.`,
    )
  }
  return perUser
}
