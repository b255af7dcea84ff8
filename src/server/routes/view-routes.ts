import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isPerUser } from '../../domain/datasource.js'
import { QuarryError, isQuarryError, serverMessage } from '../../domain/errors.js'
import {
  checkedOptionValues,
  compareSnapshots,
  diffAsRows,
  queryParamOptions,
  runQuery,
  snapshotQuery,
  snapshotRowsJson,
  velocityLibrary,
  type LoadedParamOptions,
  type LoadedQuery,
} from '../../engine/index.js'
import type { SnapshotInfo } from '../../store/index.js'
import { columnsOf, formatWithExtension, outputFormats, writeFormat, type Row } from '../../render/index.js'
import { feedRows, RowQueue } from '../../render/row-queue.js'
import { jsonRows } from '../../render/row-slices.js'
import { metricsOf } from '../metrics.js'
import {
  contentSecurityPolicy,
  frameAncestorsDirective,
  renderConnectedPage,
  renderErrorPage,
  renderViewPage,
  type ViewConnectPrompt,
} from '../../render/view-page.js'
import { embedScript, VIEW_SCRIPT, VIEW_STYLESHEET } from '../../render/view-script.js'
import type { ParamOptionsView } from '../../render/param-options.js'
import { optionDependencies } from '../../domain/query.js'
import {
  checkVisitorParams,
  resolvePocketQueryAliases,
  visitorParams,
  type ParamValue,
} from '../../domain/params.js'
import { isVisitor, seesByRole, type Principal } from '../auth/access.js'
import { CSRF_FIELD } from '../auth/authenticate.js'
import { usesViewer, viewerOf } from '../auth/viewer.js'
import type { ServerContext } from '../context.js'
import { answerFailure, readerOf } from '../error-handler.js'
import { refreshCooledDown } from '../rate-limits.js'
import { startedStream } from '../started-stream.js'
import { frameAncestors } from '../embed-origins.js'
import { param, type RouteDef } from '../route.js'
import { json, ParamOptionsReply, redirect, text } from '../replies.js'
import {
  acceptsGzip,
  splitAtMarker,
  tokenMarker,
  ViewCache,
  wholePage,
  withToken,
  type RenderedView,
  type ViewDefinition,
} from '../view-cache.js'
import { beginConsent } from '../consent-start.js'
import { engineDeps, isScheduled, shownQuery, visibleQuery } from './query-routes.js'
import { snapshotFilter, visibleSnapshot } from './snapshot-routes.js'

/** Where a view page finds its script and stylesheet (served below). */
export const VIEW_ASSETS = { script: '/assets/view.js', stylesheet: '/assets/view.css' } as const

/**
 * The switches of a view that shows snapshots (issue 16): `?snapshot=REF` shows one (an id, latest, a
 * day or a time), `&compare=REF` shows what changed from that one to it, `&diff_key=COLUMN` matches
 * rows by that column (default: the first). They are never query parameters.
 */
const SNAPSHOT_SWITCHES = ['snapshot', 'compare', 'diff_key'] as const
type SnapshotSwitches = Partial<Record<(typeof SNAPSHOT_SWITCHES)[number], string>>

function snapshotSwitches(request: FastifyRequest): SnapshotSwitches {
  const query = request.query as Record<string, unknown>
  const switches: SnapshotSwitches = {}
  for (const name of SNAPSHOT_SWITCHES) {
    const value = query[name]
    if (typeof value === 'string' && value !== '') switches[name] = value
  }
  return switches
}

/**
 * The parameters of a view: the URL's query string, without the view's own switches and empty fields,
 * PocketQuery's `pq_<name>` read as `<name>` (before the visitor rules are applied to them).
 */
export function viewParams(request: FastifyRequest): Record<string, string> {
  const params: Record<string, string> = {}
  for (const [name, given] of Object.entries(request.query as Record<string, unknown>)) {
    // A multi-select without script sends each chosen item as its own `name=value` (issue 17).
    const value =
      Array.isArray(given) && given.every((item) => typeof item === 'string') ? given.join(',') : given
    if (name === 'embed' || name === CSRF_FIELD || typeof value !== 'string' || value === '') continue
    if ((SNAPSHOT_SWITCHES as readonly string[]).includes(name)) continue
    params[name] = value
  }
  return resolvePocketQueryAliases(params)
}

export function queryString(params: Record<string, string>): string {
  const search = new URLSearchParams(params).toString()
  return search === '' ? '' : `?${search}`
}

/**
 * The query a view shows, if the caller may see it. Someone not signed in is sent to sign in (the
 * query might be theirs to see); a signed-in user who may not see it gets "not found".
 */
function viewableQuery(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: ServerContext,
): Promise<LoadedQuery | undefined> {
  return unlessHidden(request, reply, 'QUARRY_QUERY_NOT_FOUND', () =>
    visibleQuery(ctx, param(request, 'query'), request.principal),
  )
}

