import type { ClientMetadata } from 'oidc-provider'
import {
  startOidcProvider,
  type ApiAnswer,
  type RunningOidcProvider,
  type TokenAnswer,
} from './oidc-provider.js'

/**
 * The certified OpenID provider (oidc-provider.ts) configured to behave like Google, Microsoft Entra ID
 * and GitLab as each documents itself: the issuer's shape, the endpoints' paths, `iss` in the callback
 * or not, rotation, the token response's fields and the error bodies. Where oidc-provider's own answer
 * differs (Google sends no refresh_token on a refresh, Entra's AADSTS descriptions and error_codes,
 * GitLab's created_at and Doorkeeper's wording), `tokenAnswer` rewrites the provider's real answer on
 * its way out. Each one's API answers a few of the real API's routes for live access tokens.
 */

/** A confidential client sending its secret in the body, allowed the code and refresh grants. */
export function postClient(id: string, secret: string, redirects: readonly string[]): ClientMetadata {
  return {
    client_id: id,
    client_secret: secret,
    token_endpoint_auth_method: 'client_secret_post',
    redirect_uris: [...redirects],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  }
}

/** Every token endpoint answer a shaped provider sent, after its rewrite: what Quarry received. */
export type AnswerLog = TokenAnswer[]

const json = (body: unknown, headers: Record<string, string> = {}): ApiAnswer => ({ body, headers })

/**
 * Google (https://developers.google.com/identity/protocols/oauth2/web-server): issuer a bare origin,
 * /o/oauth2/v2/auth and /token, no `iss` in the callback, a refresh token that does not rotate and is
 * not sent again on a refresh, "Token has been expired or revoked." for a dead one; Calendar and Drive
 * lists paged by pageToken/nextPageToken.
 */
export const GOOGLE_CLIENT = { id: 'quarry-test.apps.googleusercontent.com', secret: 'GOCSPX-test-secret' }
export async function startGoogleLike(
  redirects: readonly string[],
  log: AnswerLog = [],
): Promise<RunningOidcProvider> {
  return startOidcProvider({
    path: '',
    routes: { authorization: '/o/oauth2/v2/auth', token: '/token', jwks: '/oauth2/v3/certs' },
    issInCallback: false,
    clients: [postClient(GOOGLE_CLIENT.id, GOOGLE_CLIENT.secret, redirects)],
    scopes: [
      'email',
      'https://www.googleapis.com/auth/calendar.readonly',
      'https://www.googleapis.com/auth/drive.metadata.readonly',
    ],
    refreshTokenAlways: true,
    // "Set the value to offline if your application needs to refresh access tokens" (web-server guide).
    extraParams: ['access_type'],
    refreshTokenWhen: (params) => params.access_type === 'offline',
    rotateRefreshTokens: false,
    accessTokenTtl: 3599,
    tokenAnswer: (answer) => {
      const body = { ...answer.body }
      if (body.error === 'invalid_grant') body.error_description = 'Token has been expired or revoked.'
      // Google answers a refresh without a refresh_token: the one the client holds stays valid.
      if (answer.grantType === 'refresh_token') delete body.refresh_token
      log.push({ ...answer, body })
      return body
    },
    api: (url) => {
      if (url.pathname === '/calendar/v3/calendars/primary/events') {
        const page = url.searchParams.get('pageToken')
        const event = (n: number) => ({
          summary: `Meeting ${n}`,
          status: 'confirmed',
          start: { dateTime: `2026-12-0${n}T09:00:00Z` },
          end: { dateTime: `2026-12-0${n}T10:00:00Z` },
          organizer: { email: 'alice@example.com' },
        })
        return page === null
          ? json({ kind: 'calendar#events', items: [event(1), event(2)], nextPageToken: 'page-2' })
          : json({ kind: 'calendar#events', items: [event(3)] })
      }
      if (url.pathname === '/drive/v3/files') {
        return json({
          files: [{ id: 'f1', name: 'Plan.docx', mimeType: 'application/vnd.google-apps.document' }],
        })
      }
      return undefined
    },
  })
}

/** Microsoft's documented example tenant ID (its error-code reference uses this form). */
export const ENTRA_TENANT = 'aaaabbbb-0000-cccc-1111-dddd2222eeee'
export const ENTRA_CLIENT = { id: '00001111-aaaa-2222-bbbb-3333cccc4444', secret: 'Aa1~entra-secret-value' }

/** Entra's AADSTS code for each OAuth error oidc-provider raises, with Entra's own words. */
const AADSTS: Readonly<Record<string, { code: number; text: string }>> = {
  invalid_grant: {
    code: 50173,
    text: 'The provided grant has expired due to it being revoked, a fresh auth token is needed.',
  },
  invalid_client: {
    code: 7000215,
    text: "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '00001111-aaaa-2222-bbbb-3333cccc4444'.",
  },
}

/**
 * Microsoft Entra ID (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow):
 * issuer `/{tenant}/v2.0`, endpoints `/{tenant}/oauth2/v2.0/…` also reached through `/common` and
 * `/organizations` (whose tokens still name the tenant's issuer), no `iss` in the callback,
 * prompt=select_account, a refresh token with offline_access and without prompt=consent, rotation that
 * leaves the old refresh token valid, `ext_expires_in`, and error bodies with an AADSTS description,
 * `error_codes`, trace and correlation IDs; Graph's /me and /me/messages.
 */
