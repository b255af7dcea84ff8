import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { QuarryError } from '../../domain/errors.js'
import type { StoredSession } from '../../store/index.js'
import { SESSION_COOKIE, type ServerContext } from '../context.js'
import { readSession, recentSession } from './session-cache.js'
import { allows, narrowerRole, SCOPE_ROLE, type Access, type Principal } from './access.js'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
/** API tokens start with this, so a leaked one is recognisable (and greppable by secret scanners). */
export const API_TOKEN_PREFIX = 'qk_'

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/**
 * Who is asking: an API token (Authorization: Bearer qk_…) or the session cookie. Without a promise
 * when nobody is signed in or the session was read less than a second ago (the busy cases: a view).
 */
function identify(
  request: FastifyRequest,
  ctx: ServerContext,
): Principal | undefined | Promise<Principal | undefined> {
  const authorization = request.headers.authorization
  if (authorization?.startsWith(`Bearer ${API_TOKEN_PREFIX}`)) return tokenHolder(ctx, authorization)
  const id = request.cookies[SESSION_COOKIE]
  if (!id) return undefined
  const now = ctx.now()
  const recent = recentSession(ctx.store, id, now.getTime())
  if (recent !== undefined) return sessionPrincipal(recent)
  return readSession(ctx.store, id, now).then((session) =>
    session === undefined ? undefined : sessionPrincipal(session),
  )
}

function sessionPrincipal(session: StoredSession): Principal {
  return { user: session.user, via: 'session', session }
}

async function tokenHolder(ctx: ServerContext, authorization: string): Promise<Principal> {
  const now = ctx.now()
  const holder = await ctx.store.accounts.tokenHolder(authorization.slice('Bearer '.length), now)
  if (holder === undefined)
    throw new QuarryError('QUARRY_UNAUTHENTICATED', 'The API token is unknown or was revoked.')
  const { user, scope, expiresAt } = holder
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) {
    throw new QuarryError(
      'QUARRY_UNAUTHENTICATED',
      `The API token expired at ${expiresAt.toISOString()}; make a new one on the Tokens page.`,
    )
  }
  // The token acts within its scope: a run token of an admin is a viewer (access.ts Principal).
  const role = narrowerRole(user.role, SCOPE_ROLE[scope])
  return {
    user: role === user.role ? user : Object.freeze({ ...user, role }),
    via: 'token',
    tokenName: holder.tokenName,
    tokenExpiresAt: expiresAt,
  }
}

/**
 * The one gate every request passes (an onRequest hook): identifies the caller and applies the
 * route's access rule. A callback hook rather than an async one: most requests need no promise.
 */
export function authenticate(ctx: ServerContext) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    const { config, url } = request.routeOptions
    // A route without a rule is admin-only, except the admin UI's static files (its data comes from the API).
    const access: Access = config.access ?? (url?.startsWith('/admin/') ? 'public' : 'admin')
    let found: ReturnType<typeof identify>
    try {
      found = identify(request, ctx)
    } catch (error) {
      done(error as Error)
      return
    }
    if (found instanceof Promise) {
      found.then(
        (principal) => done(admitted(request, access, principal)),
        (error: unknown) => done(error as Error),
      )
    } else {
      done(admitted(request, access, found))
    }
  }
}

/** The refusal of a caller the route's rule does not admit, or undefined (the principal then set). */
function admitted(
  request: FastifyRequest,
  access: Access,
  principal: Principal | undefined,
): Error | undefined {
  if (principal !== undefined) request.principal = principal
  if (access === 'public') return undefined
  if (principal === undefined)
    return new QuarryError('QUARRY_UNAUTHENTICATED', 'Sign in first (or send an API token).')
  if (!allows(access, principal.user.role)) {
    return new QuarryError(
      'QUARRY_FORBIDDEN',
      `This needs the ${access} role; ${principal.user.name} is ${principal.user.role}.`,
    )
  }
  return undefined
}

/** The form field a plain HTML form (a view's Refresh button) carries the CSRF token in. */
export const CSRF_FIELD = '_csrf'

/**
 * For session-authenticated state changes, the session's CSRF token must come along, in the
 * `x-csrf-token` header (API, admin UI) or the `_csrf` form field (views): a synchronizer token —
 * another site can make the browser send the cookie, but cannot read the token. API-token requests
 * need none: browsers never add that header by themselves. A preHandler, so the form body is parsed.
 */
export function requireCsrfToken(ctx: ServerContext) {
  // A callback hook: a GET (a view) goes on without a promise.
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    try {
      checkSameSite(ctx, request)
    } catch (error) {
      done(error as Error)
      return
    }
    done()
  }
}

function checkSameSite(ctx: ServerContext, request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return
  // A browser names the page a request comes from; another site's page is refused outright — also
  // for requests without a session, such as signing in (login CSRF).
  const origin = request.headers.origin
  if (
    origin !== undefined &&
    origin !== originOf(ctx.options.publicUrl) &&
    origin !== `${request.protocol}://${request.headers.host}`
  ) {
    throw new QuarryError(
      'QUARRY_CSRF',
      `A request from ${origin} was refused: it is not this server's page.`,
    )
  }

  checkToken(request)
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}

function checkToken(request: FastifyRequest): void {
  const principal = request.principal
  if (principal?.via !== 'session') return
  const fromForm = (request.body as Record<string, unknown> | undefined)?.[CSRF_FIELD]
  const sent = request.headers['x-csrf-token'] ?? fromForm
  if (typeof sent !== 'string' || !sameSecret(sent, principal.session?.csrfToken ?? '')) {
    throw new QuarryError(
      'QUARRY_CSRF',
      'This request needs the x-csrf-token header from GET /api/session; reload the page and try again.',
    )
  }
}
