import { followRuns } from '../schedule/index.js'
import fastifyCookie from '@fastify/cookie'
import fastifyStatic from '@fastify/static'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { QuarryError } from '../domain/errors.js'
import { actingAs, unattributedActor } from '../store/index.js'
import { AccessLog, logRequestAborted } from './access-log.js'
import { actorOf } from './auth/access.js'
import { authenticate, requireCsrfToken } from './auth/authenticate.js'
import type { ServerContext } from './context.js'
import { errorReply } from './error-handler.js'
import { metricsOf } from './metrics.js'
import { rateLimit } from './rate-limits.js'
import type { RouteDef } from './route.js'
import { alertRoutes, checkOptions } from './routes/alert-routes.js'
import { auditRoutes } from './routes/audit-routes.js'
import { dashboardRoutes } from './routes/dashboard-routes.js'
import { connectionRoutes } from './routes/connection-routes.js'
import { datasourceRoutes } from './routes/datasource-routes.js'
import { libraryRoutes } from './routes/library-routes.js'
import { previewRoutes } from './routes/preview-routes.js'
import { queryRoutes } from './routes/query-routes.js'
import { snapshotRoutes } from './routes/snapshot-routes.js'
import { scheduleRoutes } from './routes/schedule-routes.js'
import { sessionRoutes } from './routes/session-routes.js'
import { settingsRoutes } from './routes/settings-routes.js'
import { siteRoutes, webDir } from './routes/site-routes.js'
import { subscriptionRoutes } from './routes/subscription-routes.js'
import { unsubscribeRoutes } from './routes/unsubscribe-routes.js'
import { userRoutes } from './routes/user-routes.js'
import { transferRoutes } from './routes/transfer-routes.js'
import { viewRoutes } from './routes/view-routes.js'

/** Every route of the server, in one table (the OpenAPI document and the authorization test read it). */
export const ROUTES: readonly RouteDef[] = [
  ...sessionRoutes,
  ...datasourceRoutes,
  ...connectionRoutes,
  ...queryRoutes,
  ...snapshotRoutes,
  ...libraryRoutes,
  ...alertRoutes,
  ...scheduleRoutes,
  ...previewRoutes,
  ...userRoutes,
  ...transferRoutes,
  ...settingsRoutes,
  ...auditRoutes,
  ...subscriptionRoutes,
  ...unsubscribeRoutes,
  ...viewRoutes,
  ...dashboardRoutes,
  // The document at /api/docs describes this very table, itself included.
  ...siteRoutes(() => ROUTES),
]

const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

/** Fastify's trustProxy: the nearest `hops` proxies (proxy-addr's hop count), or these addresses and CIDRs. */
function trustedProxies(
  trust: number | readonly string[],
): string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return [...trust]
  return (_address, hop) => hop < trust
}

function isViewRoute(request: FastifyRequest): boolean {
  return request.routeOptions.url?.startsWith('/v/') === true
}

/** RFC 8058's one-click unsubscribe posts the form `List-Unsubscribe=One-Click`. */
function takesForm(request: FastifyRequest): boolean {
  return isViewRoute(request) || request.routeOptions.url === '/unsubscribe'
}

function unsupportedMediaType(request: FastifyRequest): QuarryError {
  return new QuarryError(
    'QUARRY_MEDIA_TYPE',
    isViewRoute(request)
      ? 'This route takes a form (content-type: application/x-www-form-urlencoded) or JSON (application/json).'
      : 'This route takes JSON (content-type: application/json).',
  )
}

export interface BuildOptions {
  /** pino options, or false for no logs (tests). */
  readonly logger?: boolean | object
}

/**
 * Every failure, an unknown address included, answered by the one error handler (error-handler.ts).
 *
 * @example const app = Fastify(); answerErrors(app) // then app.get(…)
 */
export function answerErrors(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => reply.send(errorReply(error, request, reply)))
  app.setNotFoundHandler((request, reply) => {
    const missing = new QuarryError('QUARRY_NOT_FOUND', `Nothing at ${request.method} ${request.url}.`)
    return reply.send(errorReply(missing, request, reply))
  })
}

/**
 * The Fastify app: API, OAuth callback, views, admin UI. Logs are structured (pino) with every
 * credential-bearing header redacted.
 */
