import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { ConverterPool } from '../convert/index.js'
import { closeSqlPools } from '../engine/index.js'
import { Scheduler, type SchedulerLog } from '../schedule/index.js'
import type { Store } from '../store/index.js'
import { buildServer } from './app.js'
import type { ServerContext, ServerOptions } from './context.js'
import { startKeepAlive, type KeepAliveJob } from './keep-alive-job.js'
import { engineDeps } from './routes/query-routes.js'
import { ViewCache } from './view-cache.js'

/** How stale a rendered view may be against a Refresh or an edit made through another server process. */
export const VIEW_REVALIDATE_MS = 2000

export interface RunningServer {
  readonly app: FastifyInstance
  readonly url: string
  /** The first-run link, when no user exists yet. */
  readonly setupUrl: string | undefined
  readonly keepAlive: KeepAliveJob
  readonly scheduler: Scheduler
  /** Graceful: stops taking requests, lets in-flight ones finish, then closes the converters. */
  close(): Promise<void>
}

export interface StartOptions extends Partial<ServerOptions> {
  readonly host: string
  readonly port: number
  readonly logger?: boolean | object
  readonly keepAliveIntervalMs?: number
  /** How often due schedules are looked for (default 200 ms). */
  readonly scheduleTickMs?: number
  /** Scheduled runs at a time in this process (default 16). */
  readonly scheduleConcurrency?: number
}

/**
 * Starts `quarry serve` on an open store. On a store without users it creates a one-time setup
 * token (only its digest is stored) and answers the link that creates the admin.
 */
export async function startServer(store: Store, options: StartOptions): Promise<RunningServer> {
  const converters = new ConverterPool()
  let publicUrl = options.publicUrl
  // The app's logger exists once the app does; the scheduler logs only after it starts, below.
  const logs: { to?: SchedulerLog } = {}
  // Made again only when the public URL is known (after listening): views read it on every request.
  let built: ServerOptions | undefined
  const ctx: ServerContext = {
    store,
    converters,
    views: new ViewCache({ revalidateMs: VIEW_REVALIDATE_MS }),
    get options(): ServerOptions {
      if (built !== undefined && built.publicUrl === (publicUrl ?? '')) return built
      return (built = {
        publicUrl: publicUrl ?? '',
        frameAncestors: options.frameAncestors ?? [],
        sessionTtlMs: options.sessionTtlMs ?? 12 * 3600_000,
        loginAttemptsPerMinute: options.loginAttemptsPerMinute ?? 10,
        refreshesPerMinute: options.refreshesPerMinute ?? 10,
        apiRunsPerMinute: options.apiRunsPerMinute ?? 120,
        refreshCooldownSeconds: options.refreshCooldownSeconds ?? 60,
        ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
        ...(options.atlassian ? { atlassian: options.atlassian } : {}),
      })
    },
    now: () => new Date(),
    scheduler: new Scheduler({
      deps: () => engineDeps(ctx),
      ...(options.scheduleTickMs === undefined ? {} : { tickMs: options.scheduleTickMs }),
      ...(options.scheduleConcurrency === undefined ? {} : { concurrency: options.scheduleConcurrency }),
      log: {
        warn: (details, message) => logs.to?.warn(details, message),
        error: (details, message) => logs.to?.error(details, message),
      },
    }),
  }
  const app = await buildServer(ctx, { logger: options.logger ?? true })
  logs.to = app.log
  await app.listen({ host: options.host, port: options.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const host = options.host.includes(':')
    ? `[${options.host}]`
    : options.host === '0.0.0.0'
      ? 'localhost'
      : options.host
  const url = `http://${host}:${port}`
  publicUrl ??= url
  let setupUrl: string | undefined
  if ((await store.accounts.countUsers()) === 0) {
    const token = randomBytes(24).toString('base64url')
    await store.accounts.setSetupToken(token)
    setupUrl = `${publicUrl}/admin/setup?token=${token}`
  }
  const keepAlive = startKeepAlive(store, app.log, { intervalMs: options.keepAliveIntervalMs ?? 3600_000 })
  ctx.scheduler.start()
  return {
    app,
    url: publicUrl,
    setupUrl,
    keepAlive,
    scheduler: ctx.scheduler,
    async close() {
      await keepAlive.stop()
      await ctx.scheduler.stop()
      // close() stops accepting and closes the idle keep-alive sockets it finds; a socket whose request
      // was still running becomes idle later and would hold close() until the client lets go.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50)
      try {
        await app.close()
      } finally {
        clearInterval(sweep)
      }
      await converters.close()
      await closeSqlPools()
    },
  }
}
