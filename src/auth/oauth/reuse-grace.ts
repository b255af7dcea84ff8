import type { RestDatasource } from '../../domain/datasource.js'
import { presetOf } from '../presets/index.js'

/**
 * How long a provider still accepts a refresh token after rotating it. It decides what a refresh whose
 * answer was lost costs: with a grace, nothing (the same refresh token is sent again at once); without
 * one, the grant. Known per provider; where it is not known, none is assumed.
 */
export const ATLASSIAN_REUSE_GRACE_MS = 10 * 60_000

/**
 * Microsoft's identity platform "doesn't revoke old refresh tokens when used to fetch new access
 * tokens" (learn.microsoft.com/entra/identity-platform/refresh-tokens, "Token lifetime"): the one sent
 * stays valid for its own lifetime. Counted as Atlassian's 10 minutes, which is all a resend needs.
 */
export const MICROSOFT_REUSE_GRACE_MS = 10 * 60_000

const GRACE_BY_PROVIDER: Readonly<Record<string, number>> = {
  atlassian: ATLASSIAN_REUSE_GRACE_MS,
  microsoft: MICROSOFT_REUSE_GRACE_MS,
}
const ATLASSIAN_TOKEN_HOST = 'auth.atlassian.com'

/**
 * The reuse grace of a datasource's OAuth provider: its preset's provider, or Atlassian's token host.
 *
 * @example reuseGraceOf(jiraCloudDatasource) // 600_000
 */
export function reuseGraceOf(datasource: Pick<RestDatasource, 'preset' | 'auth'>): number {
  let provider: string | undefined
  try {
    provider = presetOf(datasource as RestDatasource)?.provider
  } catch {
    provider = undefined // an unknown preset name: the token URL still tells
  }
  if (provider !== undefined && provider in GRACE_BY_PROVIDER) return GRACE_BY_PROVIDER[provider] as number
  const tokenUrl = (datasource.auth as { tokenUrl?: unknown }).tokenUrl
  if (
    typeof tokenUrl === 'string' &&
    URL.canParse(tokenUrl) &&
    new URL(tokenUrl).hostname === ATLASSIAN_TOKEN_HOST
  )
    return ATLASSIAN_REUSE_GRACE_MS
  return 0
}

/** What the connection says about it, plainly, where there is no grace. */
export const NO_REUSE_GRACE =
  'This provider accepts each refresh token once (no reuse grace): if the answer to a refresh is lost (a timeout, a reset), the grant is lost with it.'
