import {
  LogController,
  type FastifyReply,
  type FastifyRequest,
  type onRequestAbortHookHandler,
} from 'fastify'

/**
 * The request log: one line per request, an access log's, with its method, path, host, client
 * address, status and time taken. Fastify's default writes two lines a request (`incoming request`,
 * then `request completed`), and a line of JSON is not cheap next to a cached view's answer: on a
 * cached public view, writing both cost 81 µs of server CPU a request against 49 µs without logs, one
 * line 74 µs (side by side, bench/RESULTS.md, Server: views). So the incoming line is written at
 * `debug` only, and the lines for a request that ends without its answer carry the request's fields
 * themselves: `request aborted` (logRequestAborted, the client left first) and Fastify's two lines
 * for a streamed answer cut short.
 */
export class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request')
  }

  /** An answered request. `error` is set only when an onResponse hook failed, as in Fastify's own. */
  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      reply.log.error(
        { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      )
    } else {
      reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed')
    }
  }

  /** A streamed answer that broke after its headers: no `request completed` follows. */
  override streamError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
      reply.log.info({ req: request, res: reply }, 'stream closed prematurely')
    } else {
      reply.log.warn(
        { req: request, res: reply, err: error },
        'response terminated with an error with headers already sent',
      )
    }
  }
}

/** The client closed the connection before its answer was sent (an onRequestAbort hook). */
export const logRequestAborted: onRequestAbortHookHandler = (request, done) => {
  request.log.info({ req: request }, 'request aborted')
  done()
}
