import type { OAuthGrant } from '../../domain/auth-kinds/index.js'
import { QuarryError, isQuarryError, type Remedy } from '../../domain/errors.js'
import {
  SHARED_CONNECTION,
  type ConnectionInput,
  type ConnectionRepo,
  type SaveConnection,
  type StoredConnection,
} from '../../store/index.js'
import { faultPoint } from './fault-point.js'
import { NO_REUSE_GRACE } from './reuse-grace.js'
import {
  answerLost,
  clientCredentialsGrant,
  refreshGrant,
  tokenRequestTimeoutMs,
  type TokenEndpoint,
  type TokenSet,
} from './token-client.js'

/**
 * Keeps one datasource's access token valid, by the token invariant (docs/architecture.md):
 * 1. refreshes happen under a lock in the store, not only in memory;
 * 2. after taking the lock the connection is re-read: if another holder already
 *    refreshed, its tokens are used and the refresh token is not sent again;
 * 3. new tokens are committed before the lock is released and before use;
 * 4. concurrent callers in one process share one refresh (single flight);
 * 5. invalid_grant marks the connection "needs consent" — no retry loop.
 * A refresh whose answer was lost on the way (timeout, reset, cut body) may have rotated the refresh
 * token at the provider: it is sent again at once, under the same lock, before anything else — within
 * the provider's reuse grace that is safe (reuse-grace.ts). If every answer is lost, the access token
 * is marked due, so the next use starts with that same retry.
 */
export interface TokenManagerOptions {
  readonly datasource: string
  /**
   * Whose connection (issue 15): a person's own on a per-user datasource; the shared one when absent.
   * Everything below holds per (datasource, user): the lock, the re-read, the single flight (one
   * manager per owner), needs-consent.
   */
  readonly user?: string
  /**
   * The error for a person's missing or revoked connection (QUARRY_CONNECTION_REQUIRED, the Connect
   * prompt); the shared connection's are QUARRY_OAUTH_NOT_CONNECTED / _INVALID_GRANT.
   */
  readonly connectionRequired?: (why?: string) => QuarryError
  readonly connections: ConnectionRepo
  readonly endpoint: TokenEndpoint
  /** `refresh`: 3LO with a refresh token; `client-credentials`: a new token per expiry, no user. */
  readonly grant: OAuthGrant
  readonly now?: () => number
  /** Pauses before each resend of a refresh whose answer was lost; default RESEND_AFTER_MS. */
  readonly resendAfterMs?: readonly number[]
  /** Told of each refresh sent to the token endpoint and how it ended (after any resends) (/metrics). */
  readonly onRefresh?: (outcome: 'ok' | 'failed') => void
}

/**
 * Refresh this long before expiry at most; for short-lived tokens a tenth of their life, so a
 * token is refreshed about once per lifetime (a late request still gets one refresh via the 401).
 */
const MAX_MARGIN_MS = 60_000
/** A 403/404 within this much of the stored expiry is taken for the gateway's "expired token" quirk. */
const NEAR_EXPIRY_MS = 5 * 60_000
/** lastUsedAt is written at most this often: the keep-alive needs days, not milliseconds. */
const USE_WRITE_INTERVAL_MS = 3600_000
/** Pauses before sending a refresh token again after its answer was lost: one try, then these. */
const RESEND_AFTER_MS: readonly number[] = [200, 1000]
/** The start of the status message of a connection whose last refresh answer was lost. */
const LOST_NOTE = 'The answer to the last refresh was lost'

export function reconnectCommand(datasource: string): string {
  return `quarry connect ${datasource}`
}

/** What to do about a missing or revoked consent: a command in a terminal, the Connect button in the admin UI. */
export function reconnectRemedy(datasource: string): Remedy {
  return {
    cli: `Run: ${reconnectCommand(datasource)}`,
    ui: `Press Connect on the page of datasource "${datasource}".`,
  }
}

