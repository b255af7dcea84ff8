import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ConnectionRequiredError } from '../auth/connection-owner.js'
import { ConverterError } from '../convert/index.js'
import { serverMessage, QuarryError, toQuarryError, type ErrorCode, type Reader } from '../domain/errors.js'
import type { Principal } from './auth/access.js'
import type { ErrorBody } from './error-body.js'

export type { ErrorBody } from './error-body.js'

/** Admins and editors read errors in full; viewers and anonymous visitors read them plain (issue 10). */
export function readerOf(principal: Principal | undefined): Reader {
  const role = principal?.user.role
  return role === 'admin' || role === 'editor' ? 'details' : 'plain'
}

/** An upstream's rate limit, passed on: the client is told when to ask again (RFC 9110 §10.2.3). */
export function setRetryAfter(reply: FastifyReply, error: QuarryError): void {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds))
}

/** Fastify's own 4xx errors (a body that is not JSON, too large, of another type) by their status. */
const FASTIFY_STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  404: 'QUARRY_NOT_FOUND',
  413: 'QUARRY_BODY_TOO_LARGE',
  415: 'QUARRY_MEDIA_TYPE',
  429: 'QUARRY_TOO_MANY_REQUESTS',
}

/**
 * Any thrown value in the server as a registered error: QuarryErrors (the store's and converter's
 * included) as they are; Fastify's complaints about a request by their status (its message names the
 * request's shape, never a value); anything else is Quarry's own bug, QUARRY_INTERNAL.
 */
export function serverError(error: unknown): QuarryError {
  if (error instanceof QuarryError) return error
  const { statusCode, message } = error as Partial<FastifyError>
  if (
    typeof statusCode === 'number' &&
    statusCode >= 400 &&
    statusCode < 500 &&
    typeof message === 'string'
  ) {
    return new QuarryError(FASTIFY_STATUS_CODES[statusCode] ?? 'QUARRY_BAD_REQUEST', message, {
      cause: error,
    })
  }
  return toQuarryError(error)
}

/** A failure as its reader is told it: the registered error, and the message they may read. */
export interface Answered {
  readonly error: QuarryError
  readonly message: string
}

/**
 * The one branch every server answer to a failure goes through, JSON or a view's HTML page alike:
 * the registered error (serverError), its status and Retry-After on the reply, and the message the
 * reader may see (in full, or plain for viewers and visitors: issue 10). Bugs are logged in full.
 *
 * @example const { error, message } = answerFailure(thrown, request, reply) // reply.statusCode === error.status
 */
export function answerFailure(thrown: unknown, request: FastifyRequest, reply: FastifyReply): Answered {
  const error = serverError(thrown)
  if (error.code === 'QUARRY_INTERNAL') request.log.error({ err: thrown }, 'unexpected error')
  reply.status(error.status)
  setRetryAfter(reply, error)
  const message = serverMessage(error, readerOf(request.principal))
  if (message !== error.messageFor('ui') && error.code !== 'QUARRY_INTERNAL')
    request.log.warn({ code: error.code, detail: error.message }, 'error shown plain')
  return { error, message }
}

/**
 * Every failure becomes `{ error: { code, message } }` with the status the error registry gives it
 * (and a converter's failure the line it names, for admins and editors). No stack or secret reaches
 * a client.
 *
 * @example app.setErrorHandler((error, request, reply) => reply.send(errorReply(error, request, reply)))
 */
export function errorReply(thrown: unknown, request: FastifyRequest, reply: FastifyReply): ErrorBody {
  const { error, message } = answerFailure(thrown, request, reply)
  const line =
    error instanceof ConverterError && readerOf(request.principal) === 'details' ? error.line : undefined
  // The datasource to connect, for the Connect prompt of a per-user datasource (issue 15).
  const datasource = error instanceof ConnectionRequiredError ? error.datasource : undefined
  return {
    error: {
      code: error.code,
      message,
      ...(line === undefined ? {} : { line }),
      ...(datasource === undefined ? {} : { datasource }),
    },
  }
}
