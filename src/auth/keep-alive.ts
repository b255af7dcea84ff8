import { DatasourceSchema, joinSecrets, type Datasource } from '../domain/datasource.js'
import { isQuarryError, type Audience } from '../domain/errors.js'
import type { Store } from '../store/index.js'
import { reuseGraceOf } from './oauth/reuse-grace.js'
import { tokenEndpoint } from './oauth/token-client.js'
import { TokenManager, lastsUntilRevoked, reconnectRemedy } from './oauth/token-manager.js'

/**
 * The keep-alive: Atlassian expires a refresh token after 90 days unused, so a
 * connection nobody has refreshed for `olderThanMs` (default 30 days) is
 * refreshed now — through the TokenManager, so under the store lock like any
 * other refresh. For cron (`quarry connections refresh-idle`) and, later, the server.
 */
export const DEFAULT_IDLE_MS = 30 * 24 * 3600 * 1000

export interface KeepAliveResult {
  readonly datasource: string
  /** Whose connection: '' for the datasource's shared one, a person's name on a per-user datasource (issue 15). */
  readonly user: string
  readonly outcome: 'refreshed' | 'fresh' | 'needs_consent' | 'failed'
  readonly message: string
}

export async function refreshIdle(
  store: Store,
  options: {
    readonly olderThanMs?: number
    readonly now?: () => number
    readonly fetch?: typeof fetch
    /** Who reads the messages: a terminal (cron) names `quarry connect`, the server's log the Connect button. */
    readonly audience?: Audience
  } = {},
): Promise<KeepAliveResult[]> {
  const audience = options.audience ?? 'cli'
  const now = options.now ?? Date.now
  const olderThan = options.olderThanMs ?? DEFAULT_IDLE_MS
  const results: KeepAliveResult[] = []
  for (const connection of await store.connections.list()) {
    const stored = await store.datasources.get(connection.datasource)
    if (!stored) continue
    const datasource: Datasource = DatasourceSchema.parse(
      joinSecrets(stored.config as Datasource, stored.secrets),
    )
    if (datasource.type !== 'rest') continue
    const { auth } = datasource
    if (auth.type !== 'oauth2-authorization-code') continue
    const name = datasource.name
    // Every person's connection of a per-user datasource is a row of its own, kept alive alike.
    const { user } = connection
    if (connection.status === 'needs_consent') {
      results.push({
        datasource: name,
        user,
        outcome: 'needs_consent',
        message: `needs consent. ${reconnectRemedy(name)[audience]}`,
      })
      continue
    }
    if (lastsUntilRevoked(connection)) {
      results.push({ datasource: name, user, outcome: 'fresh', message: 'fine (its token does not expire)' })
      continue
    }
    const last = (connection.lastRefreshAt ?? connection.updatedAt).getTime()
    const idleDays = Math.floor((now() - last) / 86_400_000)
    if (now() - last < olderThan) {
      results.push({
        datasource: name,
        user,
        outcome: 'fresh',
        message: `fine (last refreshed ${idleDays} days ago)`,
      })
      continue
    }
    const manager = new TokenManager({
      datasource: name,
      user,
      connections: store.connections,
      endpoint: tokenEndpoint(auth, options.fetch, reuseGraceOf(datasource)),
      grant: { kind: 'refresh' },
      now,
    })
    try {
      // Renewing "the current token" forces a refresh even while the access token is fresh.
      await manager.renew(connection.tokens.access_token ?? '')
      results.push({
        datasource: name,
        user,
        outcome: 'refreshed',
        message: `refreshed (idle ${idleDays} days)`,
      })
    } catch (error) {
      if (isQuarryError(error, 'QUARRY_OAUTH_INVALID_GRANT')) {
        results.push({
          datasource: name,
          user,
          outcome: 'needs_consent',
          message: error.messageFor(audience),
        })
      } else {
        results.push({ datasource: name, user, outcome: 'failed', message: (error as Error).message })
      }
    }
  }
  return results
}
