import type { Dispatcher } from 'undici'
import type { ConverterPool } from '../convert/index.js'
import type { Meter } from '../domain/meter.js'
import type { RetryPolicy } from '../http/retry.js'
import type { Store } from '../store/index.js'

/** What the engine runs with: the store, the converter sandbox, and the transports and clock tests inject. */
export interface EngineDeps {
  readonly store: Store
  readonly converters: ConverterPool
  readonly dispatcher?: Dispatcher
  /** The token endpoint's transport (tests inject one). */
  readonly fetch?: typeof fetch
  readonly retry?: RetryPolicy
  readonly now?: () => number
  /** Counts for /metrics (the server's); none: nothing is counted. */
  readonly meter?: Meter
}

/** The engine's clock: the injected one, else the system's. */
export function nowOf(deps: Pick<EngineDeps, 'now'>): Date {
  return new Date((deps.now ?? Date.now)())
}
