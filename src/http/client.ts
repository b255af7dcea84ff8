import { setTimeout as sleepTimer } from 'node:timers/promises'
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici'
import { QuarryError } from '../domain/errors.js'
import type { BoundRequest } from './bind.js'
import { decodeText } from './decode-text.js'
import { describeUrl } from '../domain/describe-url.js'
import { describeNetworkError, isRetryable } from '../domain/network-error.js'
import { discard, readBody, tooLarge } from './read-body.js'
import { DEFAULT_RETRY, RETRY_STATUSES, backoffMs, retryAfterMs, type RetryPolicy } from './retry.js'

export { describeUrl } from '../domain/describe-url.js'

/** A response with its body read (within the byte limit) as text. */
export interface HttpResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** The URL that answered, after redirects. */
  readonly url: string
}

export interface SendOptions {
  readonly dispatcher: Dispatcher
  readonly timeoutMs: number
  readonly maxBytes: number
  /** Hosts (hostname, or hostname:port) requests and redirects may reach. */
  readonly allowedHosts: ReadonlySet<string>
  readonly retry?: RetryPolicy
  /** Headers that carry credentials: never sent to another origin after a redirect. */
  readonly sensitiveHeaders?: readonly string[]
  readonly signal?: AbortSignal
  /** Injected for tests: how to wait, and the jitter source. */
  readonly sleep?: (ms: number) => Promise<void>
  readonly random?: () => number
  /** Called before each retry wait, e.g. to report progress. */
  readonly onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void
}

const MAX_REDIRECTS = 5
/** RFC 9110 §9.2.2. (429 and 503 are retried for every method: the server did not act on those.) */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])
const ALWAYS_SENSITIVE = ['authorization', 'cookie', 'proxy-authorization']

/** One keep-alive pool per process, shared by every datasource (undici pools per origin inside). */
let sharedAgent: Agent | undefined
export function sharedDispatcher(): Agent {
  sharedAgent ??= new Agent({ keepAliveTimeout: 30_000, connections: 64 })
  return sharedAgent
}

/**
 * Sends a request: follows redirects within the allowed hosts (dropping
 * credentials when the origin changes), retries 429/503 and network failures
 * with backoff, and reads the body up to the byte limit. Any final status is
 * returned; deciding what an error status means is the caller's job.
 *
 * @example const response = await send(bound, { dispatcher: sharedDispatcher(), timeoutMs: 30_000, maxBytes: 1e7, allowedHosts: new Set(['api.example.com']) })
 */
export async function send(req: BoundRequest, options: SendOptions): Promise<HttpResponse> {
  const policy = options.retry ?? DEFAULT_RETRY
  const sleep = options.sleep ?? ((ms: number) => sleepTimer(ms, undefined, { signal: options.signal }))
  const random = options.random ?? Math.random
  let waited = 0
  for (let attempt = 0; ; attempt++) {
    let response: HttpResponse | undefined
    let failure: QuarryError | undefined
    try {
      response = await sendFollowingRedirects(req, options)
    } catch (error) {
      // Only a transient failure on the wire is retried: never a local limit, DNS "not found" or TLS.
      if (!(error instanceof QuarryError) || !isRetryable(error)) throw error
      // A request that failed on the wire may have been processed: repeat only what is safe to repeat.
      if (!IDEMPOTENT.has(req.method)) throw error
      failure = error
    }
    const retryable = failure !== undefined || (response !== undefined && RETRY_STATUSES.has(response.status))
    if (!retryable) return response as HttpResponse
    const serverMinimum = response ? retryAfterMs(response.headers['retry-after'], Date.now()) : undefined
    const wait = backoffMs(policy, attempt, serverMinimum, random)
    if (attempt >= policy.maxRetries || waited + wait > policy.maxTotalWaitMs) {
      if (failure) throw failure
      return response as HttpResponse
    }
    const reason = failure ? failure.message : `status ${response?.status}`
    options.onRetry?.({ attempt: attempt + 1, waitMs: wait, reason })
    await sleep(wait)
    waited += wait
  }
}

