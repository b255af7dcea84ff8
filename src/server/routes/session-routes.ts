import { z } from 'zod'
import { QuarryError } from '../../domain/errors.js'
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../auth/password.js'
import { endSessionCookie, sessionView, startSession } from '../auth/sessions.js'
import { SESSION_COOKIE } from '../context.js'
import { parseBody, principalOf, type RouteDef } from '../route.js'

export const UserNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, 'names are 1–64 letters, digits, "_", ".", "@" or "-"')
export const PasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `passwords have at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(1024)

const SetupBody = z.object({ token: z.string().min(1), name: UserNameSchema, password: PasswordSchema })
const LoginBody = z.object({ name: z.string().min(1), password: z.string().min(1).max(1024) })

/** A hash to compare against when the user does not exist, so a wrong name costs as long as a wrong password. */
let decoy: Promise<string> | undefined

/** First-run setup, sign-in and sign-out. */
export const sessionRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/setup',
    access: 'public',
    tag: 'session',
    summary: 'Whether first-run setup (creating the admin) is still to be done.',
    handler: async (_request, _reply, ctx) => ({ required: (await ctx.store.accounts.countUsers()) === 0 }),
  },
  {
    method: 'POST',
    url: '/api/setup',
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
    method: 'DELETE',
    url: '/api/session',
    access: 'signed-in',
    tag: 'session',
    summary: 'Signs out: the session ends on every server sharing the store.',
    handler: async (request, reply, ctx) => {
      const id = request.cookies[SESSION_COOKIE]
      if (id) await ctx.store.sessions.remove(id)
      endSessionCookie(reply)
      reply.status(204)
      return null
    },
  },
]
