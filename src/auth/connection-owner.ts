import { isPerUser, type Datasource } from '../domain/datasource.js'
import { QuarryError } from '../domain/errors.js'
import type { Viewer } from '../domain/viewer.js'
import { SHARED_CONNECTION, type Store } from '../store/index.js'
import { presetOf } from './presets/index.js'

/** How a provider is named to a viewer, where its preset's short name would not read well. */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  atlassian: 'Atlassian',
  github: 'GitHub',
  gitlab: 'GitLab',
  google: 'Google',
  microsoft: 'Microsoft',
}

/**
 * Whose account the viewer connects for this datasource, as the Connect prompt says it: the preset's
 * provider (Atlassian for Jira and Confluence Cloud), else the datasource's name.
 *
 * @example providerName(jiraDatasource) // 'Atlassian'
 */
export function providerName(datasource: Datasource): string {
  const provider = datasource.type === 'rest' ? presetOf(datasource)?.provider : undefined
  if (provider === undefined) return datasource.name
  return PROVIDER_NAMES[provider] ?? provider
}

/**
 * The connection a run of `datasource` uses (issue 15): the shared one, or on a per-user datasource
 * the viewer's own. A per-user run for nobody (a schedule, an alert, a subscription, a public view,
 * the CLI without --as) is refused: there is no one whose account could run it, and borrowing
 * someone's would show their data to whoever reads the result.
 *
 * @example connectionUser(perUserJira, { name: 'alice', email: null, groups: [] }) // 'alice'
 */
export function connectionUser(datasource: Datasource, viewer: Viewer | undefined): string {
  if (!isPerUser(datasource)) return SHARED_CONNECTION
  if (viewer === undefined) {
    throw new QuarryError(
      'QUARRY_CONNECTION_NO_VIEWER',
      `Datasource "${datasource.name}" runs per user (each person with their own ${providerName(datasource)} ` +
        `account), and this run is for nobody in particular (a schedule, alert, subscription or public view, ` +
        `or the CLI without --as). Run it as a signed-in person (quarry run QUERY --as USER), or set the ` +
        `datasource's connection mode to shared.`,
    )
  }
  return viewer.name
}

/**
 * Refuses a per-user run (or test) whose person has no usable connection: a view shows the Connect
 * prompt from the error.
 *
 * @example await requireConnection(store, perUserJira, 'bob')
 */
export async function requireConnection(
  store: Pick<Store, 'connections'>,
  datasource: Datasource,
  user: string,
): Promise<void> {
  const connection = await store.connections.get(datasource.name, user)
  if (connection === undefined) throw connectionRequired(datasource)
  if (connection.status === 'needs_consent')
    throw connectionRequired(datasource, 'it needs your consent again')
}

/**
 * The error a viewer gets when their own connection of a per-user datasource is missing or needs
 * consent again: the view renders a Connect prompt from it (code, datasource).
 *
 * @example throw connectionRequired(datasource, 'bob')
 */
export function connectionRequired(datasource: Datasource, why?: string): ConnectionRequiredError {
  return new ConnectionRequiredError(datasource.name, providerName(datasource), why)
}

/** QUARRY_CONNECTION_REQUIRED, with the datasource to connect (the error body carries it). */
export class ConnectionRequiredError extends QuarryError {
  readonly datasource: string

  constructor(datasource: string, provider: string, why?: string) {
    super(
      'QUARRY_CONNECTION_REQUIRED',
      `Connect your ${provider} account to see this: datasource "${datasource}" runs with each viewer's own ` +
        `account${why ? ` (${why})` : ', and yours is not connected yet'}.`,
      {
        remedy: {
          // A person's own grant is made through the server's callback (quarry connect holds no session).
          cli: `Connect your own account in Quarry's web UI: open the view and press Connect, or Account → My connections (/admin/connections).`,
          ui: `Press Connect to connect your ${provider} account.`,
        },
      },
    )
    this.datasource = datasource
  }
}
