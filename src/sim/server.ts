import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { DAY, SimClock } from './clock.js'
import type { ExpiredTokenStatus, SimContext } from './context.js'
import { generateWorld } from './data/generate.js'
import { FaultInjector, NO_FAULTS, type FaultPolicy, type Malformation } from './faults.js'
import { BodyError, readBody } from './http/body.js'
import { gatewayError, jiraError, send, type SimResponse } from './http/respond.js'
import { matchRoute, type Route } from './http/router.js'
import { inspectionRoutes } from './inspect.js'
import { jiraRoutes } from './jira/routes.js'
import type { SimClient } from './oauth/clients.js'
import { AuthorizationServer, DEFAULT_POLICY } from './oauth/grants.js'
import { oauthRoutes } from './oauth/routes.js'
import { Random, hashString } from './random.js'
import { RateLimiter, type RateLimitPolicy } from './rate-limit.js'
import { SimStats } from './stats.js'

export interface SimOptions {
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  readonly seed: number
  readonly issues: number
  /** What the clock reads at start (epoch ms); default: the real time. Issue dates are relative to its day. */
  readonly now?: number
  readonly accessTtlSeconds: number
  readonly refreshGraceSeconds: number
  readonly clients: readonly SimClient[]
  readonly autoConsent?: SimContext['autoConsent']
  readonly expiredStatus: ExpiredTokenStatus
  readonly rateLimit?: RateLimitPolicy
  readonly faults: FaultPolicy
  /** Apply faults to the token endpoint too (by default only Jira and the gateway get them). */
  readonly tokenFaults: boolean
}

export const DEFAULT_SIM_OPTIONS: SimOptions = {
  host: '127.0.0.1',
  port: 0,
  seed: 1,
  issues: 500,
  accessTtlSeconds: 3600,
  refreshGraceSeconds: 600,
  clients: [],
  expiredStatus: 401,
  faults: NO_FAULTS,
  tokenFaults: false,
}