function margin(connection: StoredConnection): number {
  const expires = connection.accessExpiresAt?.getTime()
  const since = connection.lastRefreshAt?.getTime() ?? connection.updatedAt.getTime()
  if (expires === undefined) return 0
  return Math.min(MAX_MARGIN_MS, Math.max(0, (expires - since) / 10))
}

/**
 * A connection holding an access token without expiry and no refresh token: the provider's tokens last
 * until revoked (GitHub's OAuth apps), so there is nothing to refresh.
 */
export function lastsUntilRevoked(connection: StoredConnection): boolean {
  return (
    !connection.tokens.refresh_token &&
    Boolean(connection.tokens.access_token) &&
    connection.accessExpiresAt === null
  )
}

/** A connection whose access token can be used now. */
export function isFresh(
  connection: StoredConnection | undefined,
  now: number,
): connection is StoredConnection {
  if (!connection || connection.status !== 'connected' || !connection.tokens.access_token) return false
  const expires = connection.accessExpiresAt?.getTime()
  return expires === undefined || expires - margin(connection) > now
}

export class TokenManager {
  readonly #options: TokenManagerOptions
  readonly #now: () => number
  #inflight: Promise<string> | undefined
  /** The connection last read or saved, while its access token is fresh. */
  #known: StoredConnection | undefined

