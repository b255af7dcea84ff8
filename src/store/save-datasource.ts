import {
  checkConnectionMode,
  keepMaskedSecrets,
  splitSecrets,
  type Datasource,
} from '../domain/datasource.js'
import type { Store } from './types.js'

/**
 * Stores a datasource, the one way `quarry datasource add|edit` and the API's POST and PUT do: the edge
 * has parsed it (DatasourceSchema, in its own words); on edit, a secret given back masked keeps its
 * stored value and a new name renames; secrets are split out to be encrypted at rest. A per-user
 * connection mode is refused on auth that is not 3LO (checkConnectionMode), and on a datasource public
 * queries use (the store's per-user-guard.ts).
 *
 * @example await saveDatasource(store, datasource) // add
 * @example await saveDatasource(store, datasource, { name: 'jira', stored }) // edit (or rename) "jira"
 */
export async function saveDatasource(
  store: Store,
  datasource: Datasource,
  editing?: { readonly name: string; readonly stored: Datasource },
): Promise<Datasource> {
  checkConnectionMode(datasource)
  const saved = editing === undefined ? datasource : keepMaskedSecrets(datasource, editing.stored)
  const { config, secrets } = splitSecrets(saved)
  if (editing === undefined)
    await store.datasources.create({ name: saved.name, type: saved.type, config, secrets })
  else await store.datasources.update(editing.name, { name: saved.name, config, secrets })
  return saved
}