/**
 * viewableQuery's query, and whether a schedule keeps it fresh. A cached query's (its views' pages
 * are kept for a while) comes from this process's memory when it was read less than
 * VIEW_REVALIDATE_MS ago, like its pages; who may see it is checked on every request all the same.
 */
function viewableDefinition(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: ServerContext,
  now: number,
): Promise<ViewDefinition | undefined> {
  const name = param(request, 'query')
  return unlessHidden(request, reply, 'QUARRY_QUERY_NOT_FOUND', async () => {
    const known = ctx.views.definition(name, now)
    if (known !== undefined) return { ...known, loaded: shownQuery(known.loaded, request.principal) }
    const generation = ctx.views.generation
    const loaded = await visibleQuery(ctx, name, request.principal)
    const definition = { loaded, scheduled: await isScheduled(ctx, name) }
    if (definition.scheduled || (loaded.query.cacheTtlSeconds ?? 0) > 0)
      ctx.views.rememberDefinition(name, definition, generation, now)
    return definition
  })
}

/**
 * What `read` finds for a page (a query, a dashboard), or, for someone not signed in whom it answers
 * `hidden` (not found: it might be theirs to see), a redirect to sign in.
 */
export async function unlessHidden<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  hidden: 'QUARRY_QUERY_NOT_FOUND' | 'QUARRY_DASHBOARD_NOT_FOUND',
  read: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await read()
  } catch (error) {
    if (request.principal !== undefined || !isQuarryError(error, hidden)) throw error
    await reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`)
    return undefined
  }
}

/**
 * Sends a rendered view with the viewer's CSRF token in its Refresh form (none for someone not signed
 * in). A cached page without a token goes gzipped to a browser that takes it (compressed once).
 */
export function sendView(
  request: FastifyRequest,
  reply: FastifyReply,
  view: Pick<RenderedView, 'parts' | 'anonymous' | 'anonymousGzip' | 'contentSecurityPolicy'>,
) {
  reply
    .header('content-security-policy', view.contentSecurityPolicy)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'private, no-store')
    .header('vary', 'accept-encoding')
    .type('text/html; charset=utf-8')
  const token = request.principal?.session?.csrfToken
  const tokenless = token === undefined || token === '' || view.parts.length === 1
  if (tokenless && view.anonymousGzip !== undefined && acceptsGzip(request.headers['accept-encoding']))
    return reply.header('content-encoding', 'gzip').send(view.anonymousGzip)
  return reply.send(withToken(view, token))
}

/**
 * A rendered page of these parameters that this person may be sent: the one their role sees, or,
 * when they see the query only because it is public, the visitors' one (whose values pass the
 * visitor rules again).
 */
function cachedView(
  ctx: ServerContext,
  principal: Principal | undefined,
  lookup: { name: string; params: Record<string, string>; embed: boolean; now: number },
): RenderedView | undefined {
  const { name, params, embed, now } = lookup
  if (principal !== undefined) {
    // A page of shared rows, or one of this person's own rows (a per-user datasource, issue 15): a
    // page keyed by a name is only ever stored from that person's own run.
    for (const user of ['', principal.user.name]) {
      const own = ctx.views.get(ViewCache.key(name, params, embed, false, user), now)
      if (own !== undefined && own.user === user && seesByRole(principal, own)) return own
    }
  }
  const visitors = ctx.views.get(ViewCache.key(name, params, embed, true), now)
  if (visitors === undefined || visitors.user !== '' || !isVisitor(principal, visitors)) return undefined
  try {
    checkVisitorParams({ name, params: visitors.params }, params)
    return visitors
  } catch {
    return undefined
  }
}

/** The parameters as someone may set them: a visitor of a public query only those opened to visitors. */
function allowedParams(
  principal: Principal | undefined,
  query: LoadedQuery['query'],
  params: Record<string, string>,
): Record<string, string> {
  if (isVisitor(principal, query)) checkVisitorParams(query, params)
  return params
}

async function page(request: FastifyRequest, reply: FastifyReply, ctx: ServerContext): Promise<unknown> {
  const switches = snapshotSwitches(request)
  if (switches.snapshot !== undefined || switches.compare !== undefined)
    return snapshotPage(request, reply, ctx, switches)
  const name = param(request, 'query')
  const params = viewParams(request)
  const embed = (request.query as Record<string, unknown>).embed === '1'
  const now = ctx.now()
  // Embed origins change in the admin UI without a restart: a page cached under other ones is stale.
  const ancestors = await frameAncestors(ctx)
  // A cached result already rendered: no store, no parsing, no rendering (bench/view.mjs).
  const rendered = cachedView(ctx, request.principal, { name, params, embed, now: now.getTime() })
  const fresh =
    rendered !== undefined && rendered.contentSecurityPolicy.endsWith(frameAncestorsDirective(ancestors))
  metricsOf(ctx).viewCacheLookup(fresh ? 'hit' : 'miss')
  if (fresh) return sendView(request, reply, rendered)

  // An edit on this server (ViewCache.forget) from here on: what is read or drawn before it is not kept.
  const generation = ctx.views.generation
  const definition = await viewableDefinition(request, reply, ctx, now.getTime())
  if (definition === undefined) return reply
  const { loaded } = definition
  const { query, datasource } = loaded
  const visitor = isVisitor(request.principal, query)
  const user = isPerUser(datasource) ? (request.principal?.user.name ?? '') : ''
  const ttl = query.cacheTtlSeconds ?? 0
  const render = () =>
    renderPage(request, reply, ctx, { definition, params, embed, now, ancestors, visitor, user })
  // A page with one person's :@user.… values is theirs alone: the rendered-page cache is shared. So
  // may be its dropdowns, whose options queries run as the signed-in viewer (their :@user.… values,
  // their own connection): not kept either.
  const personal =
    usesViewer(loaded) || (hasParamOptions(query) && viewerOf(request.principal, query) !== undefined)
  if (ttl === 0 || personal) return sendView(request, reply, (await render()).view)
  // Viewers asking for the same page while it renders get that page (or its error, as they would
  // have joined its run), as they would a moment later from the cache: one run, one JSON parse and
  // one rendering for a burst of them (bench:servers-load). Error details differ by reader.
  const key = ViewCache.key(query.name, params, embed, visitor, user)
  const { result, shared } = await ctx.views.renderOnce(
    `${key}\u0000${readerOf(request.principal)}\u0000${generation}`,
    render,
    (page) => page.shareable,
  )
  if (shared) {
    reply.status(result.status)
    if (result.retryAfter !== undefined) reply.header('retry-after', result.retryAfter)
  } else if (result.fetchedAt !== undefined && ctx.views.generation === generation) {
    // Kept no longer than the definition it was drawn from: an edit elsewhere shows within the bound.
    const resultExpiresAt = result.fetchedAt.getTime() + ttl * 1000
    const expiresAt = Math.min(resultExpiresAt, definition.expiresAt ?? resultExpiresAt)
    ctx.views.set(key, result.view, expiresAt, now.getTime())
  }
  return sendView(request, reply, result.view)
}

/** A view's page as rendered for one request, and what else its reply carries. */
interface RenderedPage {
  readonly view: Omit<RenderedView, 'expiresAt'>
  readonly status: number
  readonly retryAfter?: string
  /**
   * Whether another request for the same page may be sent it: not a Connect prompt, which carries
   * this session's own CSRF token in its form.
   */
  readonly shareable: boolean
  /** When the page shows a result and may be cached: the result's time. */
  readonly fetchedAt?: Date
}

/**
 * Renders a view's page: its run (or the run's failure, on the page), the parameter form, the table or
 * template.
 */
async function renderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: ServerContext,
  page: {
    readonly definition: ViewDefinition
    readonly params: Record<string, string>
    readonly embed: boolean
    readonly now: Date
    readonly ancestors: readonly string[]
    readonly visitor: boolean
    readonly user: string
  },
): Promise<RenderedPage> {
  const { params, embed, now, ancestors, visitor, user } = page
  const { loaded, scheduled } = page.definition
  const { query, datasource } = loaded
  // Issue keys link to the Jira Cloud site the datasource was connected to (cell-link.ts).
  const jiraSite = datasource.type === 'rest' ? datasource.preset?.site?.url : undefined
  // Upstream details (URLs, hosts, ids, bodies) are for admins and editors; the server log keeps them.
  const reader = readerOf(request.principal)
  const describe = (error: QuarryError): string => {
    const message = serverMessage(error, reader)
    if (message !== error.messageFor('ui'))
      request.log.warn({ code: error.code, detail: error.message }, 'error shown plain')
    return `${message} (${error.code})`
  }
  const base = `/v/${encodeURIComponent(query.name)}`
  const nonce = randomBytes(16).toString('base64url')
  const marker = tokenMarker()
  let rows: Row[] = []
  let outcome: { fetchedAt?: Date; fromCache?: boolean; notices?: readonly string[]; error?: string }
  // The run's values (defaults filled in) once it ran; the URL's text when it failed before.
  let values: ReadonlyMap<string, ParamValue> | Record<string, string> = params
  let paramOptions: ReadonlyMap<string, ParamOptionsView> | undefined
  // The viewer has not connected their own account to a per-user datasource (issue 15): a prompt.
  let connect: ConnectPrompt | undefined
  try {
    const given = allowedParams(request.principal, query, params)
    // The dropdowns' lists, loaded once: shown even when the run then fails, and checked by it.
    const viewer = viewerOf(request.principal, query)
    const lists = hasParamOptions(query)
      ? await queryParamOptions(engineDeps(ctx), query, given, viewer === undefined ? {} : { viewer })
      : undefined
    if (lists !== undefined) {
      paramOptions = optionsViews(lists, describe)
      values = lists.chosen
    }
    const result = await runQuery(engineDeps(ctx), {
      query: loaded,
      params: given,
      readCache: scheduled,
      ...(viewer === undefined ? {} : { viewer }),
      ...(lists === undefined ? {} : { paramOptions: lists }),
    })
    rows = JSON.parse(result.rowsJson || '[]') as Row[]
    outcome = { fetchedAt: result.fetchedAt, fromCache: result.fromCache, notices: result.notices }
    values = result.values
  } catch (thrown) {
    // Every failure of the run — upstream, parameter, converter, Quarry's own bug — on the page.
    const { error, message } = answerFailure(thrown, request, reply)
    const shown = `${message} (${error.code})`
    outcome = { error: shown }
    connect = connectPrompt(error, request, loaded, { embed, params, message: shown })
  }
  const html = await renderViewPage({
    query: query.name,
    ...(query.title === undefined ? {} : { title: query.title }),
    // A visitor's form offers only what they may change; the rest keep their defaults.
    params: visitor ? visitorParams(query) : query.params,
    values,
    ...(paramOptions === undefined ? {} : { paramOptions }),
    rows,
    columns: columnsOf(rows),
    ...outcome,
    ...(query.template === undefined ? {} : { template: query.template }),
    now,
    nonce,
    embed,
    ...(jiraSite === undefined ? {} : { jiraSite }),
    urls: {
      self: base,
      refresh: `${base}/refresh${queryString(params)}`,
      // Every registered format (render/formats.ts), served by the download route below.
      downloads: outputFormats().map((format) => ({
        label: format.label,
        href: `${base}/rows.${format.extension}${queryString(params)}`,
      })),
    },
    assets: VIEW_ASSETS,
    // The Refresh form's field holds a marker; the viewer's token takes its place when the page is sent.
    csrf: { name: CSRF_FIELD, token: marker },
    describeError: describe,
    // A Velocity template renders in the converter sandbox, never in this process (issue 13).
    sandbox: ctx.converters,
    templates: velocityLibrary(ctx.store),
    ...(visitor || embed ? {} : { snapshots: await snapshotLinks(ctx, request, query.name) }),
    ...(connect === undefined ? {} : { connect: connect.prompt }),
  })
  const csp = contentSecurityPolicy({
    nonce,
    frameAncestors: ancestors,
    ...(connect === undefined ? {} : { formTargets: [connect.provider] }),
  })
  const parts = splitAtMarker(html, marker)
  const view = {
    query: query.name,
    user,
    visibility: query.visibility,
    params: query.params,
    // Never seen in practice (the marker is random); then the page goes out without any token.
    ...(parts ?? wholePage(html.replaceAll(marker, ''))),
    contentSecurityPolicy: csp,
  }
  // What the failure (if any) set on this reply: a request sent the same page gets them too.
  const retryAfter = reply.getHeader('retry-after')
  return {
    view,
    status: reply.statusCode,
    shareable: connect === undefined,
    ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
    ...(parts === undefined || outcome.error !== undefined || outcome.fetchedAt === undefined
      ? {}
      : { fetchedAt: outcome.fetchedAt }),
  }
}

function hasParamOptions(query: LoadedQuery['query']): boolean {
  return query.params.some((spec) => spec.options !== undefined)
}

/** The lists as the page shows them: a failed list's error in its reader's words, with its code. */
export function optionsViews(
  lists: LoadedParamOptions,
  describe: (error: QuarryError) => string,
): Map<string, ParamOptionsView> {
  const views = new Map<string, ParamOptionsView>()
  for (const [name, state] of lists.lists)
    views.set(name, 'error' in state ? { error: describe(state.error) } : { options: state.options })
  return views
}

/**
 * One parameter's choices for the values of the parameters they depend on (the URL's query string),
 * as the view's dropdown reloads them when such a value changes (render/param-options.ts). Only that
 * parameter and those its options depend on are looked at; a failed list answers its error.
 */
async function paramChoices(request: FastifyRequest, reply: FastifyReply, ctx: ServerContext) {
  const loaded = await visibleQuery(ctx, param(request, 'query'), request.principal)
  const { query } = loaded
  const name = param(request, 'param')
  const spec = query.params.find((candidate) => candidate.name === name)
  const shown = isVisitor(request.principal, query) ? visitorParams(query) : query.params
  if (spec?.options === undefined || !shown.some((candidate) => candidate.name === name)) {
    throw new QuarryError(
      'QUARRY_NOT_FOUND',
      `Query "${query.name}" has no parameter "${name}" whose values come from a query.`,
    )
  }
  const needed = new Set<string>()
  const add = (at: string): void => {
    if (needed.has(at)) return
    needed.add(at)
    const found = query.params.find((candidate) => candidate.name === at)
    for (const dependency of found === undefined ? [] : optionDependencies(found)) add(dependency)
  }
  add(name)
  const given: Record<string, string> = {}
  for (const [key, value] of Object.entries(allowedParams(request.principal, query, viewParams(request))))
    if (needed.has(key) && key !== name) given[key] = value
  const part = { name: query.name, params: query.params.filter((candidate) => needed.has(candidate.name)) }
  const viewer = viewerOf(request.principal, query)
  const lists = await queryParamOptions(engineDeps(ctx), part, given, viewer === undefined ? {} : { viewer })
  const state = lists.lists.get(name)
  if (state === undefined) return { options: [] }
  if ('error' in state) {
    checkedOptionValues(part, given, lists)
    throw state.error
  }
  void reply.header('cache-control', 'private, no-store')
  return { options: state.options }
}

/** A view's Connect prompt (issue 15), and the provider's origin its form is sent on to. */
interface ConnectPrompt {
  readonly prompt: ViewConnectPrompt
  readonly provider: string
}

/**
 * The Connect prompt a view shows instead of a failure, when the failure is that this viewer has not
 * connected their own account to the query's per-user datasource (issue 15); else undefined.
 */
function connectPrompt(
  error: QuarryError,
  request: FastifyRequest,
  loaded: LoadedQuery,
  view: {
    readonly embed: boolean
    readonly params: Record<string, string>
    /** What failed, as the viewer may read it, its code included (as every view failure shows). */
    readonly message: string
  },
): ConnectPrompt | undefined {
  const { query, datasource } = loaded
  if (error.code !== 'QUARRY_CONNECTION_REQUIRED') return undefined
  if (datasource.type !== 'rest' || datasource.auth.type !== 'oauth2-authorization-code') return undefined
  const search = queryString(view.embed ? { ...view.params, embed: '1' } : view.params)
  return {
    prompt: {
      message: view.message,
      action: `/v/${encodeURIComponent(query.name)}/connect${search}`,
      csrf: { name: CSRF_FIELD, token: request.principal?.session?.csrfToken ?? '' },
      popup: view.embed,
    },
    provider: new URL(datasource.auth.authorizeUrl).origin,
  }
}

/**
 * Connect from a view (issue 15): starts the signed-in viewer's own consent for the query's per-user
 * datasource and sends the browser to the provider; the callback brings it back to the view, or, from
 * an embed (whose consent ran in a window of its own), to a page that reloads the frame and closes.
 */
async function connectFromView(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: ServerContext,
): Promise<unknown> {
  // Someone not signed in is sent to sign in first (the view redirects back), as by the view itself.
  const loaded = await viewableQuery(request, reply, ctx)
  if (loaded === undefined) return reply
  const principal = request.principal
  if (principal === undefined)
    throw new QuarryError('QUARRY_UNAUTHENTICATED', 'Sign in to connect your own account.')
  const { query, datasource } = loaded
  if (!isPerUser(datasource)) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `The view "${query.name}" runs with its datasource's shared connection: there is nothing of your own to connect.`,
    )
  }
  const embed = (request.query as Record<string, unknown>).embed === '1'
  const base = `/v/${encodeURIComponent(query.name)}`
  const returnTo = embed ? `${base}/connected` : `${base}${queryString(viewParams(request))}`
  const { authorizeUrl } = await beginConsent(ctx, principal, datasource.name, {
    user: principal.user.name,
    returnTo,
  })
  return reply.redirect(authorizeUrl, 303)
}

