import { createHash } from 'node:crypto'
import type { BoundQuery } from './bind.js'
import { nowOf, type EngineDeps } from './deps.js'
import { SHARED_CONNECTION, type Store } from '../store/index.js'
import { sharedFlight } from './flight.js'
import { cacheEntryOf, resultFromCache, type RunResult } from './result.js'

/**
 * The cache key: the bound request (REST: method, URL, headers, body; SQL: the
 * statement and its values), the whole datasource (so any edit — another
 * account, another secret — misses the old entries), and everything that
 * shapes the rows: pagination, caps, converter.
 */
export function cacheKey(run: BoundQuery, user: string = SHARED_CONNECTION): string {
  const { query, datasource } = run
  // The bound statement and its values, like a REST query's bound URL: equal runs share an entry.
  const bound =
    run.kind === 'rest'
      ? [run.first.method, run.first.url, run.first.headers, run.first.body ?? null]
      : [run.bound.text, run.bound.values]
  return createHash('sha256')
    .update(
      JSON.stringify([
        datasource,
        ...bound,
        query.pagination,
        query.maxPages,
        query.maxRows ?? null,
        query.converter ?? null,
        // A per-user datasource's rows are its person's alone (issue 15): their name is in the key.
        ...(user === SHARED_CONNECTION ? [] : [{ user }]),
      ]),
    )
    .digest('base64url')
}

/** The fresh entry of `key`, if any. */
async function cachedResult(
  deps: Pick<EngineDeps, 'store' | 'now'>,
  key: string,
): Promise<RunResult | undefined> {
  const cached = await deps.store.cache.get(key, nowOf(deps))
  return cached === undefined ? undefined : resultFromCache(cached.value, cached.storedAt)
}

/** Runs in progress, per store: concurrent identical runs share one. */
const inflightByStore = new WeakMap<Store, Map<string, Promise<RunResult>>>()

/**
 * A run through the cache: a fresh entry answers without running; otherwise `produce` runs
 * (told whether to keep the rows for the cache) and its result is stored for `ttlSeconds`.
 * Concurrent identical runs share one upstream fetch (streamed runs have their own): in this process
 * through the in-flight map, and across the servers of a PostgreSQL store through a claim (flight.ts).
 */
export async function throughCache(
  deps: Pick<EngineDeps, 'store' | 'now' | 'meter'>,
  run: {
    readonly key: string
    /** 0: no caching. */
    readonly ttlSeconds: number
    /** Skip the cached entry (and refill it). */
    readonly refresh: boolean
    /** Look the entry up even when ttlSeconds is 0 (someone else keeps it fresh: a schedule). */
    readonly readCache?: boolean
    readonly onRows?: ((rowsJson: string) => Promise<void>) | undefined
  },
  produce: (keep: boolean) => Promise<RunResult>,
): Promise<RunResult> {
  const { key, ttlSeconds, onRows } = run
  if ((ttlSeconds > 0 || run.readCache === true) && !run.refresh) {
    const cached = await cachedResult(deps, key)
    deps.meter?.cacheLookup(cached ? 'hit' : 'miss')
    if (cached) {
      if (onRows && cached.rowCount > 0) await onRows(cached.rowsJson)
      return cached
    }
  }
  let inflight = inflightByStore.get(deps.store)
  if (!inflight) inflightByStore.set(deps.store, (inflight = new Map()))
  const running = onRows ? undefined : inflight.get(key)
  if (running) return running
  const runAndStore = () =>
    produce(ttlSeconds > 0).then(async (result) => {
      if (ttlSeconds > 0) {
        const { fetchedAt } = result
        await deps.store.cache.set(
          key,
          cacheEntryOf(result),
          fetchedAt,
          new Date(fetchedAt.getTime() + ttlSeconds * 1000),
        )
      }
      return result
    })
  if (onRows) return runAndStore()
  // Other servers of the store share the run through its entry: only a run that stores one.
  const { flights } = deps.store
  const produced =
    flights !== undefined && ttlSeconds > 0 && !run.refresh
      ? sharedFlight(flights, key, () => cachedResult(deps, key), runAndStore)
      : runAndStore()
  inflight.set(key, produced)
  try {
    return await produced
  } finally {
    inflight.delete(key)
  }
}
