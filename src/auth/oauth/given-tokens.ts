import type { Auth } from '../../domain/datasource.js'
import type { Store } from '../../store/index.js'

type AuthorizationCodeAuth = Extract<Auth, { type: 'oauth2-authorization-code' }>

/** Tokens obtained outside Quarry, e.g. by the PocketQuery guide's curl steps. */
export interface GivenTokens {
  readonly refreshToken: string
  readonly accessToken?: string | undefined
}

/**
 * Stores a 3LO connection from tokens obtained elsewhere (the PocketQuery guide's way; consent
 * through `quarry connect` or the admin UI is the better one): the CLI's `--refresh-token` and the
 * admin UI's "Tokens obtained elsewhere" both come here. The access token's expiry is unknown, so it
 * counts as due: the first use refreshes it, and rotation continues from there.
 *
 * @example await storeGivenTokens(store, 'jira', datasource.auth, { refreshToken: 'r-1', accessToken: 'a-1' })
 */
export async function storeGivenTokens(
  store: Store,
  datasource: string,
  auth: AuthorizationCodeAuth,
  tokens: GivenTokens,
  now: Date = new Date(),
): Promise<void> {
  // Through the lock, like any refresh: a concurrent refresh must not be overwritten half way.
  await store.connections.withLock(datasource, (_current, save) =>
    save(
      {
        tokens: {
          refresh_token: tokens.refreshToken,
          ...(tokens.accessToken ? { access_token: tokens.accessToken } : {}),
        },
        accessExpiresAt: tokens.accessToken ? now : null,
        status: 'connected',
        statusMessage: null,
        scope: auth.scopes,
        site: null,
        lastRefreshAt: null,
        lastUsedAt: null,
      },
      { audit: 'connect' },
    ),
  )
}
