import { sampleQuery } from '../engine/index.js'
import { withEngine, type StoreFlags } from './context.js'
import { parseAssignments } from './flags.js'

/**
 * `quarry query sample NAME [-p k=v …]`: what the query's converter is given — a REST query's first
 * page as the API answered it, a SQL query's first 1,000 rows as JSON — printed to write a converter
 * against. The admin UI's "Fetch sample" answers the same (both call the engine's sampleQuery).
 */
export async function sampleCommand(
  name: string,
  flags: { readonly param?: string[] },
  global: StoreFlags,
): Promise<void> {
  const params = parseAssignments('--param', flags.param ?? [])
  const { text } = await withEngine(global, (deps) => sampleQuery(deps, { query: name, params }))
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}