async function sendFollowingRedirects(original: BoundRequest, options: SendOptions): Promise<HttpResponse> {
  let req = original
  const origin = new URL(original.url).origin
  const sensitive = new Set([
    ...ALWAYS_SENSITIVE,
    ...(options.sensitiveHeaders ?? []).map((h) => h.toLowerCase()),
  ])
  let previous = original.url
  for (let hop = 0; ; hop++) {
    checkHost(req.url, options.allowedHosts, hop === 0 ? undefined : previous)
    const response = await sendOnce(req, options)
    const location = response.headers.location
    if (![301, 302, 303, 307, 308].includes(response.status) || location === undefined) return response
    if (hop >= MAX_REDIRECTS) {
      throw new QuarryError(
        'QUARRY_UPSTREAM_STATUS',
        `${describeUrl(original.url)} redirected more than ${MAX_REDIRECTS} times.`,
      )
    }

    const next = URL.parse(location, req.url)
    // The address is the upstream's text and may carry anything: it is not repeated.
    if (next === null) {
      throw new QuarryError(
        'QUARRY_UPSTREAM_MALFORMED',
        `${describeUrl(req.url)} answered ${response.status} with a Location header that is not a URL; Quarry cannot follow it.`,
      )
    }
    previous = req.url
    // Credentials belong to the datasource's origin: a redirect elsewhere goes without them.
    const headers =
      next.origin === origin
        ? req.headers
        : Object.fromEntries(
            Object.entries(req.headers).filter(([name]) => !sensitive.has(name.toLowerCase())),
          )
    const toGet =
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && req.method === 'POST')
    req = toGet
      ? { method: 'GET', url: next.toString(), headers: withoutBodyHeaders(headers) }
      : { ...req, url: next.toString(), headers }
  }
}

function withoutBodyHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !/^content-(type|length)$/i.test(name)),
  )
}

/**
 * Refuses a host the datasource does not allow. A redirect there is the upstream's doing (502) and
 * is told as one; a first request there is the caller's (400). Both say how to allow the host.
 */
function checkHost(url: string, allowed: ReadonlySet<string>, redirectedFrom: string | undefined): void {
  const { hostname, host } = new URL(url)
  if (allowed.has(hostname) || allowed.has(host)) return
  const only = `the datasource allows only ${[...allowed].join(', ')}`
  const remedy = {
    cli: `If it is trusted, add it with --allow-host ${host}.`,
    ui: `If it is trusted, add ${host} to the datasource's "Allowed hosts".`,
  }
  if (redirectedFrom !== undefined) {
    throw new QuarryError(
      'QUARRY_UPSTREAM_REDIRECT_REFUSED',
      `The API redirected from ${describeUrl(redirectedFrom)} to ${describeUrl(url)}; Quarry did not follow: ${only}.`,
      { remedy },
    )
  }
  throw new QuarryError('QUARRY_HOST_NOT_ALLOWED', `Refusing to send a request to ${host}: ${only}.`, {
    remedy,
  })
}

async function sendOnce(req: BoundRequest, options: SendOptions): Promise<HttpResponse> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), options.timeoutMs)
  const onAbort = () => controller.abort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  let reading = false
  let status: number
  const headers: Record<string, string> = {}
  let bytes: Buffer
  try {
    const response = await request(req.url, {
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      dispatcher: options.dispatcher,
      signal: controller.signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    })
    reading = true
    status = response.statusCode
    for (const [name, value] of Object.entries(response.headers))
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value

    const declared = Number(headers['content-length'])
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      discard(response.body)
      throw tooLarge(req.url, options.maxBytes, false)
    }
    bytes = await readBody(response.body, headers['content-encoding'], options.maxBytes, req.url)
  } catch (error) {
    if (error instanceof QuarryError) throw error
    if (options.signal?.aborted) throw error
    if (
      controller.signal.aborted ||
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError
    ) {
      throw new QuarryError(
        'QUARRY_UPSTREAM_TIMEOUT',
        `${req.method} ${describeUrl(req.url)} did not answer within ${options.timeoutMs} ms.`,
        { cause: error },
      )
    }
    throw describeNetworkError(error, req.method, req.url, reading)
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onAbort)
  }
  // Outside the network try: a body that cannot be decoded is the upstream's answer, not a failure to retry.
  const ok = status >= 200 && status < 300
  return { status, headers, body: decodeText(bytes, headers['content-type'], req.url, ok), url: req.url }
}