export async function startEntraLike(
  redirects: readonly string[],
  log: AnswerLog = [],
): Promise<RunningOidcProvider> {
  return startOidcProvider({
    path: `/${ENTRA_TENANT}/v2.0`,
    mount: `/${ENTRA_TENANT}`,
    mountAliases: ['/common', '/organizations'],
    routes: {
      authorization: '/oauth2/v2.0/authorize',
      token: '/oauth2/v2.0/token',
      jwks: '/discovery/v2.0/keys',
    },
    issInCallback: false,
    clients: [postClient(ENTRA_CLIENT.id, ENTRA_CLIENT.secret, redirects)],
    scopes: ['User.Read', 'Mail.Read', 'Tasks.Read'],
    refreshTokenAlways: true,
    rotateRefreshTokens: true,
    keepRotatedRefreshTokens: true,
    prompts: ['select_account'],
    tokenAnswer: (answer) => {
      const body = { ...answer.body }
      const error = typeof body.error === 'string' ? AADSTS[body.error] : undefined
      if (error !== undefined) {
        const timestamp = '2026-12-03 10:00:00Z'
        body.error_description = `AADSTS${error.code}: ${error.text}\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: ${timestamp}`
        Object.assign(body, {
          error_codes: [error.code],
          timestamp,
          trace_id: '0000aaaa-11bb-cccc-dd22-eeeeee333333',
          correlation_id: 'aaaa0000-bb11-2222-33cc-444444dddddd',
          error_uri: `https://login.microsoftonline.com/error?code=${error.code}`,
        })
      } else if (typeof body.expires_in === 'number') {
        body.ext_expires_in = body.expires_in
      }
      log.push({ ...answer, body })
      return body
    },
    api: (url, token) => {
      if (url.pathname === '/v1.0/me') {
        return json({
          '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
          displayName: 'Alice Example',
          mail: 'alice@contoso.example',
          userPrincipalName: `${token.sub}@contoso.example`,
          jobTitle: 'Engineer',
        })
      }
      if (url.pathname === '/v1.0/me/messages') {
        const message = (subject: string, from: string) => ({
          subject,
          isRead: false,
          receivedDateTime: '2026-12-02T08:30:00Z',
          from: { emailAddress: { name: from, address: `${from.toLowerCase()}@contoso.example` } },
        })
        // Graph's paging: the whole next URL, $skiptoken and all, in @odata.nextLink; none on the last page.
        if (url.searchParams.get('$skiptoken') === null) {
          const next = new URL(url.href)
          next.searchParams.set('$skiptoken', 'page-2')
          return json({ value: [message('Quarterly numbers', 'Bob')], '@odata.nextLink': next.href })
        }
        return json({ value: [message('Offsite', 'Carol')] })
      }
      return undefined
    },
  })
}

export const GITLAB_CLIENT = { id: 'gitlab-app-id', secret: 'gloas-test-secret' }
/** Doorkeeper's description of an invalid grant, as GitLab sends it. */
export const DOORKEEPER_INVALID_GRANT =
  'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.'

/**
 * GitLab (https://docs.gitlab.com/api/oauth2/): issuer the instance's URL, /oauth/authorize and
 * /oauth/token, no `iss` in the callback, access tokens of 2 hours, strict rotation (the refresh token
 * sent is revoked), `created_at` in every answer, Doorkeeper's error descriptions; API v4 lists paged
 * with Link and X-Next-Page headers.
 */
export async function startGitLabLike(
  redirects: readonly string[],
  log: AnswerLog = [],
): Promise<RunningOidcProvider> {
  const running = await startOidcProvider({
    path: '',
    routes: {
      authorization: '/oauth/authorize',
      token: '/oauth/token',
      jwks: '/oauth/discovery/keys',
      revocation: '/oauth/revoke',
      introspection: '/oauth/introspect',
    },
    issInCallback: false,
    clients: [postClient(GITLAB_CLIENT.id, GITLAB_CLIENT.secret, redirects)],
    scopes: ['read_api', 'read_user'],
    refreshTokenAlways: true,
    rotateRefreshTokens: true,
    accessTokenTtl: 7200,
    tokenAnswer: (answer) => {
      const body = { ...answer.body }
      if (body.error === 'invalid_grant') body.error_description = DOORKEEPER_INVALID_GRANT
      if (body.access_token !== undefined) body.created_at = Math.floor(Date.now() / 1000)
      log.push({ ...answer, body })
      return body
    },
    api: (url) => {
      const api = url.pathname.replace(/^\/api\/v4/, '')
      const next = (page: string) => {
        const link = new URL(url.href)
        link.searchParams.set('page', page)
        return { link: `<${link.href}>; rel="next"`, 'x-next-page': page }
      }
      if (api === '/projects') {
        const project = (n: number) => ({
          id: n,
          name: `Project ${n}`,
          path_with_namespace: `group/project-${n}`,
          last_activity_at: '2026-12-01T12:00:00.000Z',
          web_url: `https://gitlab.example/group/project-${n}`,
        })
        return url.searchParams.get('page') === '2'
          ? json([project(3)], { 'x-next-page': '' })
          : json([project(1), project(2)], next('2'))
      }
      if (api === '/projects/group%2Fproject-1/issues' || api === '/merge_requests') {
        return json([
          {
            iid: 7,
            title: api === '/merge_requests' ? 'Add presets' : 'Fix the login',
            state: 'opened',
            references: { full: 'group/project-1#7' },
            author: { username: 'alice' },
            assignees: [{ username: 'bob' }],
            updated_at: '2026-12-02T09:15:00.000Z',
          },
        ])
      }
      return undefined
    },
  })
  return running
}