/** The page an embed's consent window ends on: it reloads the frame that opened it, and closes. */
async function connectedPage(
  request: FastifyRequest,
  reply: FastifyReply,
  _ctx: ServerContext,
): Promise<unknown> {
  const name = param(request, 'query')
  const nonce = randomBytes(16).toString('base64url')
  const html = renderConnectedPage({
    query: name,
    view: `/v/${encodeURIComponent(name)}`,
    nonce,
    assets: VIEW_ASSETS,
  })
  return sendView(request, reply, {
    ...wholePage(html),
    // A window of its own: no site frames it.
    contentSecurityPolicy: contentSecurityPolicy({ nonce, frameAncestors: [] }),
  })
}

/** How many snapshots a view page lists (the API and `quarry snapshot list` have them all). */
const LISTED_SNAPSHOTS = 20

/** The snapshot links a signed-in person who sees the query by role gets on its page; none for others. */
async function snapshotLinks(
  ctx: ServerContext,
  request: FastifyRequest,
  name: string,
  shown?: { snapshot: string; compare?: string },
): Promise<{ label: string; href: string; compareHref?: string; current: boolean }[]> {
  const principal = request.principal
  if (principal === undefined) return []
  let sees: (snapshot: SnapshotInfo) => boolean
  try {
    sees = await snapshotFilter(ctx.store, name, principal)
  } catch {
    return []
  }
  const all = (await ctx.store.snapshots.list(name)).filter(sees).slice(0, LISTED_SNAPSHOTS)
  const base = `/v/${encodeURIComponent(name)}`
  return all.map((snapshot, index) => {
    const before = all[index + 1]
    const rows = snapshot.rowCount === 1 ? '1 row' : `${snapshot.rowCount} rows`
    return {
      label: `${snapshot.takenAt.toISOString().replace('T', ' ').slice(0, 16)} UTC · ${rows} · ${snapshot.takenBy}`,
      href: `${base}?snapshot=${snapshot.id}`,
      ...(before === undefined
        ? {}
        : { compareHref: `${base}?snapshot=${snapshot.id}&compare=${before.id}` }),
      current: shown?.snapshot === snapshot.id && shown.compare === undefined,
    }
  })
}

