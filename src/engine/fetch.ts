import { authFor, type AuthStrategy, type Credentials } from '../auth/index.js'
import { withRemovedSearchFix } from '../auth/presets/jira-removed-search.js'
import { NO_CREDENTIALS } from '../auth/strategy.js'
import { splitSecrets, type RestDatasource } from '../domain/datasource.js'
import { outcomeOf, secondsSince } from '../domain/meter.js'
import type { BoundRequest } from '../http/bind.js'
import type * as HttpClient from '../http/client.js'
import type { SendOptions } from '../http/client.js'
import { decodeBody, statusError } from '../http/decode.js'
import type { FetchPage } from '../http/pagination/index.js'
import { SHARED_CONNECTION } from '../store/index.js'
import type { EngineDeps } from './deps.js'
import { scrubbed } from './scrub.js'

function withCredentials(request: BoundRequest, credentials: Credentials): BoundRequest {
  const headers = { ...request.headers, ...credentials.headers }
  if (Object.keys(credentials.query).length === 0) return { ...request, headers }
  const url = new URL(request.url)
  for (const [name, value] of Object.entries(credentials.query)) url.searchParams.set(name, value)
  return { ...request, url: url.toString(), headers }
}

/** Hosts a datasource may reach: its own, plus the ones the admin allowed. */
export function allowedHosts(datasource: RestDatasource): Set<string> {
  const base = new URL(datasource.baseUrl)
  return new Set([base.host, base.hostname, ...datasource.allowedHosts])
}

/** The HTTP client (undici), loaded on the first request: a cached run never pays for it. */
let httpClient: typeof HttpClient | undefined

/**
 * Fetches one request with credentials: a refused token is renewed once and the
 * request retried; any other final error status becomes a QuarryError.
 */
export function pageFetcher(
  datasource: RestDatasource,
  auth: AuthStrategy,
  deps: Pick<EngineDeps, 'dispatcher' | 'retry' | 'meter'>,
  signal?: AbortSignal,
): FetchPage {
  const options: Omit<SendOptions, 'dispatcher'> = {
    timeoutMs: datasource.timeoutMs,
    maxBytes: datasource.maxResponseBytes,
    allowedHosts: allowedHosts(datasource),
    sensitiveHeaders: [
      ...auth.sensitiveHeaders,
      ...datasource.headers.filter((h) => h.secret).map((h) => h.name),
    ],
    ...(deps.retry ? { retry: deps.retry } : {}),
    ...(signal ? { signal } : {}),
  }
  const origin = new URL(datasource.baseUrl).origin
  const { secrets } = splitSecrets(datasource)
  const secretValues = Object.values(secrets)
  const fetchPage: FetchPage = async (request) => {
    const { send, sharedDispatcher } = httpClient ?? (httpClient = await import('../http/client.js'))
    const sendOptions: SendOptions = { ...options, dispatcher: deps.dispatcher ?? sharedDispatcher() }
    // Credentials go to the datasource's own origin only, not to a pagination link elsewhere.
    const own = new URL(request.url).origin === origin
    let credentials = own ? await auth.credentials() : NO_CREDENTIALS
    let response = await send(withCredentials(request, credentials), sendOptions)
    if (own && response.status >= 400 && (await auth.rejected(response.status, credentials))) {
      credentials = await auth.credentials()
      response = await send(withCredentials(request, credentials), sendOptions)
    }
    if (response.status < 200 || response.status >= 300) {
      throw scrubbed(
        withRemovedSearchFix(request.url, response.status, statusError(request.method, response)),
        [
          ...secretValues,
          // The whole value and, for `Scheme credentials` (RFC 7235 §2.1), the credentials without the scheme.
          ...Object.values(credentials.headers).flatMap((value) => [value, ...value.split(' ').slice(1)]),
          ...Object.values(credentials.query),
        ],
      )
    }
    const { text, value } = await decodeBody(request.method, response)
    return { request, text, value, headers: response.headers }
  }
  const { meter } = deps
  if (meter === undefined) return fetchPage
  // Counted per page, by datasource name and outcome: never the URL (it carries parameter values).
  return async (request) => {
    const start = performance.now()
    try {
      const page = await fetchPage(request)
      meter.upstream(datasource.name, 'ok', secondsSince(start))
      return page
    } catch (error) {
      meter.upstream(datasource.name, outcomeOf(error), secondsSince(start))
      throw error
    }
  }
}

/** A datasource's page fetcher with its own authentication (the store keeps its connections). */
export function restFetcher(
  datasource: RestDatasource,
  deps: Pick<EngineDeps, 'store' | 'dispatcher' | 'retry' | 'fetch' | 'meter'>,
  signal?: AbortSignal,
  user: string = SHARED_CONNECTION,
): FetchPage {
  const auth = authFor(datasource, deps.store.connections, deps.fetch, deps.meter, user)
  return pageFetcher(datasource, auth, deps, signal)
}
