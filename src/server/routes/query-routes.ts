import { z } from 'zod'
import { QuarryError, isQuarryError } from '../../domain/errors.js'
import { withDetectedParams } from '../../engine/detect-params.js'
import { QuerySchema, queryInputOf, queryRowOf, querySummary, type Query } from '../../domain/query.js'
import {
  checkOptionSources,
  loadQuery,
  loadSavedQuery,
  runQuery,
  sampleQuery,
  savedQueryParams,
  type EngineDeps,
  type LoadedQuery,
  type RunResult,
} from '../../engine/index.js'
import { columnsOf, type Row } from '../../render/index.js'
import { checkVisitorParams } from '../../domain/params.js'
import { canSeeQuery, isVisitor, type Principal } from '../auth/access.js'
import { signedInViewer, viewerOf } from '../auth/viewer.js'
import type { ServerContext } from '../context.js'
import { metricsOf } from '../metrics.js'
import { param, parseBody, principalOf, type RouteDef } from '../route.js'
import { json, NO_CONTENT, QueryListReply, QueryReply, RunResultReply, SampleReply } from '../replies.js'

export const RunBody = z.object({
  params: z.record(z.string(), z.string()).default({}),
  refresh: z.boolean().default(false),
})

/** Loads a query the caller may see; one they may not is "not found", so its name does not leak. */
export async function visibleQuery(
  ctx: ServerContext,
  name: string,
  principal: Principal | undefined,
): Promise<LoadedQuery> {
  // Missing and hidden answer alike, so nobody learns which names exist.
  const loaded = await loadQuery(ctx.store, name).catch((error: unknown) => {
    throw isQuarryError(error, 'QUARRY_QUERY_NOT_FOUND') ? hiddenQuery(name) : error
  })
  return shownQuery(loaded, principal)
}

/** `loaded` if `principal` may see it; else the same "not found" as a query that does not exist. */
export function shownQuery(loaded: LoadedQuery, principal: Principal | undefined): LoadedQuery {
  if (!canSeeQuery(principal, loaded.query)) throw hiddenQuery(loaded.query.name)
  return loaded
}

function hiddenQuery(name: string): QuarryError {
  return new QuarryError('QUARRY_QUERY_NOT_FOUND', `No query named "${name}" is shown to you.`)
}

/** What the engine needs of the server's context. */
export function engineDeps(ctx: ServerContext): EngineDeps {
  return {
    store: ctx.store,
    converters: ctx.converters,
    now: () => ctx.now().getTime(),
    meter: metricsOf(ctx),
  }
}

/**
 * Whether a query's runs read the cache whatever its TTL: a schedule keeps its result fresh, and
 * views (and API runs) of it are served from that result (issue 16) instead of asking the upstream.
 */
export async function isScheduled(ctx: ServerContext, query: string): Promise<boolean> {
  return (await ctx.store.schedules.listForQuery(query)).some((schedule) => schedule.enabled)
}

/** The run as the API answers it: rows parsed once here, for the JSON reply. */
export function runView(result: RunResult) {
  const rows = JSON.parse(result.rowsJson || '[]') as Row[]
  return {
    rows,
    columns: columnsOf(rows),
    rowCount: result.rowCount,
    pages: result.pages,
    notices: result.notices,
    fromCache: result.fromCache,
    fetchedAt: result.fetchedAt.toISOString(),
  }
}

/**
 * A query as saved: the `:name` parameters it uses but does not declare are added as strings, as
 * PocketQuery finds them (issue 13); the admin UI shows them after saving.
 */
async function withUsedParams(ctx: ServerContext, query: Query, saving?: string): Promise<Query> {
  const datasource = await ctx.store.datasources.get(query.datasource)
  await checkOptionSources(query, optionSources(ctx, saving))
  return withDetectedParams(query, datasource?.type)
}

/** The saved queries an options list may come from; the one being replaced is read as its new self. */
function optionSources(ctx: ServerContext, replacing: string | undefined) {
  const saved = savedQueryParams(ctx.store)
  return (name: string) => (name === replacing ? Promise.resolve(undefined) : saved(name))
}

