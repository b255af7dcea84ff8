import { z } from 'zod'
import { QuarryError } from '../../domain/errors.js'
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../auth/password.js'
import { endSessionCookie, sessionView, startSession } from '../auth/sessions.js'
import { forgetSessions } from '../auth/session-cache.js'
import { SESSION_COOKIE } from '../context.js'
import { parseBody, principalOf, type RouteDef } from '../route.js'
import { json, NO_CONTENT, SessionReply, SetupStateReply } from '../replies.js'

export const UserNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, 'names are 1–64 letters, digits, "_", ".", "@" or "-"')
export const PasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `passwords have at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(1024)

const SetupBody = z.object({ token: z.string().min(1), name: UserNameSchema, password: PasswordSchema })
const LoginBody = z.object({ name: z.string().min(1), password: z.string().min(1).max(1024) })
const PasswordChangeBody = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: PasswordSchema,
})

/** A hash to compare against when the user does not exist, so a wrong name costs as long as a wrong password. */
let decoy: Promise<string> | undefined

/** First-run setup, sign-in, sign-out and changing one's own password. */
export const sessionRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/setup',
    operationId: 'getSetupState',
    reply: json(SetupStateReply),
    access: 'public',
    tag: 'session',
    summary: 'Whether first-run setup (creating the admin) is still to be done.',
    handler: async (_request, _reply, ctx) => ({ required: (await ctx.store.accounts.countUsers()) === 0 }),
  },
  {
    method: 'POST',
    url: '/api/setup',
    operationId: 'completeSetup',
    reply: json(SessionReply, 201),
    access: 'public',
    tag: 'session',
    summary: 'Creates the first admin with the one-time setup token printed at first start; signs them in.',
    body: SetupBody,
    rateLimit: 'sign-in',
    handler: async (request, reply, ctx) => {
      const body = parseBody(SetupBody, request.body)
      if (
        (await ctx.store.accounts.countUsers()) > 0 ||
        !(await ctx.store.accounts.takeSetupToken(body.token))
      ) {
        throw new QuarryError(
          'QUARRY_SETUP',
          'This setup link is not valid (setup is done already, or the token is wrong). Sign in instead, or restart `quarry serve` for a new link if no admin exists.',
        )
      }
      const user = await ctx.store.accounts.createUser({
        name: body.name,
        passwordHash: await hashPassword(body.password),
        role: 'admin',
        groups: [],
      })
      reply.status(201)
      return startSession(ctx, reply, user)
    },
  },
  {
    method: 'GET',
    url: '/api/session',
    operationId: 'getSession',
    reply: json(SessionReply),
    access: 'signed-in',
    tag: 'session',
    summary: 'The signed-in user and the CSRF token state-changing requests must send.',
    handler: async (request) => {
      const principal = principalOf(request)
      return sessionView(principal.user, principal.session?.csrfToken ?? '')
    },
  },
  {
    method: 'POST',
    url: '/api/session',
    operationId: 'signIn',
    reply: json(SessionReply),
    access: 'public',
    tag: 'session',
    summary: 'Signs in with name and password (rate-limited per client address).',
    body: LoginBody,
    rateLimit: 'sign-in',
    handler: async (request, reply, ctx) => {
      const body = parseBody(LoginBody, request.body)
      const user = await ctx.store.accounts.getUser(body.name)
      const ok = await verifyPassword(
        body.password,
        user?.passwordHash ?? (await (decoy ??= hashPassword('not a password of anyone'))),
      )
      if (!user || !ok) throw new QuarryError('QUARRY_LOGIN_FAILED', 'The name or password is wrong.')
      return startSession(ctx, reply, user)
    },
  },
  {
    method: 'PUT',
    url: '/api/session/password',
    operationId: 'changePassword',
    reply: json(SessionReply),
    access: 'signed-in',
    tag: 'session',
    summary:
      "Changes the signed-in user's own password (the current one is needed; rate-limited like sign-in). Ends all their sessions and revokes their API tokens, then signs this browser in again: the answer is the new session.",
    body: PasswordChangeBody,
    rateLimit: 'sign-in',
    handler: async (request, reply, ctx) => {
      const principal = principalOf(request)
      // A script's API token cannot change the password: the change revokes that very token, and a
      // browser session (with its CSRF token) is what proves a person is at the keyboard.
      if (principal.via !== 'session') {
        throw new QuarryError(
          'QUARRY_FORBIDDEN',
          'Change a password from a signed-in browser (the admin UI’s Account page), not with an API token.',
        )
      }
      const body = parseBody(PasswordChangeBody, request.body)
      if (!(await verifyPassword(body.currentPassword, principal.user.passwordHash))) {
        throw new QuarryError(
          'QUARRY_PASSWORD_WRONG',
          'The current password is wrong; the password is unchanged.',
        )
      }
      // The store ends every session and API token of the user with a new password (someone who
      // learnt the old one is out); this browser gets a fresh session, so the person stays signed in.
      const user = await ctx.store.accounts.updateUser(principal.user.name, {
        passwordHash: await hashPassword(body.newPassword),
      })
      forgetSessions(ctx.store)
      return startSession(ctx, reply, user)
    },
  },
  {
    method: 'DELETE',
    url: '/api/session',
    operationId: 'signOut',
    reply: NO_CONTENT,
    access: 'signed-in',
    tag: 'session',
    summary: 'Signs out: the session ends on every server sharing the store.',
    handler: async (request, reply, ctx) => {
      const id = request.cookies[SESSION_COOKIE]
      if (id) await ctx.store.sessions.remove(id)
      // Signed out on this server at once; on another one within SESSION_REVALIDATE_MS.
      forgetSessions(ctx.store)
      endSessionCookie(reply)
      reply.status(204)
      return null
    },
  },
]
