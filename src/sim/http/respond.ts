import type { ServerResponse } from 'node:http'

/**
 * Response helpers. Each surface of Atlassian Cloud shapes its errors its own
 * way, and clients parse them, so the simulator keeps the three shapes apart:
 * - Jira REST: `{"errorMessages":[…],"errors":{…}}`
 * - the API gateway (api.atlassian.com, before a request reaches Jira): `{"code":401,"message":"Unauthorized"}`
 * - the token endpoint (auth.atlassian.com): `{"error":"invalid_grant","error_description":"…"}` (RFC 6749 §5.2)
 */

export type Headers = Readonly<Record<string, string | number>>

export interface SimResponse {
  readonly status: number
  readonly headers: Headers
  /** Sent as is; objects are JSON-encoded by `json()`. A Buffer is sent without re-encoding. */
  readonly body: string | Buffer
}

export function json(status: number, value: unknown, headers: Headers = {}): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
    body: JSON.stringify(value),
  }
}

export function html(status: number, body: string, headers: Headers = {}): SimResponse {
  return { status, headers: { 'content-type': 'text/html;charset=UTF-8', ...headers }, body }
}

export function redirect(location: string): SimResponse {
  return { status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' }
}

export function jiraError(status: number, errorMessages: readonly string[], errors = {}): SimResponse {
  return json(status, { errorMessages, errors })
}

export function gatewayError(status: number, message: string, headers: Headers = {}): SimResponse {
  return json(status, { code: status, message }, headers)
}

export function oauthError(status: number, error: string, description: string): SimResponse {
  return json(status, { error, error_description: description }, { 'cache-control': 'no-store' })
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

export function send(res: ServerResponse, response: SimResponse): void {
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) })
  res.end(response.body)
}