/** Queries: editors and admins write them; everyone signed in runs the ones shown to them. */
export const queryRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/queries',
    operationId: 'listQueries',
    reply: json(QueryListReply),
    access: 'signed-in',
    tag: 'queries',
    summary: 'The queries shown to the caller: name, datasource, title, request, parameters, public.',
    handler: async (request, _reply, ctx) => {
      const principal = principalOf(request)
      const list = await ctx.store.queries.list()
      return list
        .map((stored) => QuerySchema.parse(queryInputOf(stored)))
        .filter((query) => canSeeQuery(principal, query))
        .map(querySummary)
    },
  },
  {
    method: 'GET',
    url: '/api/queries/:name',
    operationId: 'getQuery',
    reply: json(QueryReply),
    access: 'signed-in',
    tag: 'queries',
    summary: 'One query (as shown to the caller), as saved: a named converter or template by its name.',
    handler: async (request, _reply, ctx) => {
      const name = param(request, 'name')
      await visibleQuery(ctx, name, principalOf(request))
      return loadSavedQuery(ctx.store, name)
    },
  },
  {
    method: 'POST',
    url: '/api/queries',
    operationId: 'createQuery',
    reply: json(QueryReply, 201),
    access: 'editor',
    tag: 'queries',
    summary: 'Creates a query.',
    body: QuerySchema,
    handler: async (request, reply, ctx) => {
      const query = await withUsedParams(ctx, parseBody(QuerySchema, request.body))
      await ctx.store.queries.create(queryRowOf(query))
      reply.status(201)
      return query
    },
  },
  {
    method: 'PUT',
    url: '/api/queries/:name',
    operationId: 'replaceQuery',
    reply: json(QueryReply),
    access: 'editor',
    tag: 'queries',
    summary: 'Replaces a query (a new name renames it).',
    body: QuerySchema,
    handler: async (request, _reply, ctx) => {
      const query = await withUsedParams(ctx, parseBody(QuerySchema, request.body), param(request, 'name'))
      await ctx.store.queries.update(param(request, 'name'), queryRowOf(query))
      // After the write: a view that read the query meanwhile would keep the old one (view-cache.ts).
      ctx.views.forget(param(request, 'name'))
      return query
    },
  },
  {
    method: 'DELETE',
    url: '/api/queries/:name',
    operationId: 'deleteQuery',
    reply: NO_CONTENT,
    access: 'editor',
    tag: 'queries',
    summary: 'Removes a query.',
    handler: async (request, reply, ctx) => {
      await ctx.store.queries.remove(param(request, 'name'))
      ctx.views.forget(param(request, 'name'))
      reply.status(204)
      return null
    },
  },
  {
    method: 'POST',
    url: '/api/queries/:name/run',
    operationId: 'runQuery',
    reply: json(RunResultReply),
    rateLimit: 'api',
    access: 'signed-in',
    tag: 'queries',
    summary: 'Runs a query with parameters (cached per its TTL unless refresh); answers rows and notices.',
    body: RunBody,
    handler: async (request, _reply, ctx) => {
      const body = parseBody(RunBody, request.body)
      const principal = principalOf(request)
      const loaded = await visibleQuery(ctx, param(request, 'name'), principal)
      // Someone who sees it only because it is public runs it as a view's visitor would.
      if (isVisitor(principal, loaded.query)) checkVisitorParams(loaded.query, body.params)
      if (body.refresh) ctx.views.forget(loaded.query.name)
      // An API token runs as its user (issue 15): a per-user datasource uses that user's connection.
      const viewer = viewerOf(principal, loaded.query)
      const result = await runQuery(engineDeps(ctx), {
        query: loaded,
        params: body.params,
        refresh: body.refresh,
        readCache: await isScheduled(ctx, loaded.query.name),
        ...(viewer === undefined ? {} : { viewer }),
      })
      return runView(result)
    },
  },
  {
    method: 'POST',
    url: '/api/queries/:name/sample',
    operationId: 'sampleQuery',
    reply: json(SampleReply),
    rateLimit: 'api',
    access: 'editor',
    tag: 'queries',
    summary: "The first page's raw response text, for writing a converter against.",
    body: RunBody,
    handler: async (request, _reply, ctx) => {
      const body = parseBody(RunBody, request.body)
      return sampleQuery(engineDeps(ctx), {
        query: param(request, 'name'),
        params: body.params,
        viewer: signedInViewer(principalOf(request)),
      })
    },
  },
]
