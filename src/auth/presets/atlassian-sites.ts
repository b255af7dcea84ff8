import { z } from 'zod'
import type { PresetSite } from '../../domain/datasource.js'
import { QuarryError } from '../../domain/errors.js'
import { networkCause } from '../../domain/network-error.js'

/**
 * Atlassian's cloud sites, shared by its presets (Jira Cloud, Confluence Cloud):
 * after consent, the grant's accessible-resources say which sites the token reaches, and one is chosen.
 * https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/#3-1-get-the-cloudid-for-your-site
 */

const SiteSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  scopes: z.array(z.string()).optional(),
})
export type AtlassianSite = z.infer<typeof SiteSchema>

/**
 * The sites the grant covers (order is not stable: sorted for a stable choice and display).
 *
 * @example await accessibleSites('https://api.atlassian.com', token, fetch) // [{ id, name: 'acme', url, scopes }]
 */
export async function accessibleSites(
  apiUrl: string,
  accessToken: string,
  fetchImpl: typeof fetch,
): Promise<AtlassianSite[]> {
  const url = `${apiUrl}/oauth/token/accessible-resources`
  let response: Response
  try {
    response = await fetchImpl(url, {
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
  const sites = z.array(SiteSchema).safeParse(await response.json().catch(() => undefined))
  if (!sites.success) {
    throw new QuarryError(
      'QUARRY_UPSTREAM_STATUS',
      `${url} answered something other than a list of sites. Nothing was stored.`,
    )
  }
  return [...sites.data].sort((a, b) => a.name.localeCompare(b.name))
}

/**
 * The site the user wants (name, URL or id), or the only one; several without a choice is an error
 * that says how to choose.
 *
 * @example chooseSite(sites, 'globex', 'jira', 'Jira') // { id, name: 'globex', url: 'https://globex.atlassian.net' }
 */
export function chooseSite(
  sites: readonly AtlassianSite[],
  wanted: string | undefined,
  datasource: string,
  product: string,
): PresetSite {
  if (sites.length === 0) {
    throw new QuarryError(
      'QUARRY_SITE_CHOICE',
      `The consent covers no ${product} site. Nothing was stored; connect again and pick a site.`,
    )
  }
  const pick = ({ id, name, url }: AtlassianSite): PresetSite => ({ id, name, url })
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
    return pick(site)
  }
  if (sites.length === 1) return pick(sites[0] as AtlassianSite)
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
