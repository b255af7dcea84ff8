import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ConverterError } from '../convert/index.js'
import { ERROR_CODES, serverMessage, QuarryError, type Reader } from '../domain/errors.js'
import type { Principal } from './auth/access.js'
import type { ErrorBody } from './error-body.js'
import { StoreError, STORE_ERRORS } from '../store/index.js'

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

/**
 * Every failure becomes `{ error: { code, message } }` with the status the error registry gives it.
 * Bugs are logged in full and answered with a generic message: no stack or secret reaches a client.
 */
export function errorReply(error: unknown, request: FastifyRequest, reply: FastifyReply): ErrorBody {
  const reader = readerOf(request.principal)
  if (error instanceof QuarryError) {
    reply.status(error.status)
    setRetryAfter(reply, error)
    const message = serverMessage(error, reader)
    if (message !== error.messageFor('ui'))
      request.log.warn({ code: error.code, detail: error.message }, 'error shown plain')
    const line = error.cause instanceof ConverterError && reader === 'details' ? error.cause.line : undefined
    return { error: { code: error.code, message, ...(line === undefined ? {} : { line }) } }
  }
  if (error instanceof ConverterError) {
    reply.status(422)
    if (reader === 'plain') {
      request.log.warn({ code: 'QUARRY_CONVERTER_FAILED', detail: error.message }, 'error shown plain')
      return {
        error: { code: 'QUARRY_CONVERTER_FAILED', message: ERROR_CODES.QUARRY_CONVERTER_FAILED.summary },
      }
    }
    return {
      error: {
        code: 'QUARRY_CONVERTER_FAILED',
        message: error.message,
        ...(error.line === undefined ? {} : { line: error.line }),
      },
    }
  }
  if (error instanceof StoreError) {
    reply.status(STORE_ERRORS[error.code].httpStatus)
    return { error: { code: error.code, message: error.message } }
  }
  const fastifyError = error as FastifyError
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    reply.status(fastifyError.statusCode)
    return {
      error: {
        code: fastifyError.statusCode === 429 ? 'QUARRY_RATE_LIMITED' : 'QUARRY_BAD_REQUEST',
        message: fastifyError.message,
      },
    }
  }
  request.log.error({ err: error }, 'unexpected error')
  reply.status(500)
  return { error: { code: 'QUARRY_INTERNAL', message: 'Quarry hit a bug; the server log has the details.' } }
}
