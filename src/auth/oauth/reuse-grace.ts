import type { RestDatasource } from '../../domain/datasource.js'
import { ATLASSIAN_REUSE_GRACE_MS } from '../presets/atlassian-3lo.js'
import { presetOf } from '../presets/index.js'

/**
 * How long a provider still accepts a refresh token after rotating it. It decides what a refresh whose
 * answer was lost costs: with a grace, nothing (the same refresh token is sent again at once); without
 * one, the grant. Each preset says its provider's (`reuseGraceMs` in its definePreset); where it is not
 * known, none is assumed.
 */
export { ATLASSIAN_REUSE_GRACE_MS }

const ATLASSIAN_TOKEN_HOST = 'auth.atlassian.com'

/**
 * The reuse grace of a datasource's OAuth provider: its preset's, or Atlassian's when its token URL is
 * Atlassian's (a datasource made by hand, or from the PocketQuery guide).
 *
 * @example reuseGraceOf(jiraCloudDatasource) // 600_000
 */
export function reuseGraceOf(datasource: Pick<RestDatasource, 'preset' | 'auth'>): number {
  let grace: number | undefined
  try {
    grace = presetOf(datasource as RestDatasource)?.reuseGraceMs
  } catch {
    grace = undefined // an unknown preset name: the token URL still tells
  }
  if (grace !== undefined && grace > 0) return grace
  const tokenUrl = (datasource.auth as { tokenUrl?: unknown }).tokenUrl
  if (
    typeof tokenUrl === 'string' &&
    URL.canParse(tokenUrl) &&
    new URL(tokenUrl).hostname === ATLASSIAN_TOKEN_HOST
  )
    return ATLASSIAN_REUSE_GRACE_MS
  return grace ?? 0
}

/** What the connection says about it, plainly, where there is no grace. */
export const NO_REUSE_GRACE =
  'This provider accepts each refresh token once (no reuse grace): if the answer to a refresh is lost (a timeout, a reset), the grant is lost with it.'
