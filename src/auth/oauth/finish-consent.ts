import type { RestDatasource } from '../../domain/datasource.js'
import { QuarryError, isQuarryError } from '../../domain/errors.js'
import type { Store } from '../../store/index.js'
import { checkCallback } from './consent.js'
import { saveConsent } from './save-consent.js'
import { authorizationCodeGrant, tokenEndpoint } from './token-client.js'

/**
 * Finishing a consent, the one way `quarry connect`, `quarry demo` and the server's callback do it:
 * check the callback against the attempt, exchange the code, let the preset complete the
 * datasource, store it and its connection. Every HTTP request goes through `fetch` (STYLE 3).
 */

export interface FinishConsent {
  /** The URL the provider redirected the browser to (received on loopback, pasted, or the server's route). */
  readonly callback: URL
  /** What the attempt sent: its state, and the PKCE verifier when it used one. */
  readonly attempt: { readonly state: string; readonly codeVerifier: string | undefined }
  /** The redirect URI the attempt used (the code is bound to it, RFC 6749 §4.1.3); the datasource's by default. */
  readonly redirectUri?: string | undefined
  /** Picks among several sites for presets that have them (`--site`, the Connect form). */
  readonly wantedSite?: string | undefined
  /** The transport for the token exchange and the preset's requests; the platform's by default. */
  readonly fetch?: typeof fetch
  /** Whose grant it is on a per-user datasource (issue 15); the shared connection when absent. */
  readonly user?: string | undefined
}

/**
 * Stores the connection a consent answer brings, or throws a coded error having stored nothing.
 *
 * @returns where the datasource now points (" to acme (https://acme.atlassian.net)", or empty) and the scopes granted
 * @example const { where, scope } = await finishConsent(store, datasource, { callback, attempt })
 */
export async function finishConsent(
  store: Store,
  datasource: RestDatasource,
  consent: FinishConsent,
): Promise<{ where: string; scope: string }> {
  const { auth, name } = datasource
  if (auth.type !== 'oauth2-authorization-code') {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `Datasource "${name}" uses ${auth.type}; consent is for oauth2-authorization-code.`,
    )
  }
  checkCallback(consent.callback, { url: '', ...consent.attempt })
  const fetchImpl = consent.fetch ?? fetch
  const tokens = await authorizationCodeGrant(
    tokenEndpoint(auth, fetchImpl),
    consent.callback,
    consent.redirectUri ?? auth.redirectUri,
    consent.attempt.codeVerifier,
    // An OpenID scope asks for an ID token: its absence is a failure, not a plain OAuth answer.
    { requireIdToken: auth.scopes.split(' ').includes('openid') },
  ).catch((error: unknown) => {
    if (!isQuarryError(error, 'QUARRY_OAUTH_INVALID_GRANT')) throw error
    throw new QuarryError('QUARRY_OAUTH_INVALID_GRANT', error.message, {
      cause: error,
      remedy: { cli: `Run quarry connect ${name} again.`, ui: 'Press Connect again.' },
    })
  })
  const { where } = await saveConsent(store, datasource, tokens, {
    wantedSite: consent.wantedSite,
    fetch: fetchImpl,
    user: consent.user,
  })
  return { where, scope: tokens.scope ?? auth.scopes }
}
