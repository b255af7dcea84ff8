import { MAX_NAME_LENGTH } from '../../src/domain/name-rules.js'
import { api } from './api.js'

const SUFFIX = '-copy'

/**
 * The name a copy is offered: the original's with "-copy", cut to fit the MAX_NAME_LENGTH characters a name may have.
 *
 * @example copyName('jira-issues') // 'jira-issues-copy'
 */
export function copyName(name: string): string {
  return `${name.slice(0, MAX_NAME_LENGTH - SUFFIX.length)}${SUFFIX}`
}

/**
 * Saves a copy of the saved query `name` as `copy`: everything but the name (datasource, request,
 * parameters, pagination, converter, template, visibility, limits) as the server holds it.
 * Answers the copy's name; a name in use fails with the server's QUARRY_QUERY_EXISTS.
 */
export async function cloneQuery(name: string, copy: string): Promise<string> {
  const saved = await api.query(name)
  return (await api.createQuery({ ...saved, name: copy })).name
}
