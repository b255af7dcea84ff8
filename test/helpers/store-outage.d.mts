/** The figures of runStoreOutage (store-outage.mjs): what a store outage under load did. */
export interface StoreOutageFigures {
  readonly outageMs: number
  /** How long `pg_ctl stop -m fast` and `pg_ctl start -w` took. */
  readonly stopMs: number
  readonly startMs: number
  readonly loadMs: number
  /** STORE_CONNECT_TIMEOUT_MS of the build: the documented bound of an answer during an outage. */
  readonly boundMs: number
  /** Requests that ended before the stop, were in flight from the stop to the start's end, began after. */
  readonly requests: { readonly before: number; readonly during: number; readonly after: number }
  /** By outcome: `served (200)`, `CODE (status)`, `HUNG (no answer)`, `CLIENT:… (no answer)`. */
  readonly duringByOutcome: Readonly<Record<string, number>>
  readonly duringByKind: Readonly<Record<string, number>>
  readonly afterByOutcome: Readonly<Record<string, number>>
  readonly unreachableWithoutRetryAfter: number
  readonly maxLatencyDuringMs: number
  readonly maxLatencyBeforeMs: number
  /** Per server: from PostgreSQL answering again to its last failed answer (or first success); null if never. */
  readonly recoveryMs: readonly (number | null)[]
  readonly serversAlive: readonly boolean[]
  /** Per signed-in person: the session cookie from before the outage still signs them in, on their server. */
  readonly sessionsIntact: readonly boolean[]
  /** Per server: the cached result is served from the cache, with the rows it had before the outage. */
  readonly cachedIntact: readonly boolean[]
  /** Per server: an uncached view (an upstream request with the connection's token) is served. */
  readonly uncachedServed: readonly boolean[]
  readonly connection: { readonly status: string | undefined; readonly statusMessage: string | null }
  /** Scheduled runs (every second) that ended ok for ticks after PostgreSQL answered again. */
  readonly scheduledAfter: number
  /** The simulator's token endpoint counters. */
  readonly sim: {
    readonly refreshes: number
    readonly graceRefreshes: number
    readonly invalidGrants: number
    readonly revokedGrants: number
  }
  /** Each server's warnings and errors (pino lines). */
  readonly logs: readonly string[]
}

export const STORE_CONNECT_TIMEOUT_MS: number
export const HANG_MS: number

export function runStoreOutage(options?: {
  outageMs?: number
  warmMs?: number
  afterMs?: number
}): Promise<StoreOutageFigures>
