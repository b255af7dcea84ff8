import type { FastifyReply, FastifyRequest } from 'fastify'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Meter } from '../domain/meter.js'
import type { ServerContext } from './context.js'
import { RequestHistogram } from './request-histogram.js'

/** Seconds: from a cached view (milliseconds) to a slow upstream or converter (tens of seconds). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

/**
 * The server's counters for /metrics (issue 19), in a registry of its own — not prom-client's global
 * one — so that several servers in one process (tests) never share or collide. Labels are route
 * patterns, datasource names and fixed outcome words: never a raw URL, a query string, a parameter
 * value or a secret.
 */
export class ServerMetrics implements Meter {
  readonly registry = new Registry()
  /**
   * Requests answered since the last scrape, by method, route and status class: a request adds 1 to a
   * number here, and a scrape adds each count to the counter once (prom-client's inc hashes and checks
   * its labels at every call, ~0.6 µs: a tenth of a cached view's own time).
   */
  readonly #answered = new Map<
    string,
    { labels: Record<'method' | 'route' | 'status', string>; count: number }
  >()
  /** View cache lookups since the last scrape, the same way. */
  readonly #viewLookups = { hit: 0, miss: 0 }
  readonly #requests = new Counter({
    name: 'quarry_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status class.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
    collect: () => {
      for (const answered of this.#answered.values()) {
        if (answered.count === 0) continue
        this.#requests.inc(answered.labels, answered.count)
        answered.count = 0
      }
    },
  })
  readonly #requestSeconds = new RequestHistogram({
    name: 'quarry_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  })
  readonly #upstream = new Counter({
    name: 'quarry_upstream_requests_total',
    help: 'Requests to datasources (REST pages, SQL statements), by datasource and outcome (ok or the error code).',
    labelNames: ['datasource', 'outcome'] as const,
    registers: [this.registry],
  })
  readonly #upstreamSeconds = new Histogram({
    name: 'quarry_upstream_request_duration_seconds',
    help: 'Time of one request to a datasource, by datasource.',
    labelNames: ['datasource'] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  })
  readonly #refreshes = new Counter({
    name: 'quarry_token_refreshes_total',
    help: 'OAuth token refreshes sent to the token endpoint, by datasource and outcome (ok, failed).',
    labelNames: ['datasource', 'outcome'] as const,
    registers: [this.registry],
  })
  readonly #cache = new Counter({
    name: 'quarry_cache_lookups_total',
    help: 'Result cache lookups, by outcome (hit, miss).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  })
  readonly #views = new Counter({
    name: 'quarry_view_cache_lookups_total',
    help: 'Rendered-view cache lookups (in front of the result cache: a hit reads no result), by outcome (hit, miss).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
    collect: () => {
      for (const outcome of ['hit', 'miss'] as const) {
        if (this.#viewLookups[outcome] === 0) continue
        this.#views.inc({ outcome }, this.#viewLookups[outcome])
        this.#viewLookups[outcome] = 0
      }
    },
  })
  readonly #converterSeconds = new Histogram({
    name: 'quarry_converter_run_duration_seconds',
    help: 'Time of one converter run (queueing included), by outcome (ok, failed).',
    labelNames: ['outcome'] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  })
  readonly #restarts = new Counter({
    name: 'quarry_converter_worker_restarts_total',
    help: 'Converter workers replaced after dying or being retired.',
    registers: [this.registry],
  })

  constructor(ctx: ServerContext) {
    const { converters } = ctx
    // Read at each scrape, not kept: the depth is whatever it is right now.
    new Gauge({
      name: 'quarry_converter_queue_depth',
      help: 'Converter jobs waiting for a free worker.',
      registers: [this.registry],
      collect() {
        this.set(converters.queueDepth)
      },
    })
    // Every label combination of a known set starts at 0, so a first increase is a change, not a new series.
    for (const outcome of ['hit', 'miss'] as const) {
      this.#cache.inc({ outcome }, 0)
      this.#views.inc({ outcome }, 0)
    }
    this.#restarts.inc(0)
  }

  /**
   * Fastify's onResponse hook: the route's pattern (`/v/:name`), never the URL that was asked for. A
   * callback hook: an async one costs every request a promise.
   */
  readonly onResponse = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const route = request.routeOptions.url ?? 'unmatched'
    const { method } = request
    const status = `${Math.floor(reply.statusCode / 100)}xx`
    // Routes and methods are the app's own (a fixed set); an unmatched URL counts as 'unmatched'.
    const key = `${method} ${status} ${route}`
    const answered = this.#answered.get(key)
    if (answered === undefined) this.#answered.set(key, { labels: { method, route, status }, count: 1 })
    else answered.count++
    this.#requestSeconds.observeAnswer(method, route, reply.elapsedTime / 1000)
    done()
  }

  upstream(datasource: string, outcome: string, seconds: number): void {
    this.#upstream.inc({ datasource, outcome })
    this.#upstreamSeconds.observe({ datasource }, seconds)
  }

  tokenRefresh(datasource: string, outcome: 'ok' | 'failed'): void {
    this.#refreshes.inc({ datasource, outcome })
  }

  cacheLookup(outcome: 'hit' | 'miss'): void {
    this.#cache.inc({ outcome })
  }

  /** One look into the server's rendered views (ViewCache); not part of Meter: only the server has one. */
  viewCacheLookup(outcome: 'hit' | 'miss'): void {
    this.#viewLookups[outcome]++
  }

  converterRun(outcome: 'ok' | 'failed', seconds: number): void {
    this.#converterSeconds.observe({ outcome }, seconds)
  }

  workerRestart(): void {
    this.#restarts.inc()
  }
}

/** One set of metrics per server context (one per app). */
const byContext = new WeakMap<ServerContext, ServerMetrics>()

/** The metrics of this server, made on first use. */
export function metricsOf(ctx: ServerContext): ServerMetrics {
  let metrics = byContext.get(ctx)
  if (metrics === undefined) byContext.set(ctx, (metrics = new ServerMetrics(ctx)))
  return metrics
}
