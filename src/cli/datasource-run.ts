import { storeGivenTokens } from '../auth/oauth/given-tokens.js'
import { isFresh } from '../auth/oauth/token-manager.js'
import { jiraCloudDatasource, jiraCloudQueries } from '../auth/presets/jira-cloud.js'
import { describeAddress } from '../domain/database-url.js'
import { DatasourceSchema, redactDatasource, type Datasource } from '../domain/datasource.js'
import { QuerySchema } from '../domain/query.js'
import { QuarryError } from '../domain/errors.js'
import { checkDatasource, closeSqlPools, loadDatasource } from '../engine.js'
import { saveDatasource, type Store } from '../store/index.js'
import { withStore, type StoreFlags } from './context.js'
import { datasourceFromFlags, describeIssues, type DatasourceFlags } from './datasource-input.js'
import { secretsFromEnv } from './flags.js'

interface TokenFlags {
  readonly refreshToken?: string
  readonly accessToken?: string
  readonly rename?: string
}

/** Seeds a 3LO connection with tokens obtained elsewhere (the manual guide's way; `quarry connect` is the better one). */
async function seedTokens(store: Store, datasource: Datasource, flags: TokenFlags): Promise<void> {
  if (flags.refreshToken === undefined && flags.accessToken === undefined) return
  if (datasource.type !== 'rest' || datasource.auth.type !== 'oauth2-authorization-code') {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      '--refresh-token and --access-token need --auth oauth2-authorization-code',
    )
  }

  if (flags.refreshToken === undefined) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      '--access-token needs --refresh-token too: without it the connection dies within the hour',
    )
  }

  await storeGivenTokens(store, datasource.name, datasource.auth, {
    refreshToken: flags.refreshToken,
    accessToken: flags.accessToken,
  })
}

export async function addDatasource(
  name: string,
  given: DatasourceFlags & TokenFlags & PresetFlags,
  global: StoreFlags,
): Promise<void> {
  const flags = secretsFromEnv(given)
  if (flags.preset !== undefined) return addPreset(name, flags, global)
  const datasource = datasourceFromFlags(name, flags)
  await withStore(global, async (store) => {
    await saveDatasource(store, datasource)
    await seedTokens(store, datasource, flags)
  })
  console.log(`Added datasource "${name}" (${describe(datasource).join(', ')}).`)
}

/** Kind and where, for one-line summaries: `bearer, https://…` or `postgres, postgres://db/shop`. */
function describe(datasource: Datasource): string[] {
  if (datasource.type === 'rest') return [datasource.auth.type, describeAddress(datasource)]
  if (datasource.type === 'sqlite') return ['sqlite', describeAddress(datasource)]
  return [datasource.type, describeAddress(datasource), ...(datasource.readOnly ? [] : ['read-write'])]
}

/** `--preset jira-cloud`: Atlassian's endpoints and scopes filled in, the ready-made queries added. */
async function addPreset(
  name: string,
  flags: DatasourceFlags & PresetFlags,
  global: StoreFlags,
): Promise<void> {
  if (flags.preset !== 'jira-cloud')
    throw new QuarryError('QUARRY_CONFIG_INVALID', `--preset must be jira-cloud; got "${flags.preset}"`)

  if (!flags.clientId || !flags.clientSecret) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      '--preset jira-cloud needs --client-id and --client-secret from your app in the Atlassian developer console.',
    )
  }
  if (flags.apiVersion !== undefined && flags.apiVersion !== '2' && flags.apiVersion !== '3')
    throw new QuarryError('QUARRY_CONFIG_INVALID', `--api-version must be 2 or 3; got "${flags.apiVersion}"`)

  const parsed = DatasourceSchema.safeParse(
    jiraCloudDatasource({
      name,
      clientId: flags.clientId,
      clientSecret: flags.clientSecret,
      ...(flags.redirectUri ? { redirectUri: flags.redirectUri } : {}),
      ...(flags.scope ? { scopes: flags.scope } : {}),
      ...(flags.apiVersion ? { apiVersion: Number(flags.apiVersion) as 2 | 3 } : {}),
      ...(flags.authUrl ? { authUrl: flags.authUrl } : {}),
      ...(flags.apiUrl ? { apiUrl: flags.apiUrl } : {}),
    }),
  )
  if (!parsed.success) throw describeIssues(parsed.error, `datasource "${name}"`)
  const datasource = parsed.data
  const queries = jiraCloudQueries(name).map((query) => QuerySchema.parse(query))
  await withStore(global, async (store) => {
    await saveDatasource(store, datasource)
    for (const { name: queryName, datasource: on, ...definition } of queries)
      await store.queries.create({ name: queryName, datasource: on, definition })
  })
  console.log(
    `Added Jira Cloud datasource "${name}" with queries ${queries.map((q) => q.name).join(', ')}.\n` +
      `Its callback URL is ${datasource.type === 'rest' && datasource.auth.type === 'oauth2-authorization-code' ? datasource.auth.redirectUri : ''}: register exactly that in your app. Next: quarry connect ${name}`,
  )
}

