/**
 * Why one delivery attempt failed, in words that name no secret, and whether another attempt may
 * succeed: a receiver that is down, slow or overloaded may be back in a moment (connection refused,
 * timeouts, 5xx, 408, 429); one that refuses the request itself (another 4xx, a bad address, a TLS
 * certificate it will keep presenting) will refuse it again.
 */
export class DeliveryFailure extends Error {
  readonly retryable: boolean
  /** The receiver's HTTP status or SMTP reply code, when it answered. */
  readonly status: number | undefined
  /** The receiver's Retry-After, in milliseconds: the earliest time worth another try. */
  readonly retryAfterMs: number | undefined

  constructor(
    message: string,
    options: { retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'DeliveryFailure'
    this.retryable = options.retryable
    this.status = options.status
    this.retryAfterMs = options.retryAfterMs
  }
}
