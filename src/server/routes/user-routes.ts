import { randomBytes, randomUUID } from 'node:crypto'
import { z } from 'zod'
import { QuarryError } from '../../domain/errors.js'
import type { ApiTokenView } from '../../domain/token-scope.js'
import type { ApiTokenInfo, StoredUser, TokenScope } from '../../store/index.js'
import { narrowerRole, SCOPE_ROLE, TOKEN_SCOPES, type Principal } from '../auth/access.js'
import { API_TOKEN_PREFIX } from '../auth/authenticate.js'
import { hashPassword } from '../auth/password.js'
import { forgetSessions } from '../auth/session-cache.js'
import type { ServerContext } from '../context.js'
import { param, parseBody, principalOf, type RouteDef } from '../route.js'
import {
  ApiTokenListReply,
  json,
  NewApiTokenReply,
  NO_CONTENT,
  UserListReply,
  UserReply,
} from '../replies.js'
import { PasswordSchema, UserNameSchema } from './session-routes.js'

const RoleSchema = z.enum(['admin', 'editor', 'viewer'])
const Groups = z.array(z.string().min(1).max(64)).default([])
/** What a query reads as :@user.email (issue 15); null (or "") clears it. */
const Email = z
  .union([z.literal('').transform(() => null), z.email({ error: 'must be an email address' }).max(254)])
  .nullable()
