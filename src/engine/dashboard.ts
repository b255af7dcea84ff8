/**
 * Dashboards (issue 17) as the CLI and the server run them: a stored dashboard parsed, its panels'
 * parameter values taken from the dashboard's, and the fields of its parameter bar.
 */
import { DashboardSchema, panelParams, type Dashboard, type Panel } from '../domain/dashboard.js'
import type { ParamSpec, Query } from '../domain/query.js'
import type { BarField } from '../render/dashboard-params.js'
import { dashboardNotFound, type Store, type StoredDashboard } from '../store/index.js'
import type { EngineDeps } from './deps.js'
import type { LoadedQuery } from './load.js'
import type { QueryRun } from './result.js'
import { runQuery } from './run.js'

/**
 * A stored dashboard as the schema reads it.
 *
 * @example dashboardOfRow({ name: 'team', definition: { panels: [] }, … }).panels // []
 */
export function dashboardOfRow(stored: StoredDashboard): Dashboard {
  return DashboardSchema.parse({ ...(stored.definition as object), name: stored.name })
}

/** The dashboard `name` from the store; QUARRY_DASHBOARD_NOT_FOUND when there is none. */
export async function loadDashboard(store: Store, name: string): Promise<Dashboard> {
  const stored = await store.dashboards.get(name)
  if (stored === undefined) throw dashboardNotFound(name)
  return dashboardOfRow(stored)
}

/**
 * What the store keeps of a dashboard: the definition without its name.
 *
 * @example dashboardRowOf(dashboard) // { name: 'team', definition: { title: 'Team', params: [], … } }
 */
export function dashboardRowOf(dashboard: Dashboard): { name: string; definition: unknown } {
  const { name, ...definition } = dashboard
  return { name, definition }
}

/** The panel `id` of a dashboard, or undefined. */
export function panelOf(dashboard: Dashboard, id: string): Panel | undefined {
  return dashboard.panels.find((panel) => panel.id === id)
}

/** A panel's heading: its own title, else its query's, else the query's name. */
export function panelTitle(panel: Panel, query?: Pick<Query, 'title'>): string {
  return panel.title ?? query?.title ?? panel.query
}

/** What a panel shows its rows through: its own template, else its query's (a table when neither has one). */
export function panelTemplate(panel: Panel, query: Query): Query['template'] {
  return panel.template ?? query.template
}

/** The values a panel's query gets: the dashboard's, for the parameters the query declares. */
export function valuesForPanel(
  dashboard: Dashboard,
  query: Pick<Query, 'params'>,
  given: Readonly<Record<string, string>>,
): Record<string, string> {
  return panelParams(
    dashboard.params,
    given,
    query.params.map((spec) => spec.name),
  )
}

/**
 * Runs one panel's query with the dashboard's values. The caller has loaded the query (the server
 * through the viewer's visibility), so a panel it may not see never runs.
 */
export function runPanel(
  deps: EngineDeps,
  request: {
    readonly dashboard: Dashboard
    readonly loaded: LoadedQuery
    readonly values: Readonly<Record<string, string>>
    readonly refresh?: boolean
    readonly readCache?: boolean
  },
): Promise<QueryRun> {
  return runQuery(deps, {
    query: request.loaded,
    params: request.values,
    ...(request.refresh === true ? { refresh: true } : {}),
    ...(request.readCache === true ? { readCache: true } : {}),
  })
}

/**
 * The parameter bar's fields: each dashboard parameter with its value (the URL's, else its default)
 * and the declaration of the first panel query that has it (which types the field).
 *
 * @example barFields(dashboard, { project: 'QA' }, [query.params]) // [{ name: 'project', label: 'project', value: 'QA', spec }]
 */
export function barFields(
  dashboard: Dashboard,
  given: Readonly<Record<string, string>>,
  declarations: readonly (readonly ParamSpec[])[],
): BarField[] {
  return dashboard.params.map((param) => {
    const spec = declarations.flat().find((candidate) => candidate.name === param.name)
    return {
      name: param.name,
      label: param.label ?? param.name,
      value: (Object.hasOwn(given, param.name) ? given[param.name] : param.default) ?? '',
      ...(spec === undefined ? {} : { spec }),
    }
  })
}
