import { createHash } from 'node:crypto'
import type { Dispatcher } from 'undici'
import { authFor, type AuthStrategy, type Credentials } from './auth/index.js'
import { withRemovedSearchFix } from './auth/presets/jira-removed-search.js'
import { NO_CREDENTIALS } from './auth/strategy.js'
import { converterMetadata, defaultRows, type ConverterPool } from './convert/index.js'
import {
  DatasourceSchema,
  joinSecrets,
  splitSecrets,
  type Datasource,
  type RestDatasource,
  type SqlDatasource,
} from './domain/datasource.js'
import { QuarryError, type Audience } from './domain/errors.js'
import { resolveParams, type ParamValue } from './domain/params.js'
import { maskSecrets } from './domain/secret-mask.js'
import { QuerySchema, type Query } from './domain/query.js'
import { bindBody, bindUrl, type BoundRequest } from './http/bind.js'
import type * as HttpClient from './http/client.js'
import type { SendOptions } from './http/client.js'
import { decodeBody, statusError } from './http/decode.js'
import { paginate, type FetchPage } from './http/pagination/index.js'
import type { RetryPolicy } from './http/retry.js'
import type * as Sql from './sql/index.js'
import type { Store } from './store/index.js'

/**
 * runQuery(): parameters → requests → pages → convert → cache → result.
 * The one place the pipeline's stages meet; the CLI, the server and the tests
 * all run queries through it.
 */

export interface EngineDeps {
  readonly store: Store
  readonly converters: ConverterPool
  readonly dispatcher?: Dispatcher
  /** The token endpoint's transport (tests inject one). */
  readonly fetch?: typeof fetch
  readonly retry?: RetryPolicy
  readonly now?: () => number
}

export interface RunOptions {
  /** Raw parameter values, parsed by each parameter's declared type. */
  readonly params?: Readonly<Record<string, string>>
  /** Bypass the cache (and refill it). */
  readonly refresh?: boolean
  /** Overrides the query's cache TTL. */
  readonly cacheTtlSeconds?: number
  /** Called after each page arrives. */
  readonly onPage?: (pages: number) => void
  /**
   * Receives each page's rows (a JSON array text) as soon as they exist; the
   * result's rowsJson is then empty unless the run is cached. For output that
   * can stream (CSV, NDJSON, JSON, HTML), so large results never sit in memory.
   */
  readonly onRows?: (rowsJson: string) => Promise<void>
  readonly signal?: AbortSignal
}

export interface RunResult {
  readonly query: string
  /** The rows as one JSON array text (rows stay text wherever they are only stored or sent); '' when they went to onRows only. */
  readonly rowsJson: string
  readonly rowCount: number
  readonly pages: number
  /** Why results may be incomplete (a cap was hit, pagination stopped early): shown to the user. */
  readonly notices: readonly string[]
  readonly fromCache: boolean
  readonly fetchedAt: Date
}

/** Loads a query and its datasource from the store, parsed and with secrets joined back. */
/** A query with its datasource, parsed, secrets joined. */
export interface LoadedQuery {
  readonly query: Query
  readonly datasource: Datasource
}

export async function loadQuery(store: Store, name: string): Promise<LoadedQuery> {
  const storedQuery = await store.queries.get(name)
  if (!storedQuery)
    throw new QuarryError('QUARRY_QUERY_NOT_FOUND', `No query named "${name}". See: quarry query list`)
  const query = QuerySchema.parse({
    ...(storedQuery.definition as object),
    name: storedQuery.name,
    datasource: storedQuery.datasource,
  })
  return { query, datasource: await loadDatasource(store, query.datasource) }
}

export async function loadDatasource(store: Store, name: string): Promise<Datasource> {
  const stored = await store.datasources.get(name)
  if (!stored) {
    throw new QuarryError(
      'QUARRY_DATASOURCE_NOT_FOUND',
      `No datasource named "${name}". See: quarry datasource list`,
    )
  }
  return DatasourceSchema.parse(joinSecrets(stored.config as Datasource, stored.secrets))
}

/**
 * Loads a REST datasource, for what only REST has (OAuth connect, request tests).
 *
 * @example const jira = await loadRestDatasource(store, 'jira', 'quarry connect')
 */
export async function loadRestDatasource(store: Store, name: string, what: string): Promise<RestDatasource> {
  const datasource = await loadDatasource(store, name)
  if (datasource.type !== 'rest') {
    throw new QuarryError(
      'QUARRY_DATASOURCE_KIND',
      `Datasource "${name}" is a ${datasource.type} database; ${what} is for REST datasources.`,
    )
  }
  return datasource
}