export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:43567` (no trailing slash). */
  readonly url: string
  readonly port: number
  readonly context: SimContext
  close(): Promise<void>
}

/**
 * Starts the Atlassian Cloud simulator: the authorization server, the API
 * gateway's identity endpoints, Jira's REST API and the `/_sim/` inspection
 * endpoints, on one port, with all state in memory.
 *
 * @example
 * const sim = await startSimulator({ ...DEFAULT_SIM_OPTIONS, autoConsent: { login: 'alice', sites: undefined } })
 * await fetch(`${sim.url}/_sim/stats`)
 * await sim.close()
 */
export async function startSimulator(options: SimOptions): Promise<RunningSimulator> {
  const clock = new SimClock(options.now)
  const anchor = Math.floor(clock.now() / DAY) * DAY
  const world = generateWorld({ seed: options.seed, issues: options.issues, anchor })
  const stats = new SimStats()
  const auth = new AuthorizationServer(
    clock,
    stats,
    {
      ...DEFAULT_POLICY,
      accessTtlMs: options.accessTtlSeconds * 1000,
      refreshGraceMs: options.refreshGraceSeconds * 1000,
    },
    options.seed,
  )
  const random = new Random(hashString(`requests:${options.seed}`))
  const context: SimContext = {
    world,
    clock,
    stats,
    auth,
    clients: new Map(options.clients.map((client) => [client.clientId, client])),
    autoConsent: options.autoConsent,
    expiredTokenStatus: options.expiredStatus,
    random: () => random.next(),
  }
  const faults = new FaultInjector(options.faults, hashString(`faults:${options.seed}`))
  const rateLimiter = options.rateLimit ? new RateLimiter(options.rateLimit, clock) : undefined
  const routes: Route[] = [
    ...oauthRoutes(context),
    ...jiraRoutes(context),
    ...inspectionRoutes(context, () => {
      rateLimiter?.reset()
    }),
  ]

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Last line of defence: no request may take the simulator down.
      console.error('quarry sim: unexpected error', error)
      if (!res.headersSent) send(res, jiraError(500, ['Internal server error']))
      else res.destroy()
    })
  })
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    else socket.destroy()
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrival = performance.now()
    const method = req.method ?? 'GET'
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://sim.invalid')
    } catch {
      return send(res, gatewayError(400, 'Bad Request'))
    }
    let body = ''
    if (method !== 'GET' && method !== 'HEAD') {
      try {
        body = await readBody(req)
      } catch (error) {
        if (error instanceof BodyError) {
          const answer = gatewayError(error.status, error.message)
          // The client may still be sending: close the connection after answering.
          return send(res, { ...answer, headers: { ...answer.headers, connection: 'close' } })
        }
        throw error
      }
    }
    const match = matchRoute(routes, method, url.pathname)
    if (match.kind === 'not-found') {
      stats.countRequest('not found')
      return send(res, notFound(url.pathname))
    }
    if (match.kind === 'method-not-allowed') {
      stats.countRequest('method not allowed')
      const answer =
        match.surface === 'jira'
          ? jiraError(405, [`Method ${method} is not allowed here.`])
          : gatewayError(405, 'Method Not Allowed')
      return send(res, { ...answer, headers: { ...answer.headers, allow: match.allowed.join(', ') } })
    }
    const { route } = match
    stats.countRequest(route.endpoint)
    const faulty =
      faults.active &&
      (route.surface === 'jira' ||
        route.surface === 'gateway' ||
        (options.tokenFaults && route.surface === 'auth'))
    // --latency is the time from the request to its answer, processing included.
    const answerAt = faulty ? arrival + faults.latency() : arrival
    if (faulty) {
      const failure = faults.serverError()
      if (failure) {
        stats.faultsInjected++
        await until(answerAt)
        return send(res, failure)
      }
    }
    let extraHeaders: Record<string, string> = {}
    if (rateLimiter && route.surface === 'jira') {
      const decision = rateLimiter.take(req.headers.authorization ?? '')
      if (!decision.allowed) {
        stats.rateLimited++
        const answer = jiraError(429, ['Rate limit exceeded.'])
        return send(res, { ...answer, headers: { ...answer.headers, ...decision.headers } })
      }
      extraHeaders = decision.headers
    }
    const response = await route.handler({ method, url, headers: req.headers, body, params: match.params })
    await until(answerAt)
    const final = { ...response, headers: { ...response.headers, ...extraHeaders } }
    if (method === 'HEAD') return send(res, { ...final, body: '' })
    const malformation = faulty ? faults.malformation() : undefined
    if (malformation) stats.faultsInjected++
    if (malformation || (faulty && options.faults.slowBodyMs > 0))
      return sendDamaged(res, final, malformation, options.faults.slowBodyMs)

    send(res, final)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${host}:${port}`,
    port,
    context,
    close: () => closeServer(server),
  }
}

/**
 * Waits until a moment (performance.now() time) with sub-millisecond accuracy:
 * a timer for most of the wait, then yielding turns of the event loop, because
 * timers alone fire a millisecond or two late, which at 20 ms a page is 5–10%
 * of the latency a benchmark means to measure.
 */
async function until(moment: number): Promise<void> {
  const remaining = moment - performance.now()
  if (remaining <= 0) return
  if (remaining > 2) await sleep(remaining - 2)
  while (performance.now() < moment) await new Promise<void>((resolve) => setImmediate(resolve))
}

function notFound(path: string): SimResponse {
  if (path.startsWith('/ex/jira/')) return jiraError(404, [`No Jira REST resource at ${path}.`])
  return gatewayError(404, 'Not Found')
}

/**
 * Sends a body slowly and/or damaged. A `cut` body announces its full length and
 * stops half way, closing the connection; an `invalid` one is complete but not JSON.
 */
async function sendDamaged(
  res: ServerResponse,
  response: SimResponse,
  malformation: Malformation | undefined,
  slowBodyMs: number,
): Promise<void> {
  let body = Buffer.from(response.body)
  const length = body.length
  if (malformation === 'invalid')
    body = Buffer.from(`${response.body.slice(0, Math.floor(response.body.length / 2))}<!-- truncated`)
  if (malformation === 'cut') body = body.subarray(0, Math.floor(length / 2))
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': malformation === 'invalid' ? body.length : length,
  })
  const chunks = slowBodyMs > 0 ? 8 : 1
  const size = Math.ceil(body.length / chunks)
  for (let offset = 0; offset < body.length; offset += size) {
    if (res.destroyed) return
    res.write(body.subarray(offset, offset + size))
    if (slowBodyMs > 0) await sleep(slowBodyMs)
  }
  if (malformation === 'cut') res.destroy()
  else res.end()
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}