const NewUserBody = z.object({
  name: UserNameSchema,
  password: PasswordSchema,
  role: RoleSchema,
  groups: Groups,
  email: Email.optional(),
})
const UserPatchBody = z.object({
  role: RoleSchema.optional(),
  groups: z.array(z.string().min(1).max(64)).optional(),
  password: PasswordSchema.optional(),
  email: Email.optional(),
})
const NewTokenBody = z.object({
  name: z.string().min(1).max(100),
  /** run: view and run queries; edit: also write queries; admin: all the user may do. */
  scope: z.enum(TOKEN_SCOPES).default('run'),
  /** Whole days from now; absent: the token lasts until revoked. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
})
const DAY_MS = 86_400_000

function tokenView(token: ApiTokenInfo): ApiTokenView {
  return {
    id: token.id,
    name: token.name,
    scope: token.scope,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt?.toISOString() ?? null,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
  }
}

/**
 * A token may do at most what the request making it may: its user's role, narrowed by the scope of
 * the token that asks (a token cannot mint a wider one), and it cannot outlive that token.
 */
function checkTokenGrant(principal: Principal, scope: TokenScope, expiresAt: Date | null): void {
  const role = principal.user.role
  if (narrowerRole(role, SCOPE_ROLE[scope]) !== SCOPE_ROLE[scope]) {
    const widest = TOKEN_SCOPES.filter((s) => narrowerRole(role, SCOPE_ROLE[s]) === SCOPE_ROLE[s]).at(-1)
    throw new QuarryError(
      'QUARRY_FORBIDDEN',
      `A token with scope "${scope}" needs more than ${principal.via === 'token' ? 'this token allows' : `the ${role} role`}; the widest you can make is "${widest}".`,
    )
  }
  const limit = principal.tokenExpiresAt
  if (limit != null && (expiresAt === null || expiresAt.getTime() > limit.getTime())) {
    throw new QuarryError(
      'QUARRY_FORBIDDEN',
      `This token expires at ${limit.toISOString()}; a token it makes must expire by then (set expiresInDays).`,
    )
  }
}

function userView(user: StoredUser) {
  return {
    name: user.name,
    role: user.role,
    groups: user.groups,
    email: user.email,
    createdAt: user.createdAt.toISOString(),
  }
}

/** Users (admins) and API tokens (each user their own). */
export const userRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/users',
    operationId: 'listUsers',
    reply: json(UserListReply),
    access: 'admin',
    tag: 'users',
    summary: 'All users.',
    handler: async (_request, _reply, ctx) => (await ctx.store.accounts.listUsers()).map(userView),
  },
  {
    method: 'POST',
    url: '/api/users',
    operationId: 'createUser',
    reply: json(UserReply, 201),
    access: 'admin',
    tag: 'users',
    summary: 'Adds a user with a role, groups and (optionally) an email address.',
    body: NewUserBody,
    handler: async (request, reply, ctx) => {
      const body = parseBody(NewUserBody, request.body)
      const user = await ctx.store.accounts.createUser({
        name: body.name,
        passwordHash: await hashPassword(body.password),
        role: body.role,
        groups: body.groups,
        email: body.email ?? null,
      })
      reply.status(201)
      return userView(user)
    },
  },
  {
    method: 'PUT',
    url: '/api/users/:name',
    operationId: 'updateUser',
    reply: json(UserReply),
    access: 'admin',
    tag: 'users',
    summary: "Changes a user's role, groups, email or password.",
    body: UserPatchBody,
    handler: async (request, _reply, ctx) => {
      const body = parseBody(UserPatchBody, request.body)
      const name = param(request, 'name')
      if (body.role !== undefined && body.role !== 'admin') await keepAnAdmin(ctx, name)
      const user = await ctx.store.accounts.updateUser(name, {
        ...(body.role === undefined ? {} : { role: body.role }),
        ...(body.groups === undefined ? {} : { groups: body.groups }),
        ...(body.email === undefined ? {} : { email: body.email }),
        ...(body.password === undefined ? {} : { passwordHash: await hashPassword(body.password) }),
      })
      // Their sessions here carry the old role and groups (or end, with a new password): read again.
      forgetSessions(ctx.store)
      return userView(user)
    },
  },
  {
    method: 'DELETE',
    url: '/api/users/:name',
    operationId: 'deleteUser',
    reply: NO_CONTENT,
    access: 'admin',
    tag: 'users',
    summary: 'Removes a user, their sessions and API tokens.',
    handler: async (request, reply, ctx) => {
      const name = param(request, 'name')
      await keepAnAdmin(ctx, name)
      await ctx.store.accounts.removeUser(name)
      forgetSessions(ctx.store)
      reply.status(204)
      return null
    },
  },
  {
    method: 'GET',
    url: '/api/tokens',
    operationId: 'listApiTokens',
    reply: json(ApiTokenListReply),
    access: 'signed-in',
    tag: 'tokens',
    summary: "The caller's API tokens (never the tokens themselves).",
    handler: async (request, _reply, ctx) =>
      (await ctx.store.accounts.listApiTokens(principalOf(request).user.name)).map(tokenView),
  },
  {
    method: 'POST',
    url: '/api/tokens',
    operationId: 'createApiToken',
    reply: json(NewApiTokenReply, 201),
    access: 'signed-in',
    tag: 'tokens',
    summary:
      'Creates an API token for scripts (Authorization: Bearer …) with a scope (run, edit, admin) within your role and an optional expiry; it is shown this once.',
    body: NewTokenBody,
    handler: async (request, reply, ctx) => {
      const body = parseBody(NewTokenBody, request.body)
      const principal = principalOf(request)
      const expiresAt =
        body.expiresInDays === undefined ? null : new Date(ctx.now().getTime() + body.expiresInDays * DAY_MS)
      checkTokenGrant(principal, body.scope, expiresAt)
      const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
      const info = await ctx.store.accounts.createApiToken({
        id: randomUUID(),
        user: principal.user.name,
        name: body.name,
        token,
        scope: body.scope,
        expiresAt,
      })
      reply.status(201)
      return { ...tokenView(info), token }
    },
  },
  {
    method: 'DELETE',
    url: '/api/tokens/:id',
    operationId: 'revokeApiToken',
    reply: NO_CONTENT,
    access: 'signed-in',
    tag: 'tokens',
    summary: 'Revokes one of the caller’s API tokens.',
    handler: async (request, reply, ctx) => {
      const removed = await ctx.store.accounts.removeApiToken(
        principalOf(request).user.name,
        param(request, 'id'),
      )
      if (!removed) throw new QuarryError('QUARRY_NOT_FOUND', 'You have no API token with that id.')
      reply.status(204)
      return null
    },
  },
]

/** The last admin cannot be demoted or removed: nobody could manage the server any more. */
async function keepAnAdmin(ctx: Pick<ServerContext, 'store'>, name: string): Promise<void> {
  const admins = (await ctx.store.accounts.listUsers()).filter((user) => user.role === 'admin')
  if (admins.length === 1 && admins[0]?.name === name)
    throw new QuarryError('QUARRY_FORBIDDEN', `${name} is the only admin; make another admin first.`)
}