interface PresetFlags {
  readonly preset?: string
  readonly apiVersion?: string
  readonly authUrl?: string
  readonly apiUrl?: string
}

export async function editDatasource(
  name: string,
  given: DatasourceFlags & TokenFlags,
  global: StoreFlags,
): Promise<void> {
  const flags = secretsFromEnv(given)
  await withStore(global, async (store) => {
    const current = await loadDatasource(store, name)
    const next = await saveDatasource(store, datasourceFromFlags(flags.rename ?? name, flags, current), {
      name,
      stored: current,
    })
    await seedTokens(store, next, flags)
  })
  console.log(`Updated datasource "${flags.rename ?? name}".`)
}

export async function listDatasources(global: StoreFlags): Promise<void> {
  await withStore(global, async (store) => {
    const all = await store.datasources.list()
    if (all.length === 0) {
      console.log('No datasources yet. Add one: quarry datasource add NAME --url https://… [--auth …]')
      return
    }
    const connections = new Map((await store.connections.list()).map((c) => [c.datasource, c]))
    for (const stored of all) {
      const datasource = await loadDatasource(store, stored.name)
      let state = ''
      if (datasource.type === 'rest' && datasource.auth.type.startsWith('oauth2')) {
        const connection = connections.get(stored.name)
        if (!connection) {
          state = datasource.auth.type === 'oauth2-authorization-code' ? 'not connected' : 'no token yet'
        } else if (connection.status === 'needs_consent') {
          state = 'needs consent'
        } else {
          const expiry = connection.accessExpiresAt
          state = isFresh(connection, Date.now())
            ? `connected, access token until ${expiry ? expiry.toISOString() : 'no expiry'}`
            : 'connected, access token due for refresh'
          if (connection.lastRefreshAt) state += `, last refresh ${connection.lastRefreshAt.toISOString()}`
        }
      }
      console.log([stored.name, ...describe(datasource), state].filter(Boolean).join('  ·  '))
    }
  })
}

export async function showDatasource(
  name: string,
  flags: { showSecrets?: boolean },
  global: StoreFlags,
): Promise<void> {
  await withStore(global, async (store) => {
    const datasource = await loadDatasource(store, name)
    console.log(JSON.stringify(flags.showSecrets ? datasource : redactDatasource(datasource), null, 2))
  })
}

export async function removeDatasource(name: string, global: StoreFlags): Promise<void> {
  await withStore(global, (store) => store.datasources.remove(name))
  console.log(`Removed datasource "${name}".`)
}

export async function testDatasource(name: string, global: StoreFlags): Promise<void> {
  await withStore(global, async (store) => {
    try {
      const result = await checkDatasource(store, name)
      if (!result.ok) process.exitCode = 1
      console.log(`${result.ok ? 'ok' : 'failed'}: ${result.message}`)
    } finally {
      await closeSqlPools()
    }
  })
}

/** `datasource test` for SQL: connect (with the datasource's TLS and login), ask the server's version. */
