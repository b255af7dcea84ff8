import { randomBytes } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import type { StoredUser } from '../../store/index.js'
import { SESSION_COOKIE, type ServerContext } from '../context.js'

export interface SessionView {
  readonly user: { readonly name: string; readonly role: string; readonly groups: readonly string[] }
  readonly csrfToken: string
}

export function sessionView(user: StoredUser, csrfToken: string): SessionView {
  return { user: { name: user.name, role: user.role, groups: user.groups }, csrfToken }
}

/**
 * Starts a session: a random id in an HttpOnly, SameSite=Lax cookie (Lax, not Strict, so that the
 * OAuth provider's redirect back to the callback still carries it), Secure whenever the server is
 * reached over https; only the id's digest is stored.
 */
export async function startSession(
  ctx: ServerContext,
  reply: FastifyReply,
  user: StoredUser,
): Promise<SessionView> {
  const id = randomBytes(32).toString('base64url')
  const csrfToken = randomBytes(32).toString('base64url')
  const now = ctx.now()
  const expires = new Date(now.getTime() + ctx.options.sessionTtlMs)
  await ctx.store.sessions.create(id, user.name, csrfToken, now, expires)
  reply.setCookie(SESSION_COOKIE, id, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.options.publicUrl.startsWith('https:'),
    expires,
  })
  return sessionView(user, csrfToken)
}

export function endSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' })
}
