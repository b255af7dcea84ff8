import type { Auth, PresetBlock, RestDatasource } from '../../domain/datasource.js'
import type { PresetCompletion } from './preset.js'

/**
 * What the OpenID-style presets (google.ts, entra.ts, gitlab.ts) share: a REST datasource on the
 * provider's API with an authorization-code auth, and a consent that has nothing to complete — the
 * API's base URL is known before consent (unlike Atlassian's site, jira-cloud.ts).
 */

type AuthorizationCodeAuth = Extract<Auth, { type: 'oauth2-authorization-code' }>

/**
 * A preset's datasource: its API, its test path, its auth and its block; the limits are Quarry's defaults.
 *
 * @example oauthPresetDatasource('gmail', { baseUrl: 'https://www.googleapis.com', testPath: '/oauth2/v3/userinfo', auth, preset: { name: 'google', apiUrl } })
 */
export function oauthPresetDatasource<Block extends PresetBlock>(
  name: string,
  parts: { baseUrl: string; testPath: string; auth: AuthorizationCodeAuth; preset: Block },
): RestDatasource & { preset: Block } {
  return {
    name,
    type: 'rest',
    baseUrl: parts.baseUrl,
    testPath: parts.testPath,
    headers: [],
    timeoutMs: 30_000,
    maxResponseBytes: 64 * 1024 * 1024,
    allowedHosts: [],
    connectionMode: 'shared',
    auth: parts.auth,
    preset: parts.preset,
  }
}

/** A consent that changes nothing: the datasource stays as it was made, with no site to choose. */
export function nothingToComplete(datasource: RestDatasource): Promise<PresetCompletion> {
  return Promise.resolve({ datasource, site: null, where: '' })
}

/** A URL without its trailing slashes, so paths can be appended. */
export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '')
}
