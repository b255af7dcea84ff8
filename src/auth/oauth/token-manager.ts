import type { OAuthGrant } from '../../domain/auth-kinds/index.js'
import { QuarryError, isQuarryError, type Remedy } from '../../domain/errors.js'
import type { ConnectionInput, ConnectionRepo, StoredConnection } from '../../store/index.js'
import { faultPoint } from './fault-point.js'
import { clientCredentialsGrant, refreshGrant, type TokenEndpoint, type TokenSet } from './token-client.js'

/**
 * Keeps one datasource's access token valid, by the token invariant (docs/architecture.md):
 * 1. refreshes happen under a lock in the store, not only in memory;
 * 2. after taking the lock the connection is re-read: if another holder already
 *    refreshed, its tokens are used and the refresh token is not sent again;
 * 3. new tokens are committed before the lock is released and before use;
 * 4. concurrent callers in one process share one refresh (single flight);
 * 5. invalid_grant marks the connection "needs consent" — no retry loop.
 */
export interface TokenManagerOptions {
  readonly datasource: string
  readonly connections: ConnectionRepo
  readonly endpoint: TokenEndpoint
  /** `refresh`: 3LO with a refresh token; `client-credentials`: a new token per expiry, no user. */
  readonly grant: OAuthGrant
  readonly now?: () => number
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
    const connection = await this.#options.connections.get(this.#options.datasource)
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
    const connection = await this.#options.connections.get(this.#options.datasource)
    if (!connection || connection.tokens.access_token !== token) return true
    const expires = connection.accessExpiresAt?.getTime()
    return expires !== undefined && expires - this.#now() < NEAR_EXPIRY_MS
  }

  #refuseUnusable(connection: StoredConnection | undefined): void {
    const { datasource, grant } = this.#options
    if (grant.kind === 'client-credentials') return
    if (!connection || !connection.tokens.refresh_token) {
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
    const { connections, datasource } = this.#options
    const outcome = await connections.withLock(datasource, async (current, save): Promise<RefreshOutcome> => {
      faultPoint('refresh:locked')
      this.#refuseUnusable(current)
      // Re-read under the lock: another process may have refreshed while we waited.
      if (isFresh(current, this.#now()) && current.tokens.access_token !== stale)
        return { token: current.tokens.access_token as string, connection: current }

      let tokens: TokenSet
      try {
        tokens = await this.#grant(current)
      } catch (error) {
        if (!isQuarryError(error, 'QUARRY_OAUTH_INVALID_GRANT') || !current) throw error
        // Committed, not rolled back: the next run must see "needs consent" without asking again.
        await save({ ...inputOf(current), status: 'needs_consent', statusMessage: error.message })
        return { error }
      }
      faultPoint('refresh:token-received')
      const now = this.#now()
      const saved = await save({
        tokens: {
          ...current?.tokens,
          access_token: tokens.accessToken,
          // Rotation: always keep the newest refresh token; a server that sends none keeps the old one valid.
          ...((tokens.refreshToken ?? current?.tokens.refresh_token)
            ? { refresh_token: (tokens.refreshToken ?? current?.tokens.refresh_token) as string }
            : {}),
        },
        accessExpiresAt: tokens.expiresIn === undefined ? null : new Date(now + tokens.expiresIn * 1000),
        status: 'connected',
        statusMessage: null,
        scope: tokens.scope ?? current?.scope ?? null,
        site: current?.site ?? null,
        lastRefreshAt: new Date(now),
        lastUsedAt: new Date(now),
      })
      faultPoint('refresh:saved')
      return { token: saved.tokens.access_token as string, connection: saved }
    })
    if ('error' in outcome) {
      throw new QuarryError(
        'QUARRY_OAUTH_INVALID_GRANT',
        `Datasource "${datasource}" needs consent again: ${outcome.error.message}`,
        { cause: outcome.error, remedy: reconnectRemedy(datasource) },
      )
    }
    // Remembered only now that the lock is released and the tokens are committed.
    this.#known = outcome.connection
    return outcome.token
  }

  #grant(current: StoredConnection | undefined): Promise<TokenSet> {
    const { grant, endpoint } = this.#options
    if (grant.kind === 'client-credentials') return clientCredentialsGrant(endpoint, grant.parameters)
    return refreshGrant(endpoint, current?.tokens.refresh_token as string)
  }

  async #markUsed(connection: StoredConnection): Promise<void> {
    const now = this.#now()
    if (connection.lastUsedAt && now - connection.lastUsedAt.getTime() < USE_WRITE_INTERVAL_MS) return
    await this.#options.connections.markUsed(this.#options.datasource, new Date(now))
  }
}

/** What a locked refresh ended with: a token to use, or the invalid_grant it recorded. */
type RefreshOutcome =
  { readonly token: string; readonly connection: StoredConnection } | { readonly error: QuarryError }

function inputOf(connection: StoredConnection): ConnectionInput {
  const { datasource: _d, version: _v, updatedAt: _u, ...input } = connection
  return input
}