function paramsWords(params: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(params).map(([name, value]) => `${name}=${value}`)
  return pairs.length === 0 ? 'no parameters' : pairs.join(', ')
}

/**
 * A view of a snapshot (`?snapshot=REF`) or of what changed between two (`&compare=REF`), issue 16.
 * Only for signed-in people who see the query by role (someone not signed in is sent to sign in):
 * a snapshot holds rows of parameter values a public view's visitors may not set. The snapshot
 * renders through its own copy of the query's template, so a later template edit does not break
 * it; a comparison is a table. Never cached: each is rendered from the store.
 */
async function snapshotPage(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: ServerContext,
  switches: SnapshotSwitches,
): Promise<unknown> {
  const name = param(request, 'query')
  const principal = request.principal
  if (principal === undefined) {
    await reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`)
    return reply
  }
  const ref = switches.snapshot ?? 'latest'
  const snapshot = await visibleSnapshot(ctx.store, name, ref, principal)
  const definition = snapshotQuery(snapshot)
  const base = `/v/${encodeURIComponent(name)}`
  let rows: Row[]
  let showing: string
  let template = definition?.template
  if (switches.compare !== undefined) {
    await visibleSnapshot(ctx.store, name, switches.compare, principal)
    const { from, to, diff } = await compareSnapshots(
      ctx.store,
      name,
      switches.compare,
      ref,
      switches.diff_key,
    )
    rows = diffAsRows(diff)
    // A comparison is rows of changes: the query's own template (a chart, say) does not fit them.
    template = undefined
    showing =
      `Changes from the snapshot of ${from.takenAt.toISOString()} (${from.id}) to the one of ` +
      `${to.takenAt.toISOString()} (${to.id}), rows matched by ${diff.key}: ${diff.added.length} added, ` +
      `${diff.removed.length} removed, ${diff.changed.length} changed, ${diff.unchanged} unchanged.`
  } else {
    rows = JSON.parse(await snapshotRowsJson(ctx.store, snapshot)) as Row[]
    showing =
      `Snapshot ${snapshot.id}, taken ${snapshot.takenAt.toISOString()} by ${snapshot.takenBy} with ` +
      `${paramsWords(snapshot.params)}; query version ${snapshot.definitionHash.slice(0, 8)}.`
  }
  const nonce = randomBytes(16).toString('base64url')
  const embed = (request.query as Record<string, unknown>).embed === '1'
  const html = await renderViewPage({
    query: name,
    ...(definition?.title === undefined ? {} : { title: definition.title }),
    params: definition?.params ?? [],
    values: snapshot.params,
    rows,
    columns: columnsOf(rows),
    fetchedAt: snapshot.fetchedAt,
    notices: snapshot.notices,
    ...(template === undefined ? {} : { template }),
    now: ctx.now(),
    nonce,
    embed,
    urls: {
      self: base,
      refresh: `${base}/refresh${queryString(snapshot.params)}`,
      downloads: outputFormats().map((format) => ({
        label: format.label,
        href: `${base}/rows.${format.extension}?snapshot=${snapshot.id}`,
      })),
    },
    assets: VIEW_ASSETS,
    csrf: { name: CSRF_FIELD, token: principal.session?.csrfToken ?? '' },
    sandbox: ctx.converters,
    templates: velocityLibrary(ctx.store),
    snapshots: await snapshotLinks(ctx, request, name, {
      snapshot: snapshot.id,
      ...(switches.compare === undefined ? {} : { compare: switches.compare }),
    }),
    showing,
  })
  const ancestors = await frameAncestors(ctx)
  return sendView(request, reply, {
    ...wholePage(html),
    contentSecurityPolicy: contentSecurityPolicy({ nonce, frameAncestors: ancestors }),
  })
}

/**
 * A view that cannot be shown at all (no such query, a failure before its query ran, in a hook or
 * the handler) answers with its HTML error page, not the API's JSON: a view is opened in a browser
 * or an iframe. The failure is translated by the same one branch as the API's (answerFailure).
 */
function errorPage(thrown: unknown, request: FastifyRequest, reply: FastifyReply, ctx: ServerContext) {
  return htmlErrorPage(thrown, request, reply, ctx, {
    name: (request.params as { query?: string }).query ?? '',
    embed: (request.query as Record<string, unknown> | undefined)?.embed === '1',
  })
}

/**
 * The HTML error page of a page opened in a browser or a frame (a view, a dashboard, a panel):
 * `shown` names what could not be shown, and whether it is framed (no heading then).
 */
export async function htmlErrorPage(
  thrown: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: ServerContext,
  shown: { readonly name: string; readonly embed: boolean },
): Promise<unknown> {
  const { error, message } = answerFailure(thrown, request, reply)
  const nonce = randomBytes(16).toString('base64url')
  // The store may be what failed: then no other site may frame the page.
  const ancestors = await frameAncestors(ctx).catch(() => [])
  const html = renderErrorPage({
    query: shown.name,
    message: `${message} (${error.code})`,
    nonce,
    embed: shown.embed,
    assets: VIEW_ASSETS,
  })
  return sendView(request, reply, {
    ...wholePage(html),
    contentSecurityPolicy: contentSecurityPolicy({ nonce, frameAncestors: ancestors }),
  })
}

/** The download files of the registered formats: `rows.txt, rows.json, rows.csv, …`. */
function downloadFiles(): string {
  return outputFormats()
    .map((format) => `rows.${format.extension}`)
    .join(', ')
}

/**
 * The view's rows in the format its extension names (`rows.csv`, `rows.json` …), as a file, streamed:
 * rows go from the engine (each page as it arrives, or the cached result's text a slice at a time)
 * through the format's writer to the response, so a download of 100,000 rows never holds them all
 * (test/server/download-stream.test.ts).
 *
 * The response starts with the writer's first chunk. A failure before it (no such query, a visitor's
 * parameter, the upstream's first page, a format's limit) is answered as every other failure: its
 * registered code, status and JSON body. A failure after it cannot change the status any more, and
 * a well-formed partial file would pass for the whole result: the response is aborted instead (the
 * socket destroyed before the chunked body's end), so the client sees a failed, truncated download,
 * and the server log has the error. The run stops when the client goes away.
 */
async function download(request: FastifyRequest, reply: FastifyReply, ctx: ServerContext): Promise<unknown> {
  const format = formatWithExtension(param(request, 'format'))
  if (format === undefined) {
    throw new QuarryError(
      'QUARRY_NOT_FOUND',
      `No download format has that extension; the view's rows come as ${downloadFiles()}.`,
    )
  }
  const switches = snapshotSwitches(request)
  if (switches.snapshot !== undefined) return snapshotDownload(request, reply, ctx, format, switches.snapshot)
  const loaded = await viewableQuery(request, reply, ctx)
  if (loaded === undefined) return reply
  const { query } = loaded
  const params = allowedParams(request.principal, query, viewParams(request))
  const queue = new RowQueue<Row>()
  const stop = new AbortController()
  const halt = (reason: unknown) => {
    stop.abort(reason)
    queue.fail(reason)
  }
  // The client went away (or the response broke): the run stops at its next rows. Listened for before
  // the run starts, so that a client gone while the first rows are being made stops it too.
  const closed = () => {
    if (!reply.raw.writableFinished) halt(new Error('The download was closed before its end.'))
  }
  if (reply.raw.closed) closed()
  else reply.raw.once('close', closed)
  const readCache = await isScheduled(ctx, query.name)
  void runQuery(engineDeps(ctx), {
    query: loaded,
    params,
    readCache,
    viewer: viewerOf(request.principal, query),
    signal: stop.signal,
    onRows: feedRows(queue, { signal: stop.signal }),
  }).then(
    () => queue.end(),
    (error: unknown) => queue.fail(error),
  )
  const chunks = writeFormat(format.name, queue, { title: query.title ?? query.name, name: query.name })[
    Symbol.asyncIterator
  ]()
  let body: Readable
  try {
    body = await startedStream(chunks)
  } catch (error) {
    halt(error)
    throw error
  }
  return reply
    .type(format.mediaType)
    .header('content-disposition', `attachment; filename="${query.name}.${format.extension}"`)
    .header('x-content-type-options', 'nosniff')
    .send(body)
}