  constructor(options: TokenManagerOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** An access token that is valid now, refreshing first when it is due. */
  async accessToken(): Promise<string> {
    // An access token stays valid until its expiry even after another process
    // refreshed: the one read last is reused without asking the store again.
    if (isFresh(this.#known, this.#now())) return this.#known.tokens.access_token as string
    const connection = await this.#options.connections.get(this.#options.datasource, this.#user)
    this.#refuseUnusable(connection)
    if (isFresh(connection, this.#now())) {
      this.#known = connection
      await this.#markUsed(connection)
      return connection.tokens.access_token as string
    }
    return this.#refresh(undefined)
  }

  /** The API refused `stale`: renew unless someone already has, and return the token to retry with. */
  renew(stale: string): Promise<string> {
    this.#known = undefined
    return this.#refresh(stale)
  }

  /** Whether `token` is past or near its stored expiry (or already replaced by a newer one). */
  async nearExpiry(token: string): Promise<boolean> {
    const connection = await this.#options.connections.get(this.#options.datasource, this.#user)
    if (!connection || connection.tokens.access_token !== token) return true
    const expires = connection.accessExpiresAt?.getTime()
    return expires !== undefined && expires - this.#now() < NEAR_EXPIRY_MS
  }

  get #user(): string {
    return this.#options.user ?? SHARED_CONNECTION
  }

  #refuseUnusable(connection: StoredConnection | undefined): void {
    const { datasource, grant, connectionRequired } = this.#options
    if (grant.kind === 'client-credentials') return
    const unusable = !connection || (!connection.tokens.refresh_token && !lastsUntilRevoked(connection))
    if (connectionRequired !== undefined && (unusable || connection?.status === 'needs_consent'))
      throw connectionRequired(unusable ? undefined : 'it needs your consent again')
    if (!connection || unusable) {
      throw new QuarryError(
        'QUARRY_OAUTH_NOT_CONNECTED',
        `Datasource "${datasource}" is not connected yet.`,
        { remedy: reconnectRemedy(datasource) },
      )
    }
    if (connection.status === 'needs_consent') {
      throw new QuarryError(
        'QUARRY_OAUTH_INVALID_GRANT',
        `Datasource "${datasource}" needs consent again${connection.statusMessage ? ` (${connection.statusMessage})` : ''}.`,
        { remedy: reconnectRemedy(datasource) },
      )
    }
  }

  #refresh(stale: string | undefined): Promise<string> {
    this.#inflight ??= this.#refreshLocked(stale).finally(() => {
      this.#inflight = undefined
    })
    return this.#inflight
  }

  async #refreshLocked(stale: string | undefined): Promise<string> {
    const { datasource } = this.#options
    const outcome = await this.#withPatientLock(async (current, save): Promise<RefreshOutcome> => {
      faultPoint('refresh:locked')
      this.#refuseUnusable(current)
      // Re-read under the lock: another process may have refreshed while we waited.
      if (isFresh(current, this.#now()) && current.tokens.access_token !== stale)
        return { token: current.tokens.access_token as string, connection: current }

      if (current && !current.tokens.refresh_token) {
        // An access token without a refresh token (one that lasts until revoked, or one imported
        // alone), refused by the API: nothing can renew it but consent.
        const message = `The API refused the access token, and there is no refresh token to renew it: it was revoked or has expired (or the app's authorization was removed).`
        await save({ ...inputOf(current), status: 'needs_consent', statusMessage: message })
        return { error: new QuarryError('QUARRY_OAUTH_INVALID_GRANT', message) }
      }
      const sent = await this.#grantResending(current)
      this.#options.onRefresh?.('error' in sent ? 'failed' : 'ok')
      if ('error' in sent) {
        const { error, lost } = sent
        if (!current) throw error
        if (isQuarryError(error, 'QUARRY_OAUTH_INVALID_GRANT')) {
          // Committed, not rolled back: the next run must see "needs consent" without asking again.
          const message =
            lost || current.statusMessage?.startsWith(LOST_NOTE)
              ? lostGrant(error, this.#grace)
              : current.statusMessage === NO_REUSE_GRACE
                ? // A refresh cut short where no answer could be kept (a process killed) ends here too.
                  `${error.message} ${NO_REUSE_GRACE}`
                : error.message
          await save({ ...inputOf(current), status: 'needs_consent', statusMessage: message })
          return { error: new QuarryError('QUARRY_OAUTH_INVALID_GRANT', message, { cause: error }) }
        }
        if (!lost || this.#options.grant.kind !== 'refresh') throw error
        // The provider may have rotated the refresh token we still hold: the next use must send it
        // again before anything else (not in an hour, when the access token runs out).
        await save({
          ...inputOf(current),
          accessExpiresAt: new Date(this.#now()),
          statusMessage: `${LOST_NOTE} (${(error as Error).message}); the next use sends the same refresh token again.`,
        })
        return { failure: error }
      }
      const { tokens } = sent
      faultPoint('refresh:token-received')
      const now = this.#now()
      const previous = current?.tokens.refresh_token
      const rotated = tokens.refreshToken !== undefined && tokens.refreshToken !== previous
      const saved = await save({
        tokens: {
          ...current?.tokens,
          access_token: tokens.accessToken,
          // Rotation: always keep the newest refresh token; a server that sends none keeps the old one valid.
          ...((tokens.refreshToken ?? previous)
            ? { refresh_token: (tokens.refreshToken ?? previous) as string }
            : {}),
        },
        accessExpiresAt: tokens.expiresIn === undefined ? null : new Date(now + tokens.expiresIn * 1000),
        status: 'connected',
        // Said plainly where a lost answer would cost the grant.
        statusMessage:
          rotated && this.#grace === 0 && this.#options.grant.kind === 'refresh' ? NO_REUSE_GRACE : null,
        scope: tokens.scope ?? current?.scope ?? null,
        site: current?.site ?? null,
        lastRefreshAt: new Date(now),
        lastUsedAt: new Date(now),
      })
      faultPoint('refresh:saved')
      return { token: saved.tokens.access_token as string, connection: saved }
    })
    if ('failure' in outcome) throw outcome.failure
    if ('error' in outcome) {
      if (this.#options.connectionRequired)
        throw this.#options.connectionRequired(`it needs your consent again: ${outcome.error.message}`)
      throw new QuarryError(
        'QUARRY_OAUTH_INVALID_GRANT',
        `Datasource "${datasource}" needs consent again: ${outcome.error.message}`,
        { cause: outcome.error, remedy: reconnectRemedy(datasource) },
      )
    }
    faultPoint('refresh:committed')
    // Remembered only now that the lock is released and the tokens are committed.
    this.#known = outcome.connection
    return outcome.token
  }

  get #resendAfter(): readonly number[] {
    return this.#options.resendAfterMs ?? RESEND_AFTER_MS
  }

  get #grace(): number {
    return this.#options.endpoint.reuseGraceMs ?? 0
  }

  /**
   * The grant, sent again with the same refresh token while its answer is lost (a few times, within
   * the grace when there is one), before the lock is released: no other holder, and nothing else,
   * comes in between. Ends with the tokens, or the last error and whether any answer was lost.
   */
  async #grantResending(
    current: StoredConnection | undefined,
  ): Promise<{ tokens: TokenSet } | { error: unknown; lost: boolean }> {
    const started = Date.now()
    let lost = false
    for (let attempt = 0; ; attempt++) {
      try {
        return { tokens: await this.#grant(current) }
      } catch (error) {
        const again = isQuarryError(error) && answerLost(error)
        lost ||= again
        const pause = this.#resendAfter[attempt]
        const withinGrace =
          this.#grace === 0 ||
          Date.now() - started + (pause ?? 0) + tokenRequestTimeoutMs(this.#options.endpoint) < this.#grace
        if (!again || pause === undefined || !withinGrace) return { error, lost }
        await new Promise((resolve) => setTimeout(resolve, pause))
      }
    }
  }

  /**
   * withLock, waiting as long as a holder may keep the lock (every try of #grantResending at its full
   * timeout) rather than the store's own lock timeout: the lock never gives up before the token request does.
   */
  async #withPatientLock<T>(
    fn: (current: StoredConnection | undefined, save: SaveConnection) => Promise<T>,
  ): Promise<T> {
    const { connections, datasource, endpoint } = this.#options
    const pauses = this.#resendAfter
    const holderMs = (pauses.length + 1) * tokenRequestTimeoutMs(endpoint) + pauses.reduce((a, b) => a + b, 0)
    const giveUpAt = Date.now() + holderMs
    for (;;) {
      try {
        return await connections.withLock(datasource, fn, this.#user)
      } catch (error) {
        if (!isQuarryError(error, 'QUARRY_STORE_LOCK_TIMEOUT') || Date.now() >= giveUpAt) throw error
      }
    }
  }

  #grant(current: StoredConnection | undefined): Promise<TokenSet> {
    const { grant, endpoint } = this.#options
    if (grant.kind === 'client-credentials') return clientCredentialsGrant(endpoint, grant.parameters)
    return refreshGrant(endpoint, current?.tokens.refresh_token as string)
  }

  async #markUsed(connection: StoredConnection): Promise<void> {
    const now = this.#now()
    if (connection.lastUsedAt && now - connection.lastUsedAt.getTime() < USE_WRITE_INTERVAL_MS) return
    await this.#options.connections.markUsed(this.#options.datasource, new Date(now), this.#user)
  }
}

/** What a locked refresh ended with: a token to use, or the invalid_grant it recorded. */
type RefreshOutcome =
  | { readonly token: string; readonly connection: StoredConnection }
  | { readonly error: QuarryError }
  | { readonly failure: unknown }

/** The needs-consent message after an invalid_grant that followed a lost answer. */
function lostGrant(error: QuarryError, graceMs: number): string {
  return graceMs > 0
    ? `${error.message} The answer to an earlier refresh was lost, and the provider no longer accepts that refresh token.`
    : `${error.message} The answer to an earlier refresh was lost, and this provider accepts each refresh token once (no reuse grace), so the grant was lost with it.`
}

function inputOf(connection: StoredConnection): ConnectionInput {
  const { datasource: _d, user: _o, version: _v, updatedAt: _u, ...input } = connection
  return input
}
