import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ConverterError } from '../convert/index.js'
import { QuarryError } from '../domain/errors.js'
import { StoreError, STORE_ERRORS } from '../store/index.js'

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly line?: number }
}

/**
 * Every failure becomes `{ error: { code, message } }` with the status the error registry gives it.
 * Bugs are logged in full and answered with a generic message: no stack or secret reaches a client.
 */
export function errorReply(error: unknown, request: FastifyRequest, reply: FastifyReply): ErrorBody {
  if (error instanceof QuarryError) {
    reply.status(error.status)
    const line = error.cause instanceof ConverterError ? error.cause.line : undefined
    // The UI's words for the next step (a button), not the CLI's (a command).
    const message = error.messageFor('ui')
    return { error: { code: error.code, message, ...(line === undefined ? {} : { line }) } }
  }
  if (error instanceof ConverterError) {
    reply.status(422)
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
