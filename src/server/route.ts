import type { FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import { QuarryError } from '../domain/errors.js'
import type { Access, Principal } from './auth/access.js'
import type { ServerContext } from './context.js'
import { describeIssues } from '../domain/field-issues.js'
import type { LimitKind } from './rate-limits.js'
import type { RouteReply } from './replies.js'

/**
 * One route of the server, as data: its address, who may call it, what body it takes and what it
 * answers. The app registers these, the OpenAPI document is built from them, and the authorization
 * test walks them all — so no route can exist without an access rule or a described reply.
 */
export interface RouteDef {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  readonly url: string
  readonly access: Access
  /** The operation's name in the OpenAPI document (and in clients generated from it), e.g. `runQuery`. */
  readonly operationId: string
  readonly summary: string
  readonly tag: string
  /** Optional when every field has a default (an absent body is read as `{}`). */
  readonly body?: z.ZodType
  /** What it answers on success; failures are the error body (error-body.ts). */
  readonly reply: RouteReply
  /** Counted in the store and limited per minute (rate-limits.ts): sign-in attempts, Refresh presses, API runs. */
  readonly rateLimit?: LimitKind
  readonly handler: (request: FastifyRequest, reply: FastifyReply, ctx: ServerContext) => Promise<unknown>
  /** How the route answers a failure when not with the error JSON (a view: its HTML error page). */
  readonly errorPage?: (
    error: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: ServerContext,
  ) => Promise<unknown>
}

/** The principal set by the auth hook; routes with access other than 'public' always have one. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = request.principal
  if (principal === undefined) throw new QuarryError('QUARRY_UNAUTHENTICATED', 'Sign in first.')
  return principal
}

/**
 * Parses a request body with a zod schema; the error names every field that is wrong as the admin
 * UI labels it ("Datasource: choose one."), never repeating a value sent.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {})
  if (result.success) return result.data
  throw describeIssues(result.error, undefined, body)
}

/** A path parameter by name (Fastify has decoded it). */
export function param(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string>)[name] ?? ''
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal
  }
  interface FastifyContextConfig {
    access?: Access
  }
}
