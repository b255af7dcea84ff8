import type { RunningSimulator } from '../../src/sim/server.js'
import type { ConnectionInput, Store } from '../../src/store/index.js'
import type { TestEngine } from './engine.js'
import { REDIRECT_URI, TEST_CLIENT, connect, type Tokens } from './sim.js'

export interface SimJiraOptions {
  readonly name?: string
  readonly version?: 2 | 3
  /** Tokens from an earlier consent; default: a fresh consent (alice). */
  readonly tokens?: Tokens
  /** Overrides of the stored connection (e.g. an expiry in the past, so the first run refreshes). */
  readonly connection?: Partial<ConnectionInput>
}

/**
 * Adds a 3LO Jira datasource on the simulator's first site and stores a
 * connection for it, as `quarry connect` would: what the engine, auth and
 * stress specifications all start from.
 */
export async function addSimJira(
  engine: TestEngine,
  sim: RunningSimulator,
  options: SimJiraOptions = {},
): Promise<Tokens> {
  const name = options.name ?? 'jira'
  const cloudId = sim.context.world.sites[0]?.cloudId as string
  await engine.addDatasource({
    name,
    type: 'rest',
    baseUrl: `${sim.url}/ex/jira/${cloudId}/rest/api/${options.version ?? 3}`,
    testPath: '/myself',
    auth: {
      type: 'oauth2-authorization-code',
      authorizeUrl: `${sim.url}/authorize`,
      tokenUrl: `${sim.url}/oauth/token`,
      clientId: TEST_CLIENT.clientId,
      clientSecret: TEST_CLIENT.clientSecret,
      scopes: 'read:jira-work read:jira-user offline_access',
      redirectUri: REDIRECT_URI,
    },
  })
  const tokens = options.tokens ?? (await connect(sim))
  await storeConnection(engine.store, name, tokens, { connection: options.connection })
  return tokens
}

/**
 * Stores `tokens` as the datasource's connection, as a finished consent does: the shared one, or
 * `user`'s own on a per-user datasource.
 */
export async function storeConnection(
  store: Store,
  datasource: string,
  tokens: Tokens,
  options: { readonly user?: string; readonly connection?: Partial<ConnectionInput> | undefined } = {},
): Promise<void> {
  const connection: ConnectionInput = {
    tokens: { access_token: tokens.access_token, refresh_token: tokens.refresh_token as string },
    accessExpiresAt: new Date(Date.now() + tokens.expires_in * 1000),
    status: 'connected',
    statusMessage: null,
    scope: tokens.scope,
    site: null,
    lastRefreshAt: new Date(),
    lastUsedAt: null,
    ...options.connection,
  }
  // No user: put's default, the shared connection.
  await store.connections.put(datasource, connection, options.user)
}

/** Changes some fields of a stored connection, keeping the rest. */
export async function patchConnection(
  store: Store,
  name: string,
  patch: Partial<ConnectionInput>,
): Promise<void> {
  const current = await store.connections.get(name)
  if (!current) throw new Error(`no connection for ${name}`)
  const { datasource: _d, version: _v, updatedAt: _u, ...input } = current
  await store.connections.put(name, { ...input, ...patch })
}
