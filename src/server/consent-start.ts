import { startConsent } from '../auth/oauth/consent.js'
import { ensureDiscovered } from '../auth/oauth/discovery.js'
import type { RestDatasource } from '../domain/datasource.js'
import { QuarryError } from '../domain/errors.js'
import { loadRestDatasource } from '../engine/index.js'
import type { Principal } from './auth/access.js'
import { CALLBACK_PATH, type ServerContext } from './context.js'

const CONSENT_TTL_MS = 10 * 60_000

/** What a started consent answers: where to send the browser, and the callback it comes back to. */
export interface ConsentStart {
  readonly authorizeUrl: string
  readonly redirectUri: string
}

/**
 * What a consent carries to the callback besides the PKCE verifier and redirect URI: the site wanted
 * (`site`), the person whose own connection it makes on a per-user datasource (`user`, issue 15),
 * and the page of this server to return to afterwards (`returnTo`, checked again by the callback).
 */
export type ConsentDetails = Readonly<Partial<Record<'site' | 'user' | 'returnTo', string>>>

/**
 * Starts OAuth 2.0 (3LO) consent for a datasource through this server's callback: builds the
 * authorize URL and stores the attempt (state → session, verifier, details) for ten minutes. Only a
 * signed-in browser session can consent: the callback checks the state belongs to that session.
 *
 * @example const { authorizeUrl } = await beginConsent(ctx, principal, 'jira', { user: 'alice', returnTo: '/v/mine' })
 */
export async function beginConsent(
  ctx: ServerContext,
  principal: Principal,
  name: string,
  details: ConsentDetails = {},
): Promise<ConsentStart> {
  const loaded = await loadRestDatasource(ctx.store, name, 'Connect')
  const datasource = await ensureDiscovered(ctx.store, loaded)
  // Its endpoints were discovered and stored just now: views holding the datasource read it again.
  if (datasource !== loaded) ctx.views.forget()
  const auth = consentAuth(datasource)
  if (principal.session === undefined)
    throw new QuarryError('QUARRY_FORBIDDEN', 'Connect from a signed-in browser: consent needs a person.')

  const redirectUri = `${ctx.options.publicUrl}${CALLBACK_PATH}`
  const attempt = await startConsent({ ...auth, redirectUri })
  const now = ctx.now()
  await ctx.store.sessions.saveConsent(
    attempt.state,
    {
      sessionHash: principal.session.idHash,
      datasource: datasource.name,
      details: {
        redirectUri,
        ...(attempt.codeVerifier ? { codeVerifier: attempt.codeVerifier } : {}),
        ...Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined)),
      },
    },
    new Date(now.getTime() + CONSENT_TTL_MS),
  )
  return { authorizeUrl: attempt.url, redirectUri }
}

/** The datasource's OAuth 2.0 (3LO) settings; any other auth has nothing to consent to. */
export function consentAuth(datasource: RestDatasource) {
  const auth = datasource.auth
  if (auth.type !== 'oauth2-authorization-code') {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `Datasource "${datasource.name}" uses ${auth.type}; Connect is for oauth2-authorization-code.`,
    )
  }
  return auth
}
