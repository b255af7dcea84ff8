import type { SimContext } from '../context.js'
import type { SimSite, SimUser } from '../data/model.js'
import { BodyError, parseBody, type BodyFields } from '../http/body.js'
import { html, json, oauthError, redirect, type SimResponse } from '../http/respond.js'
import type { Route, SimRequest } from '../http/router.js'
import { authenticate, callerSites } from './bearer.js'
import type { SimClient } from './clients.js'
import { accountPickerPage, consentPage, errorPage } from './consent-page.js'
import { KNOWN_SCOPES, SCOPE_READ_ME, parseScopes } from './scopes.js'

/** The audience Atlassian requires on every authorize request. */
export const AUDIENCE = 'api.atlassian.com'

/**
 * auth.atlassian.com and the identity endpoints of api.atlassian.com:
 * `/authorize` (+ the consent form), `/oauth/token`,
 * `/oauth/token/accessible-resources` and `/me`.
 */
export function oauthRoutes(ctx: SimContext): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/authorize$/,
      endpoint: 'GET /authorize',
      surface: 'auth',
      handler: (req) => authorize(ctx, req.url.searchParams),
    },
    {
      method: 'POST',
      pattern: /^\/authorize\/consent$/,
      endpoint: 'POST /authorize/consent',
      surface: 'auth',
      handler: (req) => consent(ctx, req),
    },
    {
      method: 'POST',
      pattern: /^\/oauth\/token$/,
      endpoint: 'POST /oauth/token',
      surface: 'auth',
      handler: (req) => token(ctx, req),
    },
    {
      method: 'GET',
      pattern: /^\/oauth\/token\/accessible-resources$/,
      endpoint: 'GET /oauth/token/accessible-resources',
      surface: 'gateway',
      handler: (req) => accessibleResources(ctx, req),
    },
    {
      method: 'GET',
      pattern: /^\/me$/,
      endpoint: 'GET /me',
      surface: 'gateway',
      handler: (req) => me(ctx, req),
    },
  ]
}

/** A validated authorize request: what the consent is for and where to send the answer. */
interface AuthorizeRequest {
  readonly client: SimClient
  readonly redirectUri: string
  readonly state: string | null
  readonly scopes: readonly string[]
}

type Validated =
  | { readonly ok: true; readonly request: AuthorizeRequest }
  | { readonly ok: false; readonly response: SimResponse }

/**
 * Validates an authorize request. Until client and redirect URI are known to
 * match, errors are shown as a page: redirecting to an unverified URI would make
 * the server an open redirector (RFC 6749 §4.1.2.1). After that, errors go back
 * to the app as `?error=…&state=…`.
 */
function validateAuthorize(ctx: SimContext, query: URLSearchParams): Validated {
  const clientId = query.get('client_id')
  const client = clientId ? ctx.clients.get(clientId) : undefined
  if (!client) {
    return {
      ok: false,
      response: html(
        400,
        errorPage(clientId ? `Unknown client_id "${clientId}".` : 'The client_id parameter is missing.'),
      ),
    }
  }
  const redirectUri = query.get('redirect_uri')
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    return {
      ok: false,
      response: html(
        400,
        errorPage(
          redirectUri
            ? `The redirect_uri "${redirectUri}" does not match any callback URL registered for ${client.name}. It must match exactly.`
            : 'The redirect_uri parameter is missing.',
        ),
      ),
    }
  }
  const state = query.get('state')
  const back = (error: string, description: string) => ({
    ok: false as const,
    response: redirect(callbackUrl(redirectUri, { error, error_description: description, state })),
  })
  if (query.get('response_type') !== 'code')
    return back('unsupported_response_type', 'response_type must be "code"')
  if (query.get('audience') !== AUDIENCE) return back('invalid_request', `audience must be "${AUDIENCE}"`)
  const scopes = parseScopes(query.get('scope') ?? '')
  if (scopes.length === 0) return back('invalid_scope', 'The scope parameter is missing.')
  const unknown = scopes.filter((scope) => !KNOWN_SCOPES.has(scope))
  if (unknown.length > 0) return back('invalid_scope', `Unknown scope: ${unknown.join(' ')}`)
  return { ok: true, request: { client, redirectUri, state, scopes } }
}

function authorize(ctx: SimContext, query: URLSearchParams): SimResponse {
  const validated = validateAuthorize(ctx, query)
  if (!validated.ok) return validated.response
  const { request } = validated
  if (ctx.autoConsent !== undefined) {
    const { login, sites } = ctx.autoConsent
    const found = findUser(ctx, login)
    if (!found) return html(500, errorPage(`--auto-consent names no known user: ${login}`))
    const own = sitesOf(ctx, found.user)
    const chosen =
      sites === '*' ? own : own.filter((site) => sites === undefined || sites.includes(site.name))
    if (chosen.length === 0)
      return html(500, errorPage(`--auto-consent: ${login} has no site named ${String(sites)}`))
    return approve(ctx, request, found.index, sites === undefined ? chosen.slice(0, 1) : chosen)
  }
  const login = query.get('login')
  const found = login ? findUser(ctx, login) : undefined
  if (!found) return html(200, accountPickerPage(query, ctx.world.users))
  return html(200, consentPage(query, request.client, found.user, sitesOf(ctx, found.user), request.scopes))
}