export async function buildServer(ctx: ServerContext, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : {
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'req.headers["x-csrf-token"]',
                'res.headers["set-cookie"]',
              ],
              censor: '[redacted]',
            },
            // Paths without their query strings: those carry OAuth codes and states, the setup token,
            // and whatever parameters a view was opened with.
            serializers: {
              req: (request: { method: string; url: string; hostname?: string; ip?: string }) => ({
                method: request.method,
                url: request.url.split('?')[0],
                hostname: request.hostname,
                remoteAddress: request.ip,
              }),
            },
            ...(typeof options.logger === 'object' ? options.logger : {}),
          },
    // One line per answered request (access-log.ts), not Fastify's two.
    ...(options.logger === false ? {} : { logController: new AccessLog() }),
    // The OAuth callback's query must be read as sent; ids in paths are names, not numbers.
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 8 * 1024 * 1024,
    // Close idle keep-alive sockets on close(); in-flight requests still finish.
    forceCloseConnections: 'idle',
    // request.ip: the socket's address, or what trusted proxies say it is (rate limits key on it).
    ...(ctx.options.trustProxy === undefined
      ? {}
      : {
          trustProxy: trustedProxies(ctx.options.trustProxy),
        }),
  })
  await app.register(fastifyCookie)
  answerErrors(app)
  const metrics = metricsOf(ctx)
  app.addHook('onResponse', metrics.onResponse)
  if (options.logger !== false) app.addHook('onRequestAbort', logRequestAborted)
  const stopCounting = ctx.converters.observe(metrics)
  // A scheduled run refreshed a query's result: this process's rendered views of it are stale.
  const stopForgetting = ctx.scheduler.onRun(({ query }) => ctx.views.forget(query))
  // Snapshots and alert checks of each scheduled run this process makes (issue 16); notices are
  // delivered in the background.
  const stopFollowing = followRuns(ctx.scheduler, ctx.store, { alerts: checkOptions(ctx) })
  app.addHook('onClose', async () => {
    stopCounting()
    stopForgetting()
    stopFollowing()
  })
  app.addHook('onRequest', authenticate(ctx))
  app.addHook('preHandler', requireCsrfToken(ctx))
  // Plain HTML forms (a view's Refresh button) post url-encoded fields — to views only: the API takes
  // JSON, which another site cannot send without CORS letting it.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (request, body, done) => {
      if (!takesForm(request)) {
        done(unsupportedMediaType(request), undefined)
        return
      }
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    },
  )
  // Any other type — text/plain included, which Fastify would hand to the route as a string for its
  // body check to refuse with a 400 — is refused like a form is: 415 (issue 11).
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined)
    else done(unsupportedMediaType(request), undefined)
  })

  // A visitor acts as `system`. Where the store records what a task acting as no one changes as
  // `system` too (a server's store: serve-run.ts, `quarry demo`), a visitor's request runs outside
  // actingAs: its AsyncLocalStorage frame was ~1.3 µs of a cached public view's ~16 µs of server
  // CPU (bench/RESULTS.md, "Server: views"). A store opened as someone else keeps the frame.
  const visitorsUnattributed = unattributedActor(ctx.store)?.type === 'system'
  for (const route of ROUTES) {
    const { errorPage } = route
    app.route({
      method: route.method,
      url: route.url,
      config: { access: route.access },
      // After the CSRF check (the app's preHandler runs first); routes without a limit skip the hook.
      ...(route.rateLimit === undefined ? {} : { preHandler: rateLimit(ctx, route.rateLimit) }),
      // Every change a request makes is recorded as its caller's (issue 19: the audit log); a
      // visitor's outside actingAs where that records it as `system` too (visitorsUnattributed).
      handler: (request, reply) =>
        request.principal === undefined && visitorsUnattributed
          ? route.handler(request, reply, ctx)
          : actingAs(actorOf(request.principal), () => route.handler(request, reply, ctx)),
      ...(errorPage === undefined
        ? {}
        : { errorHandler: (error, request, reply) => errorPage(error, request, reply, ctx) }),
    })
  }

  // The admin UI: its own scripts only; styles may be inline (CodeMirror injects them); never framed.
  // (A callback hook: every answer passes it, and an async one costs each a promise.)
  app.addHook('onSend', (request, reply, _payload, done) => {
    if (request.url.startsWith('/admin') && !reply.hasHeader('content-security-policy')) {
      reply.header('content-security-policy', ADMIN_CSP)
      reply.header('x-content-type-options', 'nosniff')
    }
    done()
  })
  // reply.sendFile for the admin UI's routes (site-routes.ts); the files are served by those routes,
  // so every path the server answers is in ROUTES.
  const web = webDir()
  if (web !== undefined) await app.register(fastifyStatic, { root: web, serve: false })
  return app
}
