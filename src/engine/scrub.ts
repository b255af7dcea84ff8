import { QuarryError } from '../domain/errors.js'

/**
 * An upstream error with every known secret masked: an API that echoes the
 * request (a key, a token) in its error body must not put it on the user's screen.
 */
export function scrubbed(error: QuarryError, secrets: readonly string[]): QuarryError {
  let message = error.message
  for (const secret of secrets) {
    // Short values (e.g. "Bearer") would mask ordinary words; real secrets are longer.
    if (secret.length >= 8) message = message.replaceAll(secret, '••••••')
  }
  if (message === error.message) return error
  const { retryAfterSeconds } = error
  return new QuarryError(error.code, message, {
    cause: error.cause,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  })
}
