import { QuarryError } from '../domain/errors.js'
import { withDetectedParams } from '../engine/detect-params.js'
import { queryRowOf, type Query } from '../domain/query.js'
import { loadSavedQuery } from '../engine/index.js'
import type { Store } from '../store/index.js'
import { withStore, type StoreFlags } from './context.js'
import { queryFromFlags, type QueryFlags } from './query-input.js'

/**
 * The query checked against its datasource, with the `:name` parameters it uses but does not
 * declare added as strings (as PocketQuery finds them); prints which were added.
 */
async function checkedQuery(store: Store, query: Query, replacing?: string): Promise<Query> {
  const { loadDatasource, checkOptionSources, savedQueryParams } = await import('../engine/index.js')
  await requireDatasource(store, query)
  // Options lists from queries that exist, and never back to this one (issue 17).
  const saved = savedQueryParams(store)
  await checkOptionSources(query, (name) => (name === replacing ? Promise.resolve(undefined) : saved(name)))
  const datasource = await loadDatasource(store, query.datasource)
  const detected = withDetectedParams(query, datasource.type)
  const added = detected.params.slice(query.params.length)
  if (added.length > 0) {
    console.log(
      `Declared ${added.map((p) => `:${p.name}`).join(', ')} as string parameters (used, not declared).`,
    )
  }
  return detected
}

async function requireDatasource(store: Store, query: Query): Promise<void> {
  // loadQuery validates on read; checking here gives the error at `add` time instead.
  const { loadDatasource } = await import('../engine/index.js')
  const datasource = await loadDatasource(store, query.datasource)
  if (datasource.type === 'rest' && query.sql !== undefined) {
    throw new QuarryError(
      'QUARRY_DATASOURCE_KIND',
      `Datasource "${datasource.name}" is a REST API: a query on it needs --path, not --sql.`,
    )
  }
  if (datasource.type !== 'rest' && query.sql === undefined) {
    throw new QuarryError(
      'QUARRY_DATASOURCE_KIND',
      `Datasource "${datasource.name}" is a ${datasource.type} database: a query on it needs --sql "SELECT …".`,
    )
  }
}

export async function addQuery(name: string, flags: QueryFlags, global: StoreFlags): Promise<void> {
  const given = queryFromFlags(name, flags)
  await withStore(global, async (store) => {
    const query = await checkedQuery(store, given)
    await store.queries.create(queryRowOf(query))
  })
  console.log(`Added query "${name}" on datasource "${given.datasource}".`)
}

export async function editQuery(
  name: string,
  flags: QueryFlags & { rename?: string },
  global: StoreFlags,
): Promise<void> {
  await withStore(global, async (store) => {
    const current = await loadSavedQuery(store, name)
    const next = await checkedQuery(store, queryFromFlags(flags.rename ?? name, flags, current), name)
    await store.queries.update(name, queryRowOf(next))
  })
  console.log(`Updated query "${flags.rename ?? name}".`)
}

export async function listQueries(global: StoreFlags): Promise<void> {
  await withStore(global, async (store) => {
    const all = await store.queries.list()
    if (all.length === 0)
      console.log('No queries yet. Add one: quarry query add NAME --datasource DS --path /…')
    for (const stored of all) {
      const query = await loadSavedQuery(store, stored.name)
      const params = query.params.map((p) => `:${p.name}`).join(' ')
      console.log(
        [
          query.name,
          query.datasource,
          query.sql === undefined ? `${query.method} ${query.path ?? ''}` : oneLine(query.sql),
          params,
          query.converterName === undefined ? '' : `converter ${query.converterName}`,
          query.templateName === undefined ? '' : `template ${query.templateName}`,
        ]
          .filter(Boolean)
          .join('  ·  '),
      )
    }
  })
}

export async function showQuery(name: string, global: StoreFlags): Promise<void> {
  await withStore(global, async (store) => {
    console.log(JSON.stringify(await loadSavedQuery(store, name), null, 2))
  })
}

export async function removeQuery(name: string, global: StoreFlags): Promise<void> {
  await withStore(global, (store) => store.queries.remove(name))
  console.log(`Removed query "${name}".`)
}

/** A statement on one line, shortened: for lists. */
function oneLine(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim()
  return text.length > 60 ? `${text.slice(0, 59)}…` : text
}
