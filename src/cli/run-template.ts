/**
 * `quarry run NAME --format html --template`: the query's rows through its template (the view's
 * panel: table, Liquid, chart, Velocity …) as one standalone HTML document on stdout. A Velocity
 * template renders in the converter sandbox (the engine's ConverterPool), as it does in a view.
 */
import { loadQuery, runQuery, velocityLibrary } from '../engine/index.js'
import type { Row } from '../render/index.js'
import { templateDocument } from '../render/template-document.js'
import { withEngine, type StoreFlags } from './context.js'

export interface RunTemplateOptions {
  readonly params: Readonly<Record<string, string>>
  readonly refresh: boolean
  readonly cacheTtlSeconds: number | undefined
}

/**
 * Runs the query and writes its template's document; notices (the run's, the template's) go to stderr.
 *
 * @example await runTemplate('open-issues', { params: {}, refresh: false, cacheTtlSeconds: undefined }, {}, process.stdout)
 */
export async function runTemplate(
  name: string,
  options: RunTemplateOptions,
  global: StoreFlags,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const { html, notices, fromCache, fetchedAt } = await withEngine(global, async (deps) => {
    const loaded = await loadQuery(deps.store, name)
    const result = await runQuery(deps, {
      query: loaded,
      params: options.params,
      ...(options.refresh ? { refresh: true } : {}),
      ...(options.cacheTtlSeconds === undefined ? {} : { cacheTtlSeconds: options.cacheTtlSeconds }),
    })
    const { query } = loaded
    const document = await templateDocument({
      query: query.name,
      ...(query.title === undefined ? {} : { title: query.title }),
      rows: JSON.parse(result.rowsJson || '[]') as Row[],
      ...(query.template === undefined ? {} : { template: query.template }),
      params: Object.fromEntries(result.values),
      fetchedAt: result.fetchedAt,
      sandbox: deps.converters,
      templates: velocityLibrary(deps.store),
    })
    return {
      html: document.html,
      notices: [...result.notices, ...document.notices],
      fromCache: result.fromCache,
      fetchedAt: result.fetchedAt,
    }
  })
  stdout.write(html)
  for (const notice of notices) process.stderr.write(`note: ${notice}\n`)
  if (fromCache) process.stderr.write(`note: from the cache, fetched ${fetchedAt.toISOString()}\n`)
}