async function consent(ctx: SimContext, req: SimRequest): Promise<SimResponse> {
  let form: BodyFields | undefined
  try {
    form = parseBody(req.body, req.headers['content-type'])
  } catch (error) {
    if (error instanceof BodyError) return html(400, errorPage(error.message))
    throw error
  }
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(form ?? {}))
    if (typeof value === 'string') query.set(name, value)
  const validated = validateAuthorize(ctx, query)
  if (!validated.ok) return validated.response
  const { request } = validated
  const found = findUser(ctx, query.get('login') ?? '')
  if (!found)
    return html(400, errorPage('The consent form names no known account. Start again from the app.'))
  if (query.get('decision') !== 'accept') {
    return redirect(
      callbackUrl(request.redirectUri, {
        error: 'access_denied',
        error_description: 'The user denied access to the app.',
        state: request.state,
      }),
    )
  }
  const site = sitesOf(ctx, found.user).find((s) => s.cloudId === query.get('site'))
  if (!site) return html(400, errorPage('Choose one of your sites.'))
  return approve(ctx, request, found.index, [site])
}

function approve(
  ctx: SimContext,
  request: AuthorizeRequest,
  userIndex: number,
  sites: readonly SimSite[],
): SimResponse {
  const code = ctx.auth.issueCode({
    clientId: request.client.clientId,
    redirectUri: request.redirectUri,
    userIndex,
    siteIndexes: sites.map((site) => ctx.world.sites.indexOf(site)),
    scopes: new Set(request.scopes),
  })
  return redirect(callbackUrl(request.redirectUri, { code, state: request.state }))
}

/** Appends parameters to a registered redirect URI, keeping any query it has. */
function callbackUrl(redirectUri: string, params: Record<string, string | null>): string {
  const url = new URL(redirectUri)
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value)
  return url.toString()
}

function token(ctx: SimContext, req: SimRequest): SimResponse {
  let body: BodyFields | undefined
  try {
    body = parseBody(req.body, req.headers['content-type'])
  } catch (error) {
    if (error instanceof BodyError) return oauthError(error.status, 'invalid_request', error.message)
    throw error
  }
  const field = (name: string): string | undefined => {
    const value = body?.[name]
    return typeof value === 'string' && value !== '' ? value : undefined
  }
  const grantType = field('grant_type')
  if (!grantType) return fail(ctx, 400, 'invalid_request', 'Missing grant_type.')
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token')
    return fail(ctx, 400, 'unsupported_grant_type', `Unsupported grant_type: ${grantType}`)

  const basic = basicCredentials(req.headers.authorization)
  const clientId = field('client_id') ?? basic?.id
  const clientSecret = field('client_secret') ?? basic?.secret
  const client = clientId ? ctx.clients.get(clientId) : undefined
  // No PKCE: Atlassian's REST API needs the client secret on every token request.
  if (!client || clientSecret === undefined || clientSecret !== client.clientSecret)
    return fail(ctx, 401, 'access_denied', 'Unauthorized')

  if (grantType === 'authorization_code') {
    const code = field('code')
    const redirectUri = field('redirect_uri')
    if (!code || !redirectUri) return fail(ctx, 400, 'invalid_request', 'Missing code or redirect_uri.')
    return tokenAnswer(ctx.auth.exchangeCode(client.clientId, code, redirectUri))
  }
  const refreshToken = field('refresh_token')
  if (!refreshToken) return fail(ctx, 400, 'invalid_request', 'Missing refresh_token.')
  return tokenAnswer(ctx.auth.refresh(client.clientId, refreshToken))
}

function tokenAnswer(outcome: ReturnType<SimContext['auth']['refresh']>): SimResponse {
  if (!outcome.ok) return oauthError(outcome.status, outcome.error, outcome.description)
  return json(200, outcome.tokens, { 'cache-control': 'no-store', pragma: 'no-cache' })
}

function fail(ctx: SimContext, status: number, error: string, description: string): SimResponse {
  ctx.stats.tokenErrors++
  return oauthError(status, error, description)
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '')
  if (!match) return undefined
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  try {
    // RFC 6749 §2.3.1: client id and secret are form-urlencoded before the Basic encoding.
    return {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    }
  } catch {
    return undefined
  }
}

function accessibleResources(ctx: SimContext, req: SimRequest): SimResponse {
  const auth = authenticate(ctx, req, [])
  if (!auth.ok) return auth.response
  const scopes = [...auth.caller.access.scopes].filter((scope) => scope !== 'offline_access')
  const sites = callerSites(ctx, auth.caller).map((site) => ({
    id: site.cloudId,
    url: site.url,
    name: site.name,
    scopes,
    avatarUrl: site.avatarUrl,
  }))
  // Atlassian documents no order for this list, and it varies: shuffle so clients cannot rely on one.
  for (let i = sites.length - 1; i > 0; i--) {
    const j = Math.floor(ctx.random() * (i + 1))
    ;[sites[i], sites[j]] = [sites[j] as (typeof sites)[number], sites[i] as (typeof sites)[number]]
  }
  return json(200, sites)
}

function me(ctx: SimContext, req: SimRequest): SimResponse {
  const auth = authenticate(ctx, req, SCOPE_READ_ME)
  if (!auth.ok) return auth.response
  const { user } = auth.caller
  return json(200, {
    account_type: 'atlassian',
    account_id: user.accountId,
    email: user.email,
    email_verified: true,
    name: user.displayName,
    nickname: user.login,
    picture: `https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/default-avatar.png`,
    account_status: 'active',
    zoneinfo: user.timeZone,
    locale: user.locale,
    extended_profile: {},
  })
}

function findUser(ctx: SimContext, login: string): { user: SimUser; index: number } | undefined {
  const index = ctx.world.users.findIndex(
    (u) => u.login === login || u.email === login || u.accountId === login,
  )
  const user = ctx.world.users[index]
  return user ? { user, index } : undefined
}

function sitesOf(ctx: SimContext, user: SimUser): SimSite[] {
  return user.siteIndexes.map((i) => ctx.world.sites[i] as SimSite)
}
