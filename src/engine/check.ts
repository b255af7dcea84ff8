import { connectionUser, providerName, requireConnection } from '../auth/connection-owner.js'
import { isPerUser } from '../domain/datasource.js'
import { QuarryError, type Audience } from '../domain/errors.js'
import type { Viewer } from '../domain/viewer.js'
import { bindUrl } from '../http/bind.js'
import { SHARED_CONNECTION, type Store } from '../store/index.js'
import type { EngineDeps } from './deps.js'
import { restFetcher } from './fetch.js'
import { loadDatasource } from './load.js'
import { loadSqlStage } from './sql-module.js'

/**
 * Whether a datasource works: one GET of its test path with its credentials. The answer is one line
 * for the user, success or the reason for failure (CLI `datasource test`, the admin UI's button).
 * A per-user datasource is tested with the connection of `viewer` (the admin who pressed the button),
 * the one their own runs use: never the shared one, which its runs never use (issue 15).
 */
export async function checkDatasource(
  store: Store,
  name: string,
  deps: Pick<EngineDeps, 'dispatcher' | 'fetch'> & {
    /** Who reads the message: its next step is a command for the CLI, a button for the admin UI. */
    readonly audience?: Audience
    /** Whose connection a per-user datasource is tested with; without one it cannot be tested. */
    readonly viewer?: Viewer
  } = {},
): Promise<{ ok: boolean; message: string }> {
  const datasource = await loadDatasource(store, name)
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  // Bound before the try: a test path that does not bind is the datasource's mistake, thrown as such.
  const url = datasource.type === 'rest' ? bindUrl(datasource.baseUrl, datasource.testPath, new Map()) : ''
  try {
    if (datasource.type !== 'rest') {
      const version = await (await (await loadSqlStage()).sqlDriver(datasource)).version()
      return { ok: true, message: `${datasource.name} works (${version}, connected in ${elapsed()} ms)` }
    }
    if (isPerUser(datasource) && deps.viewer === undefined) {
      return {
        ok: false,
        message:
          `${datasource.name} runs per user (each person with their own ${providerName(datasource)} account), so ` +
          `it is tested with one person's connection: quarry datasource test ${datasource.name} --as USER, or ` +
          `Test connection in the admin UI, signed in, for yours.`,
      }
    }
    const user = connectionUser(datasource, deps.viewer)
    if (user !== SHARED_CONNECTION) await requireConnection(store, datasource, user)
    const fetchPage = restFetcher(datasource, { ...deps, store }, undefined, user)
    await fetchPage({ method: 'GET', url, headers: { accept: 'application/json' } })
    return {
      ok: true,
      message: `${datasource.name} works (GET ${new URL(url).pathname} answered in ${elapsed()} ms)`,
    }
  } catch (error) {
    if (error instanceof QuarryError) {
      return {
        ok: false,
        message: `${datasource.name} does not work: ${error.messageFor(deps.audience ?? 'cli')}`,
      }
    }
    throw error
  }
}