/**
 * A snapshot's rows as a download (`rows.csv?snapshot=REF`): the stored rows, a slice at a time,
 * through the format's writer (only the decompressed JSON text is held whole, as with a cached result).
 */
async function snapshotDownload(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: ServerContext,
  format: NonNullable<ReturnType<typeof formatWithExtension>>,
  ref: string,
): Promise<unknown> {
  const name = param(request, 'query')
  if (request.principal === undefined)
    throw new QuarryError('QUARRY_UNAUTHENTICATED', 'Sign in to download the rows of a snapshot.')

  const snapshot = await visibleSnapshot(ctx.store, name, ref, request.principal)
  const json = await snapshotRowsJson(ctx.store, snapshot)
  const chunks = writeFormat(format.name, jsonRows(json) as Iterable<Row>, { title: name, name })[
    Symbol.asyncIterator
  ]()
  // Before the answer starts, as download() does: a sheet wider than Excel's fails with its own code.
  const body = await startedStream(chunks)
  const stamp = snapshot.takenAt.toISOString().slice(0, 10)
  return reply
    .type(format.mediaType)
    .header(
      'content-disposition',
      `attachment; filename="${name}-${stamp}-${snapshot.id}.${format.extension}"`,
    )
    .header('x-content-type-options', 'nosniff')
    .send(body)
}

