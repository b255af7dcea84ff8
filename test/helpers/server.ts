import { randomBytes } from 'node:crypto'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { hashPassword } from '../../src/server/auth/password.js'
import { buildServer } from '../../src/server/app.js'
import { SESSION_COOKIE, type ServerContext, type ServerOptions } from '../../src/server/context.js'
import { ViewCache } from '../../src/server/view-cache.js'
import { engineDeps } from '../../src/server/routes/query-routes.js'
import { Scheduler } from '../../src/schedule/index.js'
import type { Role } from '../../src/store/index.js'
import { startTestEngine, type TestEngine } from './engine.js'

export const TEST_PASSWORD = 'correct horse battery'
let passwordHash: Promise<string> | undefined

/** A signed-in browser: its cookie and CSRF token. */
export interface Browser {
  readonly name: string
  readonly cookie: string
  readonly csrf: string
}

export interface TestServer {
  readonly app: FastifyInstance
  readonly ctx: ServerContext
  readonly engine: TestEngine
  /** Adds a user (password TEST_PASSWORD) and a session for them, without the login route. */
  signIn(name: string, role: Role, groups?: string[]): Promise<Browser>
  /** app.inject with the browser's cookie and, for state changes, its CSRF token. */
  as(browser: Browser | undefined, options: InjectOptions): Promise<LightMyRequestResponse>
  close(): Promise<void>
}

/** The server app over a fresh store (SQLite, or the PostgreSQL URL given), driven with inject(). */
export async function startTestServer(
  options: Partial<ServerOptions> = {},
  target: Parameters<typeof startTestEngine>[1] = {},
): Promise<TestServer> {
  const engine = await startTestEngine({}, target)
  const ctx: ServerContext = {
    store: engine.store,
    converters: engine.converters,
    views: new ViewCache({ revalidateMs: 2000 }),
    options: {
      publicUrl: 'http://quarry.test',
      frameAncestors: [],
      sessionTtlMs: 3600_000,
      loginAttemptsPerMinute: 1000,
      refreshesPerMinute: 1000,
      apiRunsPerMinute: 1000,
      refreshCooldownSeconds: 0,
      ...options,
    },
    now: () => new Date(),
    // Not started: a test ticks it (scheduler.tick(), then idle()) when it means to.
    scheduler: new Scheduler({ deps: () => engineDeps(ctx) }),
  }
  const app = await buildServer(ctx, { logger: false })
  await app.ready()
  return {
    app,
    ctx,
    engine,
    async signIn(name, role, groups = []) {
      passwordHash ??= hashPassword(TEST_PASSWORD)
      if (!(await engine.store.accounts.getUser(name)))
        await engine.store.accounts.createUser({ name, role, groups, passwordHash: await passwordHash })
      const id = randomBytes(16).toString('base64url')
      const csrf = randomBytes(16).toString('base64url')
      await engine.store.sessions.create(id, name, csrf, new Date(), new Date(Date.now() + 3600_000))
      return { name, cookie: `${SESSION_COOKIE}=${id}`, csrf }
    },
    as(browser, request) {
      const safe = ['GET', 'HEAD', undefined].includes(request.method as string | undefined)
      return app.inject({
        ...request,
        headers: {
          ...(browser ? { cookie: browser.cookie } : {}),
          ...(browser && !safe ? { 'x-csrf-token': browser.csrf } : {}),
          ...request.headers,
        },
      })
    },
    async close() {
      await ctx.scheduler.stop()
      await app.close()
      await engine.close()
    },
  }
}