/** The first request of a query, parameters bound, without credentials. */
export function bindQuery(
  datasource: RestDatasource,
  query: Query,
  values: ReadonlyMap<string, ParamValue>,
): BoundRequest {
  const headers: Record<string, string> = { accept: 'application/json' }
  for (const header of datasource.headers) headers[header.name.toLowerCase()] = header.value
  const body = query.body === undefined ? undefined : bindBody(query.body, values)
  if (body !== undefined) headers['content-type'] = 'application/json'
  return Object.freeze({
    method: query.method,
    url: bindUrl(datasource.baseUrl, query.path ?? '', values),
    headers: Object.freeze(headers),
    ...(body === undefined ? {} : { body }),
  })
}

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
  deps: Pick<EngineDeps, 'dispatcher' | 'retry'>,
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
  return async (request) => {
    const { send, sharedDispatcher } = httpClient ?? (httpClient = await import('./http/client.js'))
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
}

/**
 * An upstream error with every known secret masked: an API that echoes the
 * request (a key, a token) in its error body must not put it on the user's screen.
 */
function scrubbed(error: QuarryError, secrets: readonly string[]): QuarryError {
  const message = maskSecrets(error.message, secrets)
  if (message === error.message) return error
  const { retryAfterSeconds } = error
  return new QuarryError(error.code, message, {
    cause: error.cause,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  })
}

/**
 * Whether a datasource works: one GET of its test path with its credentials. The answer is one line
 * for the user, success or the reason for failure (CLI `datasource test`, the admin UI's button).
 */
export async function checkDatasource(
  store: Store,
  name: string,
  deps: Pick<EngineDeps, 'dispatcher' | 'fetch'> & {
    /** Who reads the message: its next step is a command for the CLI, a button for the admin UI. */
    readonly audience?: Audience
  } = {},
): Promise<{ ok: boolean; message: string }> {
  const datasource = await loadDatasource(store, name)
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  if (datasource.type !== 'rest') {
    try {
      const version = await (await (await loadSqlStage()).sqlDriver(datasource)).version()
      return { ok: true, message: `${datasource.name} works (${version}, connected in ${elapsed()} ms)` }
    } catch (error) {
      if (error instanceof QuarryError) {
        return {
          ok: false,
          message: `${datasource.name} does not work: ${error.messageFor(deps.audience ?? 'cli')}`,
        }
      }
      throw error
    }
  }
  const url = bindUrl(datasource.baseUrl, datasource.testPath, new Map())
  try {
    const fetchPage = pageFetcher(datasource, authFor(datasource, store.connections, deps.fetch), deps)
    await fetchPage({ method: 'GET', url, headers: { accept: 'application/json' } })
    const ms = Math.round(performance.now() - started)
    return {
      ok: true,
      message: `${datasource.name} works (GET ${new URL(url).pathname} answered in ${ms} ms)`,
    }
  } catch (error) {
    if (error instanceof QuarryError) {
      return {
        ok: false,
        message: `${datasource.name} does not work: ${error.messageFor(deps.audience ?? 'cli')}`,
      }
    }
    throw error
  }
}

/** Runs in progress, per store: concurrent identical runs share one. */
const inflightByStore = new WeakMap<Store, Map<string, Promise<RunResult>>>()

/**
 * Runs a stored query.
 *
 * @example const result = await runQuery(deps, 'jira-issues', { params: { jql: 'project = DEMO' } })
 */