function asset(type: string, text: (ctx: ServerContext) => string) {
  return async (_request: FastifyRequest, reply: FastifyReply, ctx: ServerContext): Promise<unknown> =>
    reply
      .type(type)
      .header('cache-control', 'public, max-age=300')
      .header('x-content-type-options', 'nosniff')
      .send(text(ctx))
}

/**
 * Views: a query rendered on the server as a page (table, Liquid or chart), its downloads, and what
 * embedding needs. Public routes: each checks the query's visibility itself, so a public query can
 * be embedded on another site without a session.
 */
export const viewRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/v/:query',
    operationId: 'viewQuery',
    reply: text('text/html', 'The view: a page, or only its content with `?embed=1`.'),
    access: 'public',
    tag: 'views',
    summary:
      'The view of a query, parameters from the URL (`?embed=1`: content only, for iframes; `?snapshot=REF`: a snapshot, `&compare=REF`: what changed since another).',
    handler: page,
    errorPage,
  },
  {
    method: 'POST',
    url: '/v/:query/refresh',
    operationId: 'refreshView',
    reply: redirect('Back to the view, its parameters kept.', 303),
    access: 'public',
    tag: 'views',
    summary: "Fetches the view's rows again (bypassing the cache) and returns to the view.",
    rateLimit: 'refresh',
    // The Refresh button is a form in the page: a refusal is read in the browser, as a page.
    errorPage,
    handler: async (request, reply, ctx) => {
      const loaded = await viewableQuery(request, reply, ctx)
      if (loaded === undefined) return reply
      const { query } = loaded
      const params = allowedParams(request.principal, query, viewParams(request))
      // A visitor's press fetches once per cool-down per query, on every server together; the others
      // see the result that fetch left (signed-in users are limited per user by the route's limit).
      if (!isVisitor(request.principal, query) || (await refreshCooledDown(ctx, query.name))) {
        ctx.views.forget(query.name)
        try {
          await runQuery(engineDeps(ctx), {
            query: loaded,
            params,
            refresh: true,
            viewer: viewerOf(request.principal, query),
          })
        } catch (error) {
          // The view shows the failure when it runs again.
          if (!(error instanceof QuarryError)) throw error
        }
        // Again after the run: a page drawn from the old result meanwhile is not the one to go back to.
        ctx.views.forget(query.name)
      }
      return reply.redirect(`/v/${encodeURIComponent(query.name)}${queryString(params)}`, 303)
    },
  },
  {
    method: 'POST',
    url: '/v/:query/connect',
    operationId: 'connectFromView',
    reply: redirect("To the provider's consent page; the callback returns to the view.", 303),
    access: 'public',
    tag: 'views',
    summary:
      "Starts the signed-in viewer's own consent for the view's per-user datasource (the view's Connect prompt, issue 15).",
    // A form in the page: a refusal is read in the browser, as a page.
    errorPage,
    handler: connectFromView,
  },
  {
    method: 'GET',
    url: '/v/:query/connected',
    operationId: 'viewConnected',
    reply: text('text/html', 'A page that reloads the embedded view which opened it, and closes.'),
    access: 'public',
    tag: 'views',
    summary: "Where an embedded view's consent window ends (issue 15): it reloads the view and closes.",
    handler: connectedPage,
  },
  {
    method: 'GET',
    url: '/v/:query/rows.:format',
    operationId: 'downloadViewRows',
    reply: text(
      outputFormats().map((format) => format.mediaType),
      'The rows as a file in the format the extension names, as an attachment.',
    ),
    access: 'public',
    tag: 'views',
    summary: `The view's rows as a file in a registered format, named by its extension: ${downloadFiles()} (\`?snapshot=REF\`: a snapshot's rows).`,
    handler: download,
  },
  {
    method: 'GET',
    url: '/v/:query/options/:param',
    operationId: 'viewParamOptions',
    reply: json(ParamOptionsReply),
    access: 'public',
    tag: 'views',
    summary:
      "A parameter's choices from its options query, for the values of the parameters they depend on (the query string); a view's dropdown reloads them.",
    handler: paramChoices,
  },
  {
    method: 'GET',
    url: VIEW_ASSETS.script,
    operationId: 'getViewScript',
    reply: text('text/javascript', 'The script.'),
    access: 'public',
    tag: 'views',
    summary: "The views' table script (sort, filter, embed height).",
    handler: asset('text/javascript; charset=utf-8', () => VIEW_SCRIPT),
  },
  {
    method: 'GET',
    url: VIEW_ASSETS.stylesheet,
    operationId: 'getViewStylesheet',
    reply: text('text/css', 'The stylesheet.'),
    access: 'public',
    tag: 'views',
    summary: "The views' stylesheet.",
    handler: asset('text/css; charset=utf-8', () => VIEW_STYLESHEET),
  },
  {
    method: 'GET',
    url: '/embed.js',
    operationId: 'getEmbedScript',
    reply: text('text/javascript', 'The script.'),
    access: 'public',
    tag: 'views',
    summary: 'The embed script: `<div data-quarry-view="QUERY">` elements become iframes of the view.',
    handler: asset('text/javascript; charset=utf-8', (ctx) => embedScript(ctx.options.publicUrl)),
  },
]
