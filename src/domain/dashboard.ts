import { z } from 'zod'
import { nameSchema } from './name.js'
import { DASHBOARD_COLUMNS, DASHBOARD_MAX_ROW, MAX_PANELS, PANEL_MAX_HEIGHT } from './dashboard-grid.js'
import { DEFAULT_VISIBILITY } from './query-choices.js'
import { TemplateSchema, VisibilitySchema } from './query.js'

/**
 * Dashboards (issue 17): a page of panels on a grid, each panel a stored query shown through a
 * template, all sharing the dashboard's named parameters. A dashboard parameter's value goes to
 * every panel whose query has a parameter of that name; the others ignore it.
 */

// The grid's numbers are plain values in dashboard-grid.ts, which the admin UI bundles without zod.
export {
  DASHBOARD_COLUMNS,
  DASHBOARD_MAX_ROW,
  MAX_PANELS,
  nextPanelPlace,
  PANEL_MAX_HEIGHT,
} from './dashboard-grid.js'

/** A panel's id: short, URL-safe, unique within its dashboard (`/d/NAME/panel/ID`). */
export const PANEL_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/

export const PanelSchema = z
  .object({
    id: z
      .string()
      .regex(
        PANEL_ID_PATTERN,
        'panel ids are 1–40 lower-case letters, digits or "-", starting with a letter or digit',
      ),
    /** Shown above the panel; default: the query's title, else its name. */
    title: z.string().max(200).optional(),
    /** The stored query whose rows the panel shows. */
    query: nameSchema,
    /** How the panel shows the rows; absent: the query's own template (a table when it has none). */
    template: TemplateSchema.optional(),
    /** The grid cell: column 0–11 and row from the top, both counted from 0, and the span of each. */
    x: z
      .number()
      .int()
      .min(0)
      .max(DASHBOARD_COLUMNS - 1),
    y: z.number().int().min(0).max(DASHBOARD_MAX_ROW),
    width: z.number().int().min(1).max(DASHBOARD_COLUMNS),
    height: z.number().int().min(1).max(PANEL_MAX_HEIGHT),
  })
  .refine((panel) => panel.x + panel.width <= DASHBOARD_COLUMNS, {
    message: `a panel must end within the grid's ${DASHBOARD_COLUMNS} columns (x + width ≤ ${DASHBOARD_COLUMNS})`,
    path: ['width'],
  })
export type Panel = z.infer<typeof PanelSchema>

/** A parameter of the dashboard's parameter bar; it sets the panels' parameters of the same name. */
export const DashboardParamSchema = z.object({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'parameter names are letters, digits and "_"'),
  /** Shown in the bar; default: the name. */
  label: z.string().max(100).optional(),
  /** The value when the URL gives none; absent: each panel's query's own default. */
  default: z.string().max(10_000).optional(),
})
export type DashboardParam = z.infer<typeof DashboardParamSchema>

export const DashboardSchema = z
  .object({
    name: nameSchema,
    title: z.string().max(200).optional(),
    description: z.string().max(2000).optional(),
    params: z.array(DashboardParamSchema).max(20).default([]),
    panels: z.array(PanelSchema).max(MAX_PANELS).default([]),
    /** Who opens it: the same model as a query's view (public, viewers by role, groups). */
    visibility: VisibilitySchema.default(() => ({
      ...DEFAULT_VISIBILITY,
      roles: [...DEFAULT_VISIBILITY.roles],
      groups: [],
    })),
  })
  .refine((d) => new Set(d.panels.map((p) => p.id)).size === d.panels.length, {
    message: 'each panel needs an id of its own',
    path: ['panels'],
  })
  .refine((d) => new Set(d.params.map((p) => p.name)).size === d.params.length, {
    message: 'each parameter is listed once',
    path: ['params'],
  })
export type Dashboard = z.infer<typeof DashboardSchema>
export type DashboardInput = z.input<typeof DashboardSchema>

/**
 * The values a panel's query gets from the dashboard's: those of the parameters its query declares,
 * the URL's value first, else the dashboard's default; empty values are left out (the query's own
 * default applies).
 *
 * @example
 * panelParams([{ name: 'project', default: 'QA' }, { name: 'team' }], { team: 'core' }, ['project'])
 * // { project: 'QA' }
 */
export function panelParams(
  params: readonly DashboardParam[],
  given: Readonly<Record<string, string>>,
  declared: readonly string[],
): Record<string, string> {
  const values: Record<string, string> = {}
  for (const param of params) {
    if (!declared.includes(param.name)) continue
    const value = Object.hasOwn(given, param.name) ? given[param.name] : param.default
    if (value !== undefined && value !== '') values[param.name] = value
  }
  return values
}