export async function runQuery(
  deps: EngineDeps,
  /** A stored query's name, or one loaded already (the server checked its visibility on it). */
  name: string | LoadedQuery,
  options: RunOptions = {},
): Promise<RunResult> {
  const { query, datasource } = typeof name === 'string' ? await loadQuery(deps.store, name) : name
  const values = resolveParams(query, options.params ?? {})
  const ttl = options.cacheTtlSeconds ?? query.cacheTtlSeconds ?? 0
  let key: string
  let produce: (keep: boolean) => Promise<RunResult>
  if (datasource.type === 'rest') {
    if (query.path === undefined) throw wrongKind(query, datasource)
    const first = bindQuery(datasource, query, values)
    key = cacheKey(datasource, query, [first.method, first.url, first.headers, first.body ?? null])
    produce = (keep) => fetchAndConvert(deps, datasource, query, values, first, options, keep)
  } else {
    if (query.sql === undefined) throw wrongKind(query, datasource)
    const sql = await loadSqlStage()
    const bound = sql.bindFor(datasource, query.sql, query.params, values)
    // The bound statement and its values, like a REST query's bound URL: equal runs share an entry.
    key = cacheKey(datasource, query, [bound.text, bound.values])
    produce = (keep) => querySql(deps, sql, datasource, query, values, bound, options, keep)
  }
  const now = () => new Date((deps.now ?? Date.now)())
  if (ttl > 0 && !options.refresh) {
    const cached = await deps.store.cache.get(key, now())
    if (cached) {
      const stored = JSON.parse(cached.value) as Omit<RunResult, 'fromCache' | 'fetchedAt'>
      if (options.onRows && stored.rowCount > 0) await options.onRows(stored.rowsJson)
      return { ...stored, fromCache: true, fetchedAt: cached.storedAt }
    }
  }
  // Concurrent identical runs share one upstream fetch (streamed runs have their own).
  let inflight = inflightByStore.get(deps.store)
  if (!inflight) inflightByStore.set(deps.store, (inflight = new Map()))
  const running = options.onRows ? undefined : inflight.get(key)
  if (running) return running
  const run = produce(ttl > 0).then(async (result) => {
    if (ttl > 0) {
      const { fromCache: _f, fetchedAt, ...stored } = result
      await deps.store.cache.set(
        key,
        JSON.stringify(stored),
        fetchedAt,
        new Date(fetchedAt.getTime() + ttl * 1000),
      )
    }
    return result
  })
  if (options.onRows) return run
  inflight.set(key, run)
  try {
    return await run
  } finally {
    inflight.delete(key)
  }
}

/**
 * The cache key: the bound request (REST: method, URL, headers, body; SQL: the
 * statement and its values), the whole datasource (so any edit — another
 * account, another secret — misses the old entries), and everything that
 * shapes the rows: pagination, caps, converter.
 */
function cacheKey(datasource: Datasource, query: Query, bound: readonly unknown[]): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        datasource,
        ...bound,
        query.pagination,
        query.maxPages,
        query.maxRows ?? null,
        query.converter ?? null,
      ]),
    )
    .digest('base64url')
}

/** What a converter may return in one run: the query's setting, else its datasource's, else the pool's defaults. */
function resultLimits(query: Query, datasource: Datasource): { maxRows?: number; maxBytes?: number } {
  const maxRows = query.converterMaxRows ?? datasource.converterMaxRows
  const maxBytes = query.converterMaxBytes ?? datasource.converterMaxBytes
  return { ...(maxRows === undefined ? {} : { maxRows }), ...(maxBytes === undefined ? {} : { maxBytes }) }
}

function wrongKind(query: Query, datasource: Datasource): QuarryError {
  return new QuarryError(
    'QUARRY_DATASOURCE_KIND',
    datasource.type === 'rest'
      ? `Query "${query.name}" has SQL, but datasource "${datasource.name}" is a REST API: give it a --path instead (quarry query edit ${query.name} --path …).`
      : `Query "${query.name}" has a path, but datasource "${datasource.name}" is a ${datasource.type} database: give it --sql "SELECT …" instead.`,
  )
}

/** The SQL stage (and its drivers), loaded on the first SQL query: REST runs never pay for it. */
let sqlStage: typeof Sql | undefined

/** The SQL stage module, loaded once; closeSqlPools() closes what it opened. */
export async function loadSqlStage(): Promise<typeof Sql> {
  return sqlStage ?? (sqlStage = await import('./sql/index.js'))
}

/**
 * Closes the SQL datasources' connection pools (if any SQL query ran), so a CLI process exits at once.
 *
 * @example try { await runQuery(deps, 'orders') } finally { await closeSqlPools() }
 */
export async function closeSqlPools(): Promise<void> {
  await sqlStage?.closeSqlDrivers()
}

/**
 * A SQL query's rows: batches of rows stream from the driver as JSON text. Without a converter
 * they go out as they come (onRows), like REST pages; with one, the converter gets the whole
 * result as one JSON array text — as a REST converter gets one whole response.
 */
