import { join } from 'node:path'
import { startConsent } from '../auth/oauth/consent.js'
import { finishConsent } from '../auth/oauth/finish-consent.js'
import { jiraCloudDatasource, jiraCloudQueries } from '../auth/presets/jira-cloud.js'
import { splitSecrets } from '../domain/datasource.js'
import { QuerySchema } from '../domain/query.js'
import { loadRestDatasource } from '../engine/index.js'
import { CALLBACK_PATH } from '../server/context.js'
import { startServer } from '../server/start.js'
import { DEFAULT_SIM_OPTIONS, startSimulator, type RunningSimulator } from '../sim/server.js'
import { defaultDataDir, openStore, type Store } from '../store/index.js'
import type { StoreFlags } from './context.js'
import { startDemoHost, type DemoHost } from './demo-host.js'
import { QuarryError } from '../domain/errors.js'
import { CliError } from './errors.js'

interface DemoFlags {
  readonly port: string
  readonly simPort: string
  readonly embedPort: string
  readonly quiet?: boolean
}

const DATASOURCE = 'jira'
const CLIENT = { clientId: 'quarry-demo', clientSecret: 'quarry-demo-secret' }

function port(flag: string, value: string): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < 1 || number > 65535)
    throw new CliError('QUARRY_USAGE', `${flag} must be a port number (1–65535), got "${value}"`)
  return number
}

/** The demo workspace: a Jira Cloud datasource on the simulator and its queries, the issues one public. */
async function ensureWorkspace(store: Store, sim: RunningSimulator, publicUrl: string): Promise<void> {
  const datasource = jiraCloudDatasource({
    name: DATASOURCE,
    ...CLIENT,
    authUrl: sim.url,
    apiUrl: sim.url,
    redirectUri: `${publicUrl}${CALLBACK_PATH}`,
  })
  const { config, secrets } = splitSecrets(datasource)
  if (await store.datasources.get(DATASOURCE)) await store.datasources.update(DATASOURCE, { config, secrets })
  else await store.datasources.create({ name: DATASOURCE, type: 'rest', config, secrets })
  for (const input of jiraCloudQueries(DATASOURCE)) {
    const {
      name,
      datasource: ds,
      ...definition
    } = QuerySchema.parse(
      input.name === `${DATASOURCE}-issues`
        ? { ...input, title: 'Jira issues (demo)', visibility: { public: true }, cacheTtlSeconds: 60 }
        : input,
    )
    if (!(await store.queries.get(name))) await store.queries.create({ name, datasource: ds, definition })
  }
}

/**
 * Consents as the simulator's alice (auto-consent) and stores the connection, as the admin UI's
 * Connect would: the simulator's tokens live as long as its process, so the demo connects on every start.
 */
async function connectDemo(store: Store): Promise<string> {
  const datasource = await loadRestDatasource(store, DATASOURCE, 'the demo')
  if (datasource.auth.type !== 'oauth2-authorization-code') throw new TypeError('the preset is 3LO')
  const { auth } = datasource
  const attempt = await startConsent(auth)
  const answer = await fetch(attempt.url, { redirect: 'manual' })
  const location = answer.headers.get('location')
  if (!location) {
    throw new QuarryError(
      'QUARRY_UPSTREAM_STATUS',
      `demo: the simulator answered consent with ${answer.status}`,
    )
  }
  const callback = new URL(location)
  // The same finish as the server's callback route (finish-consent.ts).
  const { where } = await finishConsent(store, datasource, { callback, attempt })
  return where
}

export async function runDemo(flags: DemoFlags, global: StoreFlags): Promise<void> {
  const serverPort = port('--port', flags.port)
  const simPort = port('--sim-port', flags.simPort)
  const embedPort = port('--embed-port', flags.embedPort)
  const publicUrl = `http://127.0.0.1:${serverPort}`
  // The sample host site's origin is allowed to frame views like a --frame-ancestor flag would be.
  const hostUrl = `http://127.0.0.1:${embedPort}`
  const sim = await startSimulator({
    ...DEFAULT_SIM_OPTIONS,
    port: simPort,
    clients: [{ ...CLIENT, redirectUris: [`${publicUrl}${CALLBACK_PATH}`], name: 'Quarry demo' }],
    autoConsent: { login: 'alice', sites: undefined },
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CliError(
        'QUARRY_PORT_IN_USE',
        `demo: port ${simPort} is in use; choose another with --sim-port`,
      )
    }
    throw error
  })
  // Its own store, so the demo never mixes with real datasources (unless --db says otherwise).
  const sqlitePath = global.db ?? join(defaultDataDir(), 'demo', 'quarry.db')
  let store: Store
  try {
    store = await openStore({ sqlitePath })
  } catch (error) {
    await sim.close()
    throw error
  }
  let host: DemoHost | undefined
  try {
    await ensureWorkspace(store, sim, publicUrl)
    const where = await connectDemo(store)
    const server = await startServer(store, {
      host: '127.0.0.1',
      port: serverPort,
      publicUrl,
      // The admin UI's Jira Cloud quick form makes datasources on the simulator too, not on Atlassian.
      atlassian: { authUrl: sim.url, apiUrl: sim.url },
      frameAncestors: [hostUrl],
      logger: flags.quiet ? false : { level: 'warn' },
    })
    host = await startDemoHost({
      port: embedPort,
      quarryUrl: publicUrl,
      query: `${DATASOURCE}-issues`,
    }).catch(async (error: unknown) => {
      await server.close()
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new CliError(
          'QUARRY_PORT_IN_USE',
          `demo: port ${embedPort} is in use; choose another with --embed-port`,
        )
      }
      throw error
    })
    const lines = [
      `Quarry demo: the Atlassian Cloud simulator at ${sim.url}, datasource "${DATASOURCE}" connected${where}.`,
      '',
      `  Jira issues in a table:   ${publicUrl}/v/${DATASOURCE}-issues`,
      `  Embedded in another site: ${host.url}/ (a sample page on another origin)`,
      server.setupUrl
        ? `  Admin (first start):      ${server.setupUrl}`
        : `  Admin:                    ${publicUrl}/admin/`,
      `  API docs:                 ${publicUrl}/api/docs`,
      `  Jira Cloud quick form:    client ID ${CLIENT.clientId}, secret ${CLIENT.clientSecret} (the simulator's app)`,
      '',
      `Store: ${sqlitePath}. Ctrl-C stops.`,
    ]
    console.log(lines.join('\n'))
    process.on('unhandledRejection', (reason) =>
      server.app.log.error({ err: reason }, 'unhandled rejection; the server keeps running'),
    )
    const stop = () => {
      void Promise.all([server.close(), host?.close()])
        .then(() => store.close())
        .then(() => sim.close())
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  } catch (error) {
    await host?.close()
    await store.close()
    await sim.close()
    if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CliError(
        'QUARRY_PORT_IN_USE',
        `demo: port ${serverPort} is in use; choose another with --port`,
      )
    }
    throw error
  }
}
