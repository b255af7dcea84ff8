import { discover, discoveredFields } from '../auth/oauth/discovery.js'
import { storeGivenTokens } from '../auth/oauth/given-tokens.js'
import { isFresh } from '../auth/oauth/token-manager.js'
import { createFromPreset } from '../auth/presets/create-from-preset.js'
import { presetNamed } from '../auth/presets/index.js'
import { fieldFlag } from '../auth/presets/preset.js'
import { describeAddress } from '../domain/database-url.js'
import { redactDatasource, type Datasource } from '../domain/datasource.js'
import { QuarryError } from '../domain/errors.js'
import { checkDatasource, closeSqlPools, loadDatasource } from '../engine/index.js'
import { saveDatasource, type Store } from '../store/index.js'
import { withStore, type StoreFlags } from './context.js'
import { datasourceFromFlags, type DatasourceFlags } from './datasource-input.js'
import { askMissingSecrets, secretsFromInput } from './secret-input.js'
import { viewerNamed } from './viewer-named.js'

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
  const flags = await askMissingSecrets(await secretsFromInput(given))
  if (flags.preset !== undefined) return addPreset(name, flags, global)
  const datasource = datasourceFromFlags(name, flags, undefined, await discoveryOf(flags))
  await withStore(global, async (store) => {
    await saveDatasource(store, datasource)
    await seedTokens(store, datasource, flags)
  })
  console.log(`Added datasource "${name}" (${describe(datasource).join(', ')}).`)
}

/**
 * What discovery finds for `--issuer` (issue 14), before the flags are parsed: the endpoints, client
 * authentication and PKCE it fills are what the flags then override. An edit that changes nothing of
 * the issuer discovers nothing.
 */
async function discoveryOf(
  flags: DatasourceFlags,
  current?: Datasource,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  const previous =
    current?.type === 'rest' && current.auth.type === 'oauth2-authorization-code' ? current.auth : undefined
  const type = flags.auth ?? (current?.type === 'rest' ? current.auth.type : undefined)
  if (type !== 'oauth2-authorization-code' || flags.issuer === undefined) return undefined
  if (previous?.server !== undefined && flags.issuer === previous.issuer) return undefined
  return discoveredFields(await discover(flags.issuer), {
    clientAuth: flags.clientAuth ?? previous?.clientAuth,
    clientSecret: flags.clientSecret ?? previous?.clientSecret,
    clientKey: flags.clientKey ?? previous?.clientKey,
  })
}

/** Kind and where, for one-line summaries: `bearer, https://…` or `postgres, postgres://db/shop`. */
function describe(datasource: Datasource): string[] {
  if (datasource.type === 'rest') return [datasource.auth.type, describeAddress(datasource)]
  if (datasource.type === 'sqlite') return ['sqlite', describeAddress(datasource)]
  return [datasource.type, describeAddress(datasource), ...(datasource.readOnly ? [] : ['read-write'])]
}

/** `--preset NAME`: the preset's endpoints and scopes filled in, its ready-made queries added. */
async function addPreset(
  name: string,
  flags: DatasourceFlags & PresetFlags,
  global: StoreFlags,
): Promise<void> {
  const preset = presetNamed(flags.preset as string)
  const given = flags as unknown as Readonly<Record<string, unknown>>
  const { datasource, queries } = await withStore(global, (store) =>
    createFromPreset(store, {
      preset: preset.name,
      name,
      given,
      place: {
        ...(flags.redirectUri ? { redirectUri: flags.redirectUri } : {}),
        ...(flags.scope ? { scopes: flags.scope } : {}),
        ...(flags.authUrl ? { authUrl: flags.authUrl } : {}),
        ...(flags.apiUrl ? { apiUrl: flags.apiUrl } : {}),
      },
      fieldName: fieldFlag,
      connectionMode: flags.connectionMode,
    }),
  )
  const callback =
    datasource.auth.type === 'oauth2-authorization-code'
      ? `\nIts callback URL is ${datasource.auth.redirectUri}: register exactly that in your app. Next: quarry connect ${name}`
      : ''
  console.log(
    `Added ${preset.form.title} datasource "${name}" with queries ${queries.map((q) => q.name).join(', ')}.${callback}`,
  )
}

/** `--preset` and where the provider is; the preset's own fields come as flags too (cli/datasource.ts). */
interface PresetFlags {
  readonly preset?: string
  readonly authUrl?: string
  readonly apiUrl?: string
}

export async function editDatasource(
  name: string,
  given: DatasourceFlags & TokenFlags,
  global: StoreFlags,
): Promise<void> {
  const flags = await secretsFromInput(given)
  await withStore(global, async (store) => {
    const current = await loadDatasource(store, name)
    const asked = await askMissingSecrets(flags, current)
    const discovered = await discoveryOf(asked, current)
    const next = await saveDatasource(
      store,
      datasourceFromFlags(flags.rename ?? name, asked, current, discovered),
      { name, stored: current },
    )
    await seedTokens(store, next, asked)
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

/** `datasource test`; `as` names the Quarry user whose own connection a per-user datasource is tested with. */
export async function testDatasource(name: string, global: StoreFlags, as?: string): Promise<void> {
  await withStore(global, async (store) => {
    try {
      const viewer = as === undefined ? undefined : await viewerNamed(store, as)
      const result = await checkDatasource(store, name, viewer === undefined ? {} : { viewer })
      if (!result.ok) process.exitCode = 1
      console.log(`${result.ok ? 'ok' : 'failed'}: ${result.message}`)
    } finally {
      await closeSqlPools()
    }
  })
}

/** `datasource test` for SQL: connect (with the datasource's TLS and login), ask the server's version. */
