import { parseClientSpec } from '../../src/sim/oauth/clients.js'
import {
  DEFAULT_SIM_OPTIONS,
  startSimulator,
  type RunningSimulator,
  type SimOptions,
} from '../../src/sim/server.js'

/** The app every test registers; its second redirect URI is the guide's. */
export const TEST_CLIENT = parseClientSpec(
  'test-app:test-secret:http://localhost:8765/callback,https://example.com',
)
export const REDIRECT_URI = 'http://localhost:8765/callback'
export const SCOPES = 'read:jira-work read:jira-user read:me offline_access'

/** Starts a simulator on a free loopback port with the test app registered. */
export function startTestSim(overrides: Partial<SimOptions> = {}): Promise<RunningSimulator> {
  return startSimulator({
    ...DEFAULT_SIM_OPTIONS,
    issues: 300,
    clients: [TEST_CLIENT],
    autoConsent: { login: 'alice', sites: undefined },
    ...overrides,
  })
}

export function authorizeUrl(sim: RunningSimulator, params: Record<string, string> = {}): string {
  const url = new URL('/authorize', sim.url)
  url.search = new URLSearchParams({
    audience: 'api.atlassian.com',
    client_id: TEST_CLIENT.clientId,
    scope: SCOPES,
    redirect_uri: REDIRECT_URI,
    state: 'state-123',
    response_type: 'code',
    prompt: 'consent',
    ...params,
  }).toString()
  return url.toString()
}

/** Follows an authorize request with auto-consent and returns the redirect it answered with. */
export async function authorize(sim: RunningSimulator, params: Record<string, string> = {}): Promise<URL> {
  const response = await fetch(authorizeUrl(sim, params), { redirect: 'manual' })
  const location = response.headers.get('location')
  if (response.status !== 302 || !location)
    throw new Error(`authorize answered ${response.status}: ${await response.text()}`)

  return new URL(location)
}

export async function codeFor(sim: RunningSimulator, params: Record<string, string> = {}): Promise<string> {
  const code = (await authorize(sim, params)).searchParams.get('code')
  if (!code) throw new Error('no code in the redirect')
  return code
}

export async function postToken(sim: RunningSimulator, body: Record<string, string>): Promise<Response> {
  return fetch(`${sim.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

export interface Tokens {
  access_token: string
  refresh_token?: string
  expires_in: number
  scope: string
  token_type: string
}

/** POSTs an authorization_code exchange for the test app; `overrides` change or (with undefined) drop fields. */
export async function postCode(
  sim: RunningSimulator,
  code: string,
  overrides: Record<string, string | undefined> = {},
): Promise<Response> {
  const body: Record<string, string | undefined> = {
    grant_type: 'authorization_code',
    client_id: TEST_CLIENT.clientId,
    client_secret: TEST_CLIENT.clientSecret,
    code,
    redirect_uri: REDIRECT_URI,
    ...overrides,
  }
  return postToken(
    sim,
    Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as Record<string, string>,
  )
}

export async function exchange(sim: RunningSimulator, code: string): Promise<Tokens> {
  const response = await postCode(sim, code)
  if (response.status !== 200) throw new Error(`token answered ${response.status}: ${await response.text()}`)
  return (await response.json()) as Tokens
}

export async function refresh(sim: RunningSimulator, refreshToken: string): Promise<Response> {
  return postToken(sim, {
    grant_type: 'refresh_token',
    client_id: TEST_CLIENT.clientId,
    client_secret: TEST_CLIENT.clientSecret,
    refresh_token: refreshToken,
  })
}

/** A full consent: authorize (auto-consent) + code exchange. */
export async function connect(sim: RunningSimulator, params: Record<string, string> = {}): Promise<Tokens> {
  return exchange(sim, await codeFor(sim, params))
}

export async function advance(sim: RunningSimulator, seconds: number): Promise<void> {
  const response = await fetch(`${sim.url}/_sim/advance?seconds=${seconds}`, { method: 'POST' })
  if (!response.ok) throw new Error(`advance answered ${response.status}`)
}

export async function stats(
  sim: RunningSimulator,
): Promise<Record<string, unknown> & { requests: Record<string, number> }> {
  return (await (await fetch(`${sim.url}/_sim/stats`)).json()) as Record<string, unknown> & {
    requests: Record<string, number>
  }
}

/** GET a Jira REST path for the caller's first site. */
export async function jira(
  sim: RunningSimulator,
  token: string,
  path: string,
  init: RequestInit & { version?: 2 | 3; site?: string } = {},
): Promise<Response> {
  const site = init.site ?? sim.context.world.sites[0]?.cloudId
  return fetch(`${sim.url}/ex/jira/${site}/rest/api/${init.version ?? 3}/${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(init.headers ?? {}) },
  })
}
