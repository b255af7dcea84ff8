/**
 * The choices of the stat and table panels and of a chart's settings, as plain values: the schemas
 * (panel-schemas.ts) are built from them, and the admin UI takes them into its bundle without zod
 * (like query-choices.ts).
 */

/**
 * How a number is written (render/value-format.ts): as it is; `percent` (42 → 42%), `ratio`
 * (0.42 → 42%); `ms` and `s` (a time in that unit, written as the largest unit that fits: 1.5 s,
 * 2.3 min); `duration` (seconds as `1h 2m 3s`); `bytes` (1,024-based: 1.5 KiB); `currency` (with
 * the `currency` setting, ISO 4217); `short` (1.2k, 3.4M).
 */
export const NUMBER_UNITS = [
  'none',
  'percent',
  'ratio',
  'ms',
  's',
  'duration',
  'bytes',
  'currency',
  'short',
] as const
export type NumberUnit = (typeof NUMBER_UNITS)[number]

/** What a stat panel shows: the column's value in the first row, or one over all rows. */
export const STAT_REDUCERS = ['first', 'count', 'sum', 'avg', 'min', 'max'] as const
export type StatReducer = (typeof STAT_REDUCERS)[number]

/** The colours a stat's thresholds may give it (classes of the view stylesheet: no inline style under the CSP). */
export const PANEL_COLORS = ['green', 'amber', 'red', 'blue', 'grey'] as const
export type PanelColor = (typeof PANEL_COLORS)[number]

/** How a table column's cells are written. */
export const COLUMN_FORMATS = ['text', 'date', 'number', 'duration', 'link', 'jira-key', 'status'] as const
export type ColumnFormatType = (typeof COLUMN_FORMATS)[number]

/** The unit a duration column's numbers are in. */
export const DURATION_UNITS = ['ms', 's', 'min', 'h'] as const
export type DurationUnit = (typeof DURATION_UNITS)[number]

/** Jira's status categories (statusCategory.key): To Do is `new`, In Progress `indeterminate`. */
export const STATUS_CATEGORIES = ['new', 'indeterminate', 'done'] as const
export type StatusCategory = (typeof STATUS_CATEGORIES)[number]

/** How a chart orders its x categories (pie slices): by x or by the measure, up or down; `none`: as they come. */
export const CHART_SORTS = ['none', 'x', '-x', 'y', '-y'] as const
export type ChartSort = (typeof CHART_SORTS)[number]

/** Where a chart's legend goes, or `none`. */
export const LEGEND_POSITIONS = ['right', 'bottom', 'top', 'left', 'none'] as const
export type LegendPosition = (typeof LEGEND_POSITIONS)[number]

/** The bounds of a table panel's page size (rows per page). */
export const TABLE_PAGE_SIZE = { min: 1, max: 1000 } as const

/** Date patterns: the tokens a `date` column's `pattern` may hold (render/value-format.ts). */
export const DATE_TOKENS = [
  'yyyy',
  'yy',
  'MMMM',
  'MMM',
  'MM',
  'dd',
  'HH',
  'mm',
  'ss',
  'SSS',
  'EEE',
  'zzz',
] as const
