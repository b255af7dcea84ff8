import type { IncomingHttpHeaders } from 'node:http'
import type { SimResponse } from './respond.js'

/** A parsed request, as handlers see it: plain data, body already read. */
export interface SimRequest {
  readonly method: string
  readonly url: URL
  readonly headers: IncomingHttpHeaders
  readonly body: string
  /** Named groups of the route's path pattern. */
  readonly params: Readonly<Record<string, string>>
}

export type Handler = (req: SimRequest) => SimResponse | Promise<SimResponse>

/** Which part of Atlassian Cloud a route belongs to: decides error shapes and which faults apply. */
export type Surface = 'auth' | 'gateway' | 'jira' | 'sim'

export interface Route {
  readonly method: string
  /** Anchored path pattern with named groups, e.g. /^\/rest\/api\/(?<v>[23])\/myself$/ */
  readonly pattern: RegExp
  /** The name `/_sim/stats` counts requests under, e.g. `GET search/jql`. */
  readonly endpoint: string
  readonly surface: Surface
  readonly handler: Handler
}

export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: 'method-not-allowed'; readonly surface: Surface; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' }

/** Finds the route for a method and path. HEAD is served as GET. */
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  const allowed: string[] = []
  let surface: Surface | undefined
  for (const route of routes) {
    const match = route.pattern.exec(path)
    if (!match) continue
    if (route.method === method || (method === 'HEAD' && route.method === 'GET'))
      return { kind: 'found', route, params: { ...match.groups } }

    allowed.push(route.method)
    surface ??= route.surface
  }
  return surface ? { kind: 'method-not-allowed', surface, allowed } : { kind: 'not-found' }
}
