import { QuarryError } from '../domain/errors.js'
import { maskSecrets } from '../domain/secret-mask.js'

/**
 * An upstream error with every known secret masked: an API that echoes the
 * request (a key, a token) in its error body must not put it on the user's screen.
 */
export function scrubbed(error: QuarryError, secrets: readonly string[]): QuarryError {
  const message = maskSecrets(error.message, secrets)
  if (message === error.message) return error
  const { retryAfterSeconds } = error
  return new QuarryError(error.code, message, {
    cause: error.cause,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  })
}
