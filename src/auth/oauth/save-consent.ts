import { splitSecrets, type RestDatasource } from '../../domain/datasource.js'
import { QuarryError } from '../../domain/errors.js'
import type { Store } from '../../store/index.js'
import { presetOf } from '../presets/index.js'
import type { TokenSet } from './token-client.js'

/**
 * The end of a consent (finish-consent.ts): with the tokens in hand, let the datasource's preset
 * complete it (Jira Cloud: pick the site, hence the base URL), then store the datasource and, under
 * the token invariant's lock, its connection. Nothing is stored until every check has passed.
 */

export interface SaveConsentOptions {
  /** Picks among several sites (name, URL or id) for presets that have them. */
  readonly wantedSite: string | undefined
  /** The transport for the preset's requests (STYLE 3). */
  readonly fetch: typeof fetch
  /** Whose grant it is on a per-user datasource (issue 15): stored as that person's connection. */
  readonly user?: string | undefined
}

/**
 * Stores what a consent produced.
 *
 * @returns where the datasource now points, for the message to the user (empty when not a preset)
 * @example const { where } = await saveConsent(store, datasource, tokens, { wantedSite: 'acme', fetch })
 */
export async function saveConsent(
  store: Store,
  datasource: RestDatasource,
  tokens: TokenSet,
  options: SaveConsentOptions,
): Promise<{ where: string }> {
  const { name, auth } = datasource
  if (auth.type !== 'oauth2-authorization-code') throw new TypeError('saveConsent needs a 3LO datasource')
  // Without a refresh token the connection lives as long as the access token: fine for one that does
  // not expire (no expires_in: GitHub's OAuth apps), not for one that does.
  if (!tokens.refreshToken && tokens.expiresIn !== undefined) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      'The provider sent no refresh token, so the connection would die with the access token.',
      {
        remedy: {
          // Google has no such scope: its authorize parameter access_type=offline asks instead.
          cli: `Add offline_access to the scopes (quarry datasource edit ${name} --scope "… offline_access"; Google: --authorize-param access_type=offline) and connect again. Nothing was stored.`,
          ui: 'Add offline_access to the datasource’s scopes (Google: the authorize parameter access_type=offline), save, and press Connect again. Nothing was stored.',
        },
      },
    )
  }
  const completed = (await presetOf(datasource)?.completeConsent(datasource, {
    accessToken: tokens.accessToken,
    wantedSite: options.wantedSite,
    fetch: options.fetch,
  })) ?? { datasource, site: null, where: '' }
  // Everything checked: now store, the datasource and then its tokens (under the lock, like a refresh).
  const { config, secrets } = splitSecrets(completed.datasource)
  await store.datasources.update(name, { config, secrets })
  const now = new Date()
  await store.connections.withLock(
    name,
    (_current, save) =>
      save(
        {
          tokens: {
            access_token: tokens.accessToken,
            ...(tokens.refreshToken ? { refresh_token: tokens.refreshToken } : {}),
          },
          accessExpiresAt:
            tokens.expiresIn === undefined ? null : new Date(now.getTime() + tokens.expiresIn * 1000),
          status: 'connected',
          statusMessage: null,
          scope: tokens.scope ?? auth.scopes,
          site: completed.site,
          lastRefreshAt: now,
          lastUsedAt: now,
        },
        { audit: 'connect' },
      ),
    options.user,
  )
  return { where: completed.where }
}
