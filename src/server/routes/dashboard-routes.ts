import { randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { DashboardSchema, type Dashboard, type Panel } from '../../domain/dashboard.js'
import { QuarryError, serverMessage } from '../../domain/errors.js'
import { checkVisitorParams, visitorParams, type ParamValue } from '../../domain/params.js'
import {
  barFields,
  dashboardOfRow,
  dashboardRowOf,
  panelOf,
  panelTemplate,
  panelTitle,
  runPanel,
  valuesForPanel,
  queryParamOptions,
  velocityLibrary,
  type LoadedQuery,
} from '../../engine/index.js'
import type { BarField } from '../../render/dashboard-params.js'
import { columnsOf, type Row } from '../../render/index.js'
import { DASHBOARD_STYLESHEET, dashboardPage } from '../../render/dashboard-page.js'
import { contentSecurityPolicy, frameAncestorsDirective, renderViewPage } from '../../render/view-page.js'
import { canSeeQuery, isVisitor, type Principal } from '../auth/access.js'
import { viewerOf } from '../auth/viewer.js'
import { CSRF_FIELD } from '../auth/authenticate.js'
import type { ServerContext } from '../context.js'
import { frameAncestors } from '../embed-origins.js'
import { answerFailure, readerOf } from '../error-handler.js'
import { refreshCooledDown } from '../rate-limits.js'
import { DashboardListReply, DashboardReply, json, NO_CONTENT, redirect, text } from '../replies.js'
import { param, parseBody, principalOf, type RouteDef } from '../route.js'
import { engineDeps, isScheduled, visibleQuery } from './query-routes.js'
import { splitAtMarker, tokenMarker, ViewCache, wholePage, type RenderedView } from '../view-cache.js'
import {
  htmlErrorPage,
  optionsViews,
  queryString,
  sendView,
  unlessHidden,
  VIEW_ASSETS,
  viewParams,
} from './view-routes.js'

/**
 * Dashboards (issue 17): CRUD under /api/dashboards for editors, and the page at /d/NAME — its
 * panels each an iframe of /d/NAME/panel/ID, which runs that panel's query alone, so one failing
 * panel shows its coded error while the others render.
 *
 * Who sees what: a dashboard has a query's visibility model (public, viewers by role, groups); a
 * panel also needs its query to be shown to the person (a dashboard does not open a query to people
 * its own visibility hides it from), and a visitor of a public query may set only the parameters
 * opened to visitors — the view's rules, applied panel by panel.
 */

const DASHBOARD_STYLESHEET_URL = '/assets/dashboard.css'

/** The dashboard `name` if this person may see it; missing and hidden answer alike. */
async function visibleDashboard(ctx: ServerContext, name: string, principal: Principal | undefined) {
  const stored = await ctx.store.dashboards.get(name)
  const dashboard = stored === undefined ? undefined : dashboardOfRow(stored)
  if (dashboard === undefined || !canSeeQuery(principal, dashboard))
    throw new QuarryError('QUARRY_DASHBOARD_NOT_FOUND', `No dashboard named "${name}" is shown to you.`)

  return dashboard
}

/** The dashboard of a page route; someone not signed in who may not see it is sent to sign in. */
function pageDashboard(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: ServerContext,
): Promise<Dashboard | undefined> {
  return unlessHidden(request, reply, 'QUARRY_DASHBOARD_NOT_FOUND', () =>
    visibleDashboard(ctx, param(request, 'dashboard'), request.principal),
  )
}

function panelNotFound(dashboard: string, id: string): QuarryError {
  return new QuarryError(
    'QUARRY_NOT_FOUND',
    `Dashboard "${dashboard}" has no panel "${id}"; reload the dashboard to see its panels.`,
  )
}

/** The panel's query as this person may run it, and the values it gets (a visitor's checked). */
async function panelRun(
  ctx: ServerContext,
  principal: Principal | undefined,
  dashboard: Dashboard,
  panel: Panel,
  given: Record<string, string>,
): Promise<{ loaded: LoadedQuery; values: Record<string, string> }> {
  const loaded = await visibleQuery(ctx, panel.query, principal)
  const values = valuesForPanel(dashboard, loaded.query, given)
  if (isVisitor(principal, loaded.query)) checkVisitorParams(loaded.query, values)
  return { loaded, values }
}

function dashboardSummary(dashboard: Dashboard) {
  return {
    name: dashboard.name,
    title: dashboard.title ?? null,
    panels: dashboard.panels.length,
    public: dashboard.visibility.public,
    url: `/d/${encodeURIComponent(dashboard.name)}`,
  }
}

/** Every panel names a query the editor may see: a typo is caught on save, not on the page. */
async function checkPanels(ctx: ServerContext, dashboard: Dashboard, principal: Principal): Promise<void> {
  for (const panel of dashboard.panels) await visibleQuery(ctx, panel.query, principal)
}

/**
 * Whom a dashboard page or panel was rendered for: which panels, parameters and rows it has depends
 * on the person (role, groups, their own connections and :@user values) and how they came (a session
 * gets CSRF fields). '' for someone not signed in.
 */
function renderedFor(principal: Principal | undefined): string {
  if (principal === undefined) return ''
  const { name, role, groups } = principal.user
  return JSON.stringify([principal.via, name, role, groups])
}

/**
 * The page or panel rendered for this person with these parameters less than the view cache's
 * revalidation ago (and not since dropped by an edit or Refresh in this process), if its embed
 * origins are still today's.
 */
async function cachedPage(
  request: FastifyRequest,
  ctx: ServerContext,
  key: string,
): Promise<RenderedView | undefined> {
  const ancestors = await frameAncestors(ctx)
  const rendered = ctx.views.get(key, ctx.now().getTime())
  return rendered !== undefined && rendered.contentSecurityPolicy.endsWith(frameAncestorsDirective(ancestors))
    ? rendered
    : undefined
}

async function page(request: FastifyRequest, reply: FastifyReply, ctx: ServerContext): Promise<unknown> {
  const given = viewParams(request)
  const embed = (request.query as Record<string, unknown>).embed === '1'
  const key = ViewCache.dashboardKey(
    param(request, 'dashboard'),
    '',
    given,
    embed,
    renderedFor(request.principal),
  )
  // Rendered for this person a moment ago: no store, no option lists, no rendering (bench/view.mjs).
  const rendered = await cachedPage(request, ctx, key)
  if (rendered !== undefined) return sendView(request, reply, rendered)

  const dashboard = await pageDashboard(request, reply, ctx)
  if (dashboard === undefined) return reply
  const base = `/d/${encodeURIComponent(dashboard.name)}`
  // Each panel query's declarations type the bar's fields; a panel the person may not see types none.
  const queries = await Promise.all(
    dashboard.panels.map((panel) =>
      visibleQuery(ctx, panel.query, request.principal).then(
        (loaded) => loaded.query,
        () => undefined,
      ),
    ),
  )
  const declarations = queries.map((query) =>
    query === undefined ? [] : isVisitor(request.principal, query) ? visitorParams(query) : query.params,
  )
  const panels = dashboard.panels.map((panel, index) => {
    const query = queries[index]
    const values = query === undefined ? {} : valuesForPanel(dashboard, query, given)
    const panelBase = `${base}/panel/${encodeURIComponent(panel.id)}`
    const queryBase = `/v/${encodeURIComponent(panel.query)}`
    return {
      ...panel,
      title: panelTitle(panel, query),
      src: `${panelBase}${queryString({ ...given, embed: '1' })}`,
      refresh: `${panelBase}/refresh${queryString(given)}`,
      // The view's own download routes, with the values this panel's query gets.
      downloads:
        query === undefined
          ? []
          : [
              { label: 'CSV', href: `${queryBase}/rows.csv${queryString(values)}` },
              { label: 'XLSX', href: `${queryBase}/rows.xlsx${queryString(values)}` },
            ],
    }
  })
  const nonce = randomBytes(16).toString('base64url')
  // The forms' CSRF fields hold a marker; the viewer's token takes its place when the page is sent.
  const marker = tokenMarker()
  const signedIn = request.principal?.session?.csrfToken !== undefined
  const fields = await withOptionLists(ctx, request.principal, {
    dashboard,
    given,
    queries,
    fields: barFields(dashboard, given, declarations),
  })
  const html = dashboardPage({
    name: dashboard.name,
    ...(dashboard.title === undefined ? {} : { title: dashboard.title }),
    ...(dashboard.description === undefined ? {} : { description: dashboard.description }),
    fields,
    panels,
    urls: { self: base, refresh: `${base}/refresh${queryString(given)}` },
    embed,
    ...(signedIn ? { csrf: { name: CSRF_FIELD, token: marker } } : {}),
    nonce,
    assets: { ...VIEW_ASSETS, dashboardStylesheet: DASHBOARD_STYLESHEET_URL },
  })
  // A Refresh form per panel and one for all: that many places for the token, never more.
  const parts = splitAtMarker(html, marker, panels.length + 1) ?? wholePage(html.replaceAll(marker, ''))
  const view = {
    query: '',
    queries: dashboard.panels.map((panel) => panel.query),
    dashboard: dashboard.name,
    user: '',
    visibility: dashboard.visibility,
    params: [],
    ...parts,
    contentSecurityPolicy: await pageSecurityPolicy(ctx, nonce, { framesPanels: true }),
  }
  // A list that failed is shown as its error: the next request tries it again.
  const now = ctx.now().getTime()
  if (fields.every((field) => field.options === undefined || !('error' in field.options.list)))
    ctx.views.set(key, view, Number.POSITIVE_INFINITY, now)
  return sendView(request, reply, view)
}

/**
 * The bar's fields, a field whose declaring query takes its allowed values from a query given that
 * list (a dropdown in the bar, as on the view page): each such query's lists are loaded once, for the
 * values its panel gets and for the person who looks (their own :@user.… values and connection).
 * A list that failed shows its error in the field's place; the panels still load.
 */
async function withOptionLists(
  ctx: ServerContext,
  principal: Principal | undefined,
  page: {
    readonly dashboard: Dashboard
    readonly given: Record<string, string>
    readonly queries: readonly (LoadedQuery['query'] | undefined)[]
    readonly fields: readonly BarField[]
  },
): Promise<BarField[]> {
  const reader = readerOf(principal)
  const describe = (error: QuarryError) => `${serverMessage(error, reader)} (${error.code})`
  const loaded = new Map<string, ReturnType<typeof optionsViews> | { readonly error: string }>()
  const out: BarField[] = []
  for (const field of page.fields) {
    // The first panel query declaring the parameter is the one barFields took its spec from.
    const query = page.queries.find((candidate) =>
      candidate?.params.some((spec) => spec.name === field.name && spec.options !== undefined),
    )
    if (query === undefined || field.spec?.options === undefined) {
      out.push(field)
      continue
    }
    let lists = loaded.get(query.name)
    if (lists === undefined) {
      try {
        const values = valuesForPanel(page.dashboard, query, page.given)
        if (isVisitor(principal, query)) checkVisitorParams(query, values)
        const viewer = viewerOf(principal, query)
        const state = await queryParamOptions(engineDeps(ctx), query, values, viewer ? { viewer } : {})
        lists = optionsViews(state, describe)
      } catch (error) {
        if (!(error instanceof QuarryError)) throw error
        lists = { error: describe(error) }
      }
      loaded.set(query.name, lists)
    }
    const list = 'error' in lists ? { error: lists.error as string } : lists.get(field.name)
    if (list === undefined) {
      out.push(field)
      continue
    }
    const url = `/v/${encodeURIComponent(query.name)}/options/${encodeURIComponent(field.name)}`
    out.push({ ...field, options: { list, url } })
  }
  return out
}

/** A dashboard page's or panel's CSP: the page frames its panels, this origin's pages (frame-src). */
async function pageSecurityPolicy(
  ctx: ServerContext,
  nonce: string,
  options: { readonly framesPanels?: boolean } = {},
): Promise<string> {
  return contentSecurityPolicy({
    nonce,
    frameAncestors: await frameAncestors(ctx),
    framesSelf: options.framesPanels === true,
  })
}

/** One panel's document: its query run with the dashboard's values, through its template. */
async function panelPage(request: FastifyRequest, reply: FastifyReply, ctx: ServerContext): Promise<unknown> {
  const given = viewParams(request)
  const who = renderedFor(request.principal)
  const key = ViewCache.dashboardKey(param(request, 'dashboard'), param(request, 'panel'), given, true, who)
  // This person's panel of a cached result, rendered a moment ago (bench/view.mjs).
  const rendered = await cachedPage(request, ctx, key)
  if (rendered !== undefined) return sendView(request, reply, rendered)

  const dashboard = await pageDashboard(request, reply, ctx)
  if (dashboard === undefined) return reply
  const id = param(request, 'panel')
  const panel = panelOf(dashboard, id)
  if (panel === undefined) throw panelNotFound(dashboard.name, id)
  const { loaded, values } = await panelRun(ctx, request.principal, dashboard, panel, given)
  const { query, datasource } = loaded
  const reader = readerOf(request.principal)
  const describe = (error: QuarryError) => `${serverMessage(error, reader)} (${error.code})`
  let rows: Row[] = []
  let outcome: { fetchedAt?: Date; fromCache?: boolean; notices?: readonly string[]; error?: string }
  let shown: ReadonlyMap<string, ParamValue> | Record<string, string> = values
  try {
    const result = await runPanel(engineDeps(ctx), {
      dashboard,
      loaded,
      values,
      readCache: await isScheduled(ctx, query.name),
    })
    rows = JSON.parse(result.rowsJson || '[]') as Row[]
    outcome = { fetchedAt: result.fetchedAt, fromCache: result.fromCache, notices: result.notices }
    shown = result.values
  } catch (thrown) {
    // The panel's own failure, coded, in its frame; the other panels are other requests.
    const { error, message } = answerFailure(thrown, request, reply)
    outcome = { error: `${message} (${error.code})` }
  }
  const jiraSite = datasource.type === 'rest' ? datasource.preset?.site?.url : undefined
  const template = panelTemplate(panel, query)
  const nonce = randomBytes(16).toString('base64url')
  const html = await renderViewPage({
    query: query.name,
    title: panelTitle(panel, query),
    params: [],
    values: shown,
    rows,
    columns: columnsOf(rows),
    ...outcome,
    ...(template === undefined ? {} : { template }),
    now: ctx.now(),
    nonce,
    embed: true,
    ...(jiraSite === undefined ? {} : { jiraSite }),
    urls: { self: '', refresh: '', downloads: [] },
    assets: VIEW_ASSETS,
    describeError: describe,
    sandbox: ctx.converters,
    templates: velocityLibrary(ctx.store),
  })
  const view = {
    query: query.name,
    dashboard: dashboard.name,
    user: '',
    visibility: query.visibility,
    params: [],
    ...wholePage(html),
    contentSecurityPolicy: await pageSecurityPolicy(ctx, nonce),
  }
  // Kept while its result is (the view's rule), for this person only: their rows, their values.
  const ttl = query.cacheTtlSeconds ?? 0
  if (outcome.error === undefined && outcome.fetchedAt !== undefined && ttl > 0)
    ctx.views.set(key, view, outcome.fetchedAt.getTime() + ttl * 1000, ctx.now().getTime())
  return sendView(request, reply, view)
}

/** A dashboard or panel that cannot be shown at all: its HTML error page, as a view's (a panel is framed). */
function errorPage(thrown: unknown, request: FastifyRequest, reply: FastifyReply, ctx: ServerContext) {
  const params = request.params as { dashboard?: string; panel?: string }
  return htmlErrorPage(thrown, request, reply, ctx, {
    name: params.dashboard ?? '',
    embed: params.panel !== undefined,
  })
}

/**
 * Fetches a panel's rows again, bypassing the cache; a visitor's press at most once per cool-down
 * per query (the view's rule). A failure shows when the panel loads again.
 */
async function refreshPanel(
  ctx: ServerContext,
  principal: Principal | undefined,
  dashboard: Dashboard,
  panel: Panel,
  given: Record<string, string>,
): Promise<void> {
  let run: Awaited<ReturnType<typeof panelRun>>
  try {
    run = await panelRun(ctx, principal, dashboard, panel, given)
  } catch (error) {
    if (error instanceof QuarryError) return
    throw error
  }
  if (isVisitor(principal, run.loaded.query) && !(await refreshCooledDown(ctx, run.loaded.query.name))) return
  ctx.views.forget(run.loaded.query.name)
  try {
    await runPanel(engineDeps(ctx), { dashboard, ...run, refresh: true })
  } catch (error) {
    if (!(error instanceof QuarryError)) throw error
  }
}

export const dashboardRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/dashboards',
    operationId: 'listDashboards',
    reply: json(DashboardListReply),
    access: 'signed-in',
    tag: 'dashboards',
    summary: 'The dashboards shown to the caller, each with its title, panel count and address.',
    handler: async (request, _reply, ctx) => {
      const principal = principalOf(request)
      const all = (await ctx.store.dashboards.list()).map(dashboardOfRow)
      return all.filter((dashboard) => canSeeQuery(principal, dashboard)).map(dashboardSummary)
    },
  },
  {
    method: 'GET',
    url: '/api/dashboards/:name',
    operationId: 'getDashboard',
    reply: json(DashboardReply),
    access: 'signed-in',
    tag: 'dashboards',
    summary: 'One dashboard: its parameters, panels (query, template, place on the grid) and visibility.',
    handler: async (request, _reply, ctx) =>
      visibleDashboard(ctx, param(request, 'name'), principalOf(request)),
  },
  {
    method: 'POST',
    url: '/api/dashboards',
    operationId: 'createDashboard',
    reply: json(DashboardReply, 201),
    access: 'editor',
    tag: 'dashboards',
    summary: 'Creates a dashboard; every panel must name a stored query.',
    body: DashboardSchema,
    handler: async (request, reply, ctx) => {
      const dashboard = parseBody(DashboardSchema, request.body)
      await checkPanels(ctx, dashboard, principalOf(request))
      const saved = await ctx.store.dashboards.create(dashboardRowOf(dashboard))
      reply.status(201)
      return dashboardOfRow(saved)
    },
  },
  {
    method: 'PUT',
    url: '/api/dashboards/:name',
    operationId: 'updateDashboard',
    reply: json(DashboardReply),
    access: 'editor',
    tag: 'dashboards',
    summary: 'Replaces a dashboard (a different `name` renames it).',
    body: DashboardSchema,
    handler: async (request, _reply, ctx) => {
      const dashboard = parseBody(DashboardSchema, request.body)
      await checkPanels(ctx, dashboard, principalOf(request))
      const { name, definition } = dashboardRowOf(dashboard)
      const saved = await ctx.store.dashboards.update(param(request, 'name'), { name, definition })
      // Its pages and panels in this process, under the old name and the new (other servers: ≤ 2 s).
      ctx.views.forgetDashboard(param(request, 'name'))
      ctx.views.forgetDashboard(name)
      return dashboardOfRow(saved)
    },
  },
  {
    method: 'DELETE',
    url: '/api/dashboards/:name',
    operationId: 'deleteDashboard',
    reply: NO_CONTENT,
    access: 'editor',
    tag: 'dashboards',
    summary: 'Removes a dashboard (its queries stay).',
    handler: async (request, reply, ctx) => {
      await ctx.store.dashboards.remove(param(request, 'name'))
      ctx.views.forgetDashboard(param(request, 'name'))
      reply.status(204)
      return null
    },
  },
  {
    method: 'GET',
    url: '/d/:dashboard',
    operationId: 'viewDashboard',
    reply: text('text/html', 'The dashboard page, or only its grid with `?embed=1`.'),
    access: 'public',
    tag: 'views',
    summary:
      'A dashboard: its parameter bar (values from the URL), Refresh, and its panels, each loaded on its own (`?embed=1`: the grid only, for iframes).',
    handler: page,
    errorPage,
  },
  {
    method: 'GET',
    url: '/d/:dashboard/panel/:panel',
    operationId: 'viewDashboardPanel',
    reply: text('text/html', "The panel's document: its rows through its template, or its coded error."),
    access: 'public',
    tag: 'views',
    summary: "One panel of a dashboard, run with the dashboard's parameters from the URL.",
    handler: panelPage,
    errorPage,
  },
  {
    method: 'POST',
    url: '/d/:dashboard/refresh',
    operationId: 'refreshDashboard',
    reply: redirect('Back to the dashboard, its parameters kept.', 303),
    access: 'public',
    tag: 'views',
    summary: "Fetches every panel's rows again (bypassing the cache) and returns to the dashboard.",
    rateLimit: 'refresh',
    errorPage,
    handler: async (request, reply, ctx) => {
      const dashboard = await pageDashboard(request, reply, ctx)
      if (dashboard === undefined) return reply
      const given = viewParams(request)
      for (const panel of dashboard.panels)
        await refreshPanel(ctx, request.principal, dashboard, panel, given)
      return reply.redirect(`/d/${encodeURIComponent(dashboard.name)}${queryString(given)}`, 303)
    },
  },
  {
    method: 'POST',
    url: '/d/:dashboard/panel/:panel/refresh',
    operationId: 'refreshDashboardPanel',
    reply: redirect("Back to the panel's document, its parameters kept.", 303),
    access: 'public',
    tag: 'views',
    summary: "Fetches one panel's rows again (bypassing the cache) and returns to the panel.",
    rateLimit: 'refresh',
    errorPage,
    handler: async (request, reply, ctx) => {
      const dashboard = await pageDashboard(request, reply, ctx)
      if (dashboard === undefined) return reply
      const id = param(request, 'panel')
      const panel = panelOf(dashboard, id)
      if (panel === undefined) throw panelNotFound(dashboard.name, id)
      const given = viewParams(request)
      await refreshPanel(ctx, request.principal, dashboard, panel, given)
      const target = `/d/${encodeURIComponent(dashboard.name)}/panel/${encodeURIComponent(panel.id)}`
      return reply.redirect(`${target}${queryString({ ...given, embed: '1' })}`, 303)
    },
  },
  {
    method: 'GET',
    url: DASHBOARD_STYLESHEET_URL,
    operationId: 'getDashboardStylesheet',
    reply: text('text/css', 'The stylesheet.'),
    access: 'public',
    tag: 'views',
    summary: "The dashboards' grid stylesheet.",
    handler: async (_request, reply) =>
      reply
        .type('text/css; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .header('x-content-type-options', 'nosniff')
        .send(DASHBOARD_STYLESHEET),
  },
]
