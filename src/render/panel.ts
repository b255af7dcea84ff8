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
import { isQuarryError, type ErrorCode, type QuarryError } from '../domain/errors.js'
import type { ParamValue } from '../domain/params.js'
import type { Template } from '../domain/query.js'
import type { Row } from './cell.js'
import { VELOCITY_ERROR_CODES, type TemplateLookup, type VelocitySandbox } from './velocity-template.js'

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
  /** Where a template that runs code renders (Velocity: the ConverterPool); a kind that needs it fails without. */
  readonly sandbox?: VelocitySandbox
  /** Named templates a template may insert (Velocity's `$PQ.templateByName`). */
  readonly templates?: TemplateLookup
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
  /** What the page says instead of "No rows" when the result is empty, if the template says (PocketQuery's `emptymsg`). */
  emptyMessage?(template: T): string | undefined
}

/**
 * Whether a panel's error is the template's to fix (the page shows it like a failed query) rather than a bug.
 *
 * @example isTemplateError(new QuarryError('QUARRY_VIEW_TEMPLATE_LIMIT', '…')) // true
 */
export function isTemplateError(error: unknown): error is QuarryError {
  return isQuarryError(error) && (TEMPLATE_ERROR_CODES as readonly ErrorCode[]).includes(error.code)
}

/** The codes a template fails with: Liquid's and the charts' two, and Velocity's (velocity-template.ts). */
export const TEMPLATE_ERROR_CODES = [
  'QUARRY_VIEW_TEMPLATE_INVALID',
  'QUARRY_VIEW_TEMPLATE_LIMIT',
  ...VELOCITY_ERROR_CODES,
] as const
