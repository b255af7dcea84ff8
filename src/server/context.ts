import type { ConverterPool } from '../convert/index.js'
import type { Scheduler } from '../schedule/index.js'
import type { Store } from '../store/index.js'
import type { ViewCache } from './view-cache.js'

export interface ServerOptions {
  /** Where people reach this server, e.g. http://localhost:8080 — used for links, cookies and the OAuth callback. */
  readonly publicUrl: string
  /** Origins allowed to put views in an iframe (besides this server itself). */
  readonly frameAncestors: readonly string[]
  /** How long a sign-in lasts. */
  readonly sessionTtlMs: number
  /** Sign-in attempts allowed per client address per minute (counted in the store, across servers). */
  readonly loginAttemptsPerMinute: number
  /** Refresh presses per signed-in user (or client address) per minute. */
  readonly refreshesPerMinute: number
  /** Query runs, samples, tests and previews through the API per user per minute. */
  readonly apiRunsPerMinute: number
  /** A visitor's Refresh of a public view fetches at most once per this many seconds per query. */
  readonly refreshCooldownSeconds: number
  /**
   * Which proxies' `X-Forwarded-For` to believe for the client address: a hop count, or addresses
   * and CIDRs (Fastify's trustProxy). Absent: the socket's address, whatever the headers say.
   */
  readonly trustProxy?: number | readonly string[]
  /** Atlassian's hosts for the presets whose provider is `atlassian` (default: the real ones, or QUARRY_ATLASSIAN_AUTH_URL/API_URL). */
  readonly atlassian?: { readonly authUrl: string; readonly apiUrl: string }
}

/** What every route shares. */
export interface ServerContext {
  readonly store: Store
  readonly converters: ConverterPool
  /** Rendered views of cached results (this process). */
  readonly views: ViewCache
  readonly options: ServerOptions
  readonly now: () => Date
  /** Runs schedules (started by `quarry serve`; a test ticks it by hand) and their Run now. */
  readonly scheduler: Scheduler
}

export const SESSION_COOKIE = 'quarry_session'
export const CALLBACK_PATH = '/api/oauth/callback'
/** The admin UI's page where a signed-in person sees and revokes their own connections (issue 15). */
export const MY_CONNECTIONS_PAGE = '/admin/connections'
