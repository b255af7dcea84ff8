import { randomBytes, randomUUID } from 'node:crypto'
import { z } from 'zod'
import { QuarryError } from '../../domain/errors.js'
import { API_TOKEN_PREFIX } from '../auth/authenticate.js'
import { hashPassword } from '../auth/password.js'
import type { ServerContext } from '../context.js'
import { param, parseBody, principalOf, type RouteDef } from '../route.js'
import { PasswordSchema, UserNameSchema } from './session-routes.js'

const RoleSchema = z.enum(['admin', 'editor', 'viewer'])
const Groups = z.array(z.string().min(1).max(64)).default([])
const NewUserBody = z.object({
  name: UserNameSchema,
  password: PasswordSchema,
  role: RoleSchema,
  groups: Groups,
})
const UserPatchBody = z.object({
  role: RoleSchema.optional(),
  groups: z.array(z.string().min(1).max(64)).optional(),
  password: PasswordSchema.optional(),
})
const NewTokenBody = z.object({ name: z.string().min(1).max(100) })

function userView(user: { name: string; role: string; groups: readonly string[]; createdAt: Date }) {
  return { name: user.name, role: user.role, groups: user.groups, createdAt: user.createdAt.toISOString() }
}

/** Users (admins) and API tokens (each user their own). */
export const userRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/users',
    access: 'admin',
    tag: 'users',
    summary: 'All users.',
    handler: async (_request, _reply, ctx) => (await ctx.store.accounts.listUsers()).map(userView),
  },
  {
    method: 'POST',
    url: '/api/users',
    access: 'admin',
    tag: 'users',
    summary: 'Adds a user with a role and groups.',
    body: NewUserBody,
    handler: async (request, reply, ctx) => {
      const body = parseBody(NewUserBody, request.body)
      const user = await ctx.store.accounts.createUser({
        name: body.name,
        passwordHash: await hashPassword(body.password),
        role: body.role,
        groups: body.groups,
      })
      reply.status(201)
      return userView(user)
    },
  },
  {
    method: 'PUT',
    url: '/api/users/:name',
    access: 'admin',
    tag: 'users',
    summary: "Changes a user's role, groups or password.",
    body: UserPatchBody,
    handler: async (request, _reply, ctx) => {
      const body = parseBody(UserPatchBody, request.body)
      const name = param(request, 'name')
      if (body.role !== undefined && body.role !== 'admin') await keepAnAdmin(ctx, name)
      const user = await ctx.store.accounts.updateUser(name, {
        ...(body.role === undefined ? {} : { role: body.role }),
        ...(body.groups === undefined ? {} : { groups: body.groups }),
        ...(body.password === undefined ? {} : { passwordHash: await hashPassword(body.password) }),
      })
      return userView(user)
    },
  },
  {
    method: 'DELETE',
    url: '/api/users/:name',
    access: 'admin',
    tag: 'users',
    summary: 'Removes a user, their sessions and API tokens.',
    handler: async (request, reply, ctx) => {
      const name = param(request, 'name')
      await keepAnAdmin(ctx, name)
      await ctx.store.accounts.removeUser(name)
      reply.status(204)
      return null
    },
  },
  {
    method: 'GET',
    url: '/api/tokens',
    access: 'signed-in',
    tag: 'tokens',
    summary: "The caller's API tokens (never the tokens themselves).",
    handler: async (request, _reply, ctx) =>
      (await ctx.store.accounts.listApiTokens(principalOf(request).user.name)).map((token) => ({
        id: token.id,
        name: token.name,
        createdAt: token.createdAt.toISOString(),
        lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
      })),
  },
  {
    method: 'POST',
    url: '/api/tokens',
    access: 'signed-in',
    tag: 'tokens',
    summary: 'Creates an API token for scripts (Authorization: Bearer …); it is shown this once.',
    body: NewTokenBody,
    handler: async (request, reply, ctx) => {
      const body = parseBody(NewTokenBody, request.body)
      const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
      const info = await ctx.store.accounts.createApiToken(
        principalOf(request).user.name,
        randomUUID(),
        body.name,
        token,
      )
      reply.status(201)
      return { id: info.id, name: info.name, token }
    },
  },
  {
    method: 'DELETE',
    url: '/api/tokens/:id',
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
