/**
 * The shape every template kind has (one `*-panel.ts` file each, listed in panels.ts): how a view
 * shows its rows — the sortable table, a Liquid template's output, a chart — as an HTML fragment
 * the view page (view-page.ts) places below its heading, form and notices.
 *
 * What a panel's HTML may rely on: the view page's Content-Security-Policy (contentSecurityPolicy in
 * view-page.ts) allows no inline script, no inline style and no other origin, images from the page's
 * origin and `data:` URLs only; the page always loads the view script and stylesheet
 * (view-script.ts), which style `.quarry-*` classes and make every `.quarry-table` sortable,
 * filterable and paged. A kind that needs more than that must change those, not work around them.
 */
import type { ParamValue } from '../domain/params.js'
import type { Template } from '../domain/query.js'
import type { Row } from './cell.js'

/** A template as the registry sees it: the stored Template of a built-in kind, or a registered kind's own. */
export interface PanelTemplate {
  readonly type: string
}

/**
 * A built-in kind's stored template, by its type.
 *
 * @example
 * const liquid: TemplateOf<'liquid'> = { type: 'liquid', source: '{{ rows.size }} issues' }
 */
export type TemplateOf<K extends Template['type']> = Extract<Template, { type: K }>

/** What every panel kind is given. */
export interface PanelInput {
  /** The rows (at least one: the view page says "No rows" itself). */
  readonly rows: readonly Row[]
  readonly columns: readonly string[]
  /** The query's name. */
  readonly query: string
  /** The view's title, when the query has one. */
  readonly title?: string
  /** The parameter values the rows were fetched with. */
  readonly params: Readonly<Record<string, ParamValue | undefined>>
  /** When the rows were fetched. */
  readonly fetchedAt: Date
  /** Shown in an iframe on another site: links open outside it, tables page sooner. */
  readonly embed: boolean
  /** The Jira Cloud site issue keys link to (cell-link.ts), when the datasource has one. */
  readonly jiraSite?: string
}

/** A panel: its HTML fragment and what the page should say above it (a chart's dropped points …). */
export interface Panel {
  readonly html: string
  readonly notices: readonly string[]
}

/**
 * One template kind. `render` throws QUARRY_VIEW_TEMPLATE_INVALID or QUARRY_VIEW_TEMPLATE_LIMIT for
 * a template its author must fix (the page shows that like a failed query); anything else is a bug.
 */
export interface PanelKind<T extends PanelTemplate = PanelTemplate> {
  /** The template's `type` (TemplateSchema in domain/query.ts for the built-in kinds). */
  readonly type: T['type']
  render(template: T, input: PanelInput): Promise<Panel>
}