async function querySql(
  deps: EngineDeps,
  sql: typeof Sql,
  datasource: SqlDatasource,
  query: Query,
  values: ReadonlyMap<string, ParamValue>,
  bound: Sql.BoundSql,
  options: RunOptions,
  keep: boolean,
): Promise<RunResult> {
  const notices: string[] = []
  const byQuery = query.maxRows !== undefined && query.maxRows < datasource.maxRows
  const maxRows = byQuery ? (query.maxRows as number) : datasource.maxRows
  const batches = sql.sqlRows(datasource, bound, {
    maxRows,
    onLimit: () =>
      notices.push(
        `Stopped at ${maxRows} rows (the ${byQuery ? "query's maxRows" : "datasource's row limit"}); the query returns more.`,
      ),
    ...(options.signal ? { signal: options.signal } : {}),
  })
  const parts: string[] = []
  let rowCount = 0
  let pages = 0
  if (query.converter === undefined) {
    for await (const batch of batches) {
      pages++
      options.onPage?.(pages)
      rowCount += batch.rowCount
      if (options.onRows) await options.onRows(batch.rowsJson)
      if (keep || !options.onRows) parts.push(batch.rowsJson.slice(1, -1))
    }
  } else {
    const input: string[] = []
    for await (const batch of batches) {
      pages++
      options.onPage?.(pages)
      input.push(batch.rowsJson.slice(1, -1))
    }
    const converted = await deps.converters.run({
      source: query.converter,
      limits: resultLimits(query, datasource),
      pages: [`[${input.join(',')}]`],
      metadata: converterMetadata(query.name, Object.fromEntries(values), 0),
    })
    rowCount = converted.rowCount
    if (rowCount > 0) {
      if (options.onRows) await options.onRows(converted.rowsJson)
      if (keep || !options.onRows) parts.push(converted.rowsJson.slice(1, -1))
    }
  }
  const streamedOnly = options.onRows !== undefined && !keep
  return {
    query: query.name,
    rowsJson: streamedOnly ? '' : `[${parts.join(',')}]`,
    rowCount,
    pages,
    notices,
    fromCache: false,
    fetchedAt: new Date((deps.now ?? Date.now)()),
  }
}

async function fetchAndConvert(
  deps: EngineDeps,
  datasource: RestDatasource,
  query: Query,
  values: ReadonlyMap<string, ParamValue>,
  first: BoundRequest,
  options: RunOptions,
  keep: boolean,
): Promise<RunResult> {
  const notices: string[] = []
  const fetchPage = pageFetcher(
    datasource,
    authFor(datasource, deps.store.connections, deps.fetch),
    deps,
    options.signal,
  )
  const parameters = Object.fromEntries(values)
  // Each page becomes rows (JSON text) as it arrives: with onRows they go straight
  // out, so 100,000 rows never sit in memory at once (bench/memory.mjs).
  const parts: string[] = []
  let rowCount = 0
  let pages = 0
  for await (const page of paginate(first, query.pagination, fetchPage, {
    maxPages: query.maxPages,
    concurrency: query.concurrency,
    onNotice: (notice) => notices.push(notice),
  })) {
    pages++
    options.onPage?.(pages)
    let json: string
    let count: number
    if (query.converter === undefined) {
      const rows = defaultRows(page.value)
      json = JSON.stringify(rows)
      count = rows.length
    } else {
      // PocketQuery's contract: convert() sees one response; pages' rows are concatenated in order.
      const converted = await deps.converters.run({
        source: query.converter,
        limits: resultLimits(query, datasource),
        pages: [page.text],
        metadata: converterMetadata(query.name, parameters, page.index),
      })
      json = converted.rowsJson
      count = converted.rowCount
    }
    const full = query.maxRows !== undefined && rowCount + count >= query.maxRows
    if (full && query.maxRows !== undefined) {
      const room = query.maxRows - rowCount
      if (count > room) json = JSON.stringify((JSON.parse(json) as unknown[]).slice(0, room))
      count = room
      notices.push(`Stopped at ${query.maxRows} rows (the query's maxRows); more results may exist.`)
    }
    rowCount += count
    if (count > 0) {
      if (options.onRows) await options.onRows(json)
      if (keep || !options.onRows) parts.push(json.slice(1, -1))
    }
    // The row cap is reached: no need to fetch what would be cut anyway.
    if (full) break
  }
  const fetchedAt = new Date((deps.now ?? Date.now)())
  const streamedOnly = options.onRows !== undefined && !keep
  return {
    query: query.name,
    rowsJson: streamedOnly ? '' : `[${parts.filter((part) => part !== '').join(',')}]`,
    rowCount,
    pages,
    notices,
    fromCache: false,
    fetchedAt,
  }
}
