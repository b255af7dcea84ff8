import type { Credentials } from '../domain/auth-kinds/index.js'

/**
 * One strategy per auth kind. A strategy adds credentials to requests and,
 * when the API refuses them, may renew them once. Strategies that hold tokens
 * keep them in the store (encrypted), so every process sees the same ones.
 */

export type { Credentials }

export const NO_CREDENTIALS: Credentials = { headers: {}, query: {} }

export interface AuthStrategy {
  /** Header names that carry credentials: dropped on cross-origin redirects, never logged. */
  readonly sensitiveHeaders: readonly string[]
  /** Credentials for the next request (fetching or refreshing tokens first when they are due). */
  credentials(): Promise<Credentials>
  /**
   * The API refused `used` with `status` (401, or 403/404 for a token near or
   * past expiry, as Atlassian's gateway sometimes answers). Renew if that can
   * help and say whether one retry is worth it. Called at most once per request.
   */
  rejected(status: number, used: Credentials): Promise<boolean>
}

/** Strategies whose credentials never change. */
export function fixedCredentials(
  credentials: Credentials,
  sensitiveHeaders: readonly string[],
): AuthStrategy {
  return {
    sensitiveHeaders,
    credentials: async () => credentials,
    rejected: async () => false,
  }
}
