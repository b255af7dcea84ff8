import { QuarryError, type Audience } from '../domain/errors.js'
import { bindUrl } from '../http/bind.js'
import type { Store } from '../store/index.js'
import type { EngineDeps } from './deps.js'
import { restFetcher } from './fetch.js'
import { loadDatasource } from './load.js'
import { loadSqlStage } from './sql-module.js'

/**
 * Whether a datasource works: one GET of its test path with its credentials. The answer is one line
 * for the user, success or the reason for failure (CLI `datasource test`, the admin UI's button).
 */
export async function checkDatasource(
  store: Store,
  name: string,
  deps: Pick<EngineDeps, 'dispatcher' | 'fetch'> & {
    /** Who reads the message: its next step is a command for the CLI, a button for the admin UI. */
    readonly audience?: Audience
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
    const fetchPage = restFetcher(datasource, { ...deps, store })
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
