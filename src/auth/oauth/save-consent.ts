import { jiraBaseUrl } from '../presets/jira-cloud.js'
import { splitSecrets, type RestDatasource } from '../../domain/datasource.js'
import { QuarryError } from '../../domain/errors.js'
import { networkCause } from '../../http/network-error.js'
import type { Store } from '../../store/index.js'
import type { TokenSet } from './token-client.js'

/**
 * The end of a consent, shared by `quarry connect` and the server's callback: with the tokens in
 * hand, pick the Jira site (preset datasources), then store the datasource and, under the token
 * invariant's lock, its connection. Nothing is stored until every check has passed.
 */

interface Site {
  readonly id: string
  readonly name: string
  readonly url: string
  readonly scopes?: readonly string[]
}

/** Jira Cloud: the sites the grant covers (order is not stable: sort for a stable choice and display). */
export async function accessibleSites(apiUrl: string, accessToken: string): Promise<Site[]> {
  const url = `${apiUrl}/oauth/token/accessible-resources`
  let response: Response
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    })
  } catch (error) {
    throw new QuarryError(
      'QUARRY_UPSTREAM_NETWORK',
      `${url} could not be reached: ${networkCause(error, url, false).sentence} Nothing was stored.`,
    )
  }
  if (!response.ok)
    throw new QuarryError('QUARRY_UPSTREAM_STATUS', `${url} answered ${response.status}. Nothing was stored.`)

  const sites = (await response.json()) as Site[]
  return [...sites].sort((a, b) => a.name.localeCompare(b.name))
}

export function chooseSite(sites: readonly Site[], wanted: string | undefined, datasource: string): Site {
  if (sites.length === 0) {
    throw new QuarryError(
      'QUARRY_SITE_CHOICE',
      'The consent covers no Jira site. Nothing was stored; connect again and pick a site.',
    )
  }
  if (wanted !== undefined) {
    const want = wanted.toLowerCase().replace(/\/+$/, '')
    const site = sites.find((s) =>
      [s.id, s.name, s.url, s.url.replace(/^https?:\/\//, '')].some((v) => v.toLowerCase() === want),
    )
    if (!site) {
      throw new QuarryError(
        'QUARRY_SITE_CHOICE',
        `No site "${wanted}" in this grant; it covers ${sites.map((s) => s.name).join(', ')}.`,
      )
    }
    return site
  }
  if (sites.length === 1) return sites[0] as Site
  throw new QuarryError(
    'QUARRY_SITE_CHOICE',
    `The grant covers several sites: ${sites.map((s) => `${s.name} (${s.url})`).join(', ')}.`,
    {
      remedy: {
        cli: `Choose one: quarry connect ${datasource} --site NAME`,
        ui: 'Press Connect again and choose one site on the consent page.',
      },
    },
  )
}

/**
 * Stores what a consent produced. `wantedSite` picks among several Jira sites (name, URL or id).
 *
 * @returns where the datasource now points, for the message to the user (empty when not a preset)
 */
export async function saveConsent(
  store: Store,
  datasource: RestDatasource,
  tokens: TokenSet,
  wantedSite: string | undefined,
): Promise<{ where: string }> {
  const { name, auth } = datasource
  if (auth.type !== 'oauth2-authorization-code') throw new TypeError('saveConsent needs a 3LO datasource')
  if (!tokens.refreshToken) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      'The provider sent no refresh token, so the connection would die with the access token.',
      {
        remedy: {
          cli: `Add offline_access to the scopes (quarry datasource edit ${name} --scope "… offline_access") and connect again. Nothing was stored.`,
          ui: 'Add offline_access to the datasource’s scopes, save, and press Connect again. Nothing was stored.',
        },
      },
    )
  }
  let next: RestDatasource = datasource
  let where = ''
  if (datasource.preset) {
    const site = chooseSite(
      await accessibleSites(datasource.preset.apiUrl, tokens.accessToken),
      wantedSite,
      name,
    )
    next = {
      ...datasource,
      baseUrl: jiraBaseUrl(datasource.preset.apiUrl, site.id, datasource.preset.apiVersion),
      preset: { ...datasource.preset, site: { id: site.id, name: site.name, url: site.url } },
    }
    where = ` to ${site.name} (${site.url})`
  }
  // Everything checked: now store, the datasource and then its tokens (under the lock, like a refresh).
  const { config, secrets } = splitSecrets(next)
  await store.datasources.update(name, { config, secrets })
  const now = new Date()
  const refreshToken = tokens.refreshToken
  await store.connections.withLock(name, (_current, save) =>
    save({
      tokens: { access_token: tokens.accessToken, refresh_token: refreshToken },
      accessExpiresAt:
        tokens.expiresIn === undefined ? null : new Date(now.getTime() + tokens.expiresIn * 1000),
      status: 'connected',
      statusMessage: null,
      scope: tokens.scope ?? auth.scopes,
      site: next.preset?.site ?? null,
      lastRefreshAt: now,
      lastUsedAt: now,
    }),
  )
  return { where }
}
