/**
 * What the lower layers count for /metrics (issue 19), as a hook they call: the server implements it
 * with its own registry (src/server/metrics.ts), the CLI passes none. Labels are names the admin chose
 * (datasources) and fixed outcome words — never a URL, a parameter value or a secret.
 * No imports: every layer may take it.
 */
export interface Meter {
  /**
   * One upstream request (a REST page, a SQL statement): its datasource, how it ended — `ok`, or the
   * registered error code it failed with (a fixed set) — and its duration.
   */
  upstream(datasource: string, outcome: string, seconds: number): void
  /** One OAuth token refresh of a datasource's connection, and whether it worked. */
  tokenRefresh(datasource: string, outcome: 'ok' | 'failed'): void
  /** One look into the result cache: a fresh entry answered, or none did. */
  cacheLookup(outcome: 'hit' | 'miss'): void
  /** One converter run (all its shards) and how long it took. */
  converterRun(outcome: 'ok' | 'failed', seconds: number): void
  /** A converter worker replaced after it died or was retired. */
  workerRestart(): void
}

/** The outcome label of a failure: its registered code (QuarryError), else `error`. */
export function outcomeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^QUARRY_[A-Z0-9_]+$/.test(code) ? code : 'error'
}

/** Seconds since `start` (performance.now() milliseconds). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000
}
