/**
 * The stat panel (issue 17): one value from the rows, large — a column's value in the first row, or
 * a count, sum, average, minimum or maximum over all rows — written with its unit and coloured by
 * the first threshold it reaches (from the top). Colours are classes of the view stylesheet
 * (`.quarry-stat--red` …): the view's CSP allows no inline style.
 */
import { QuarryError } from '../domain/errors.js'
import type { PanelColor } from '../domain/panel-choices.js'
import { cellText, cellValue, type Row } from './cell.js'
import { escapeHtml } from './html-format.js'
import type { PanelKind, TemplateOf } from './panel.js'
import { formatNumber, numberOf } from './value-format.js'

export type StatTemplate = TemplateOf<'stat'>

/** Text values longer than this are cut (a stat is a glance, not a cell). */
export const STAT_TEXT_MAX = 120

/** The stat's value: a number, a text (the first row's, when it is not a number), or nothing. */
export type StatValue =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'none' }

/**
 * The value a stat template takes from these rows. Values that are not numbers are left out of a
 * sum, average, minimum and maximum; `count` counts the rows (with a column: its non-empty values).
 *
 * @example
 * statValue({ type: 'stat', column: 'points', aggregate: 'sum' }, [{ points: 3 }, { points: '2.5' }]) // { kind: 'number', value: 5.5 }
 */
export function statValue(template: StatTemplate, rows: readonly Row[]): StatValue {
  const aggregate = template.aggregate ?? 'first'
  const column = template.column
  if (aggregate === 'count') {
    const count =
      column === undefined
        ? rows.length
        : rows.filter((row) => {
            const value = cellValue(row, column)
            return value != null && value !== ''
          }).length
    return { kind: 'number', value: count }
  }
  if (column === undefined) return { kind: 'none' }
  if (aggregate === 'first') {
    const first = rows[0] === undefined ? undefined : cellValue(rows[0], column)
    const number = numberOf(first)
    if (number !== undefined) return { kind: 'number', value: number }
    return first == null || first === '' ? { kind: 'none' } : { kind: 'text', value: cellText(first) }
  }
  const numbers = rows.map((row) => numberOf(cellValue(row, column))).filter((n) => n !== undefined)
  if (numbers.length === 0) return { kind: 'none' }
  switch (aggregate) {
    case 'sum':
      return { kind: 'number', value: numbers.reduce((a, b) => a + b, 0) }
    case 'avg':
      return { kind: 'number', value: numbers.reduce((a, b) => a + b, 0) / numbers.length }
    case 'min':
      return { kind: 'number', value: Math.min(...numbers) }
    case 'max':
      return { kind: 'number', value: Math.max(...numbers) }
  }
}

/**
 * The colour of a value: that of the highest threshold at or below it, else the template's `color`.
 *
 * @example
 * statColor({ type: 'stat', aggregate: 'count', color: 'green', thresholds: [{ from: 10, color: 'amber' }, { from: 50, color: 'red' }] }, { kind: 'number', value: 12 }) // 'amber'
 */
export function statColor(template: StatTemplate, value: StatValue): PanelColor | undefined {
  let color = template.color
  if (value.kind !== 'number') return color
  let reached = -Infinity
  for (const threshold of template.thresholds ?? []) {
    if (value.value >= threshold.from && threshold.from >= reached) {
      reached = threshold.from
      color = threshold.color
    }
  }
  return color
}

/** What the stat says it is: the template's label, else what was computed of which column. */
export function statLabel(template: StatTemplate): string {
  if (template.label !== undefined && template.label !== '') return template.label
  const aggregate = template.aggregate ?? 'first'
  if (aggregate === 'count') return template.column === undefined ? 'Rows' : `Count of ${template.column}`
  if (aggregate === 'first') return template.column ?? ''
  const word = { sum: 'Sum', avg: 'Average', min: 'Minimum', max: 'Maximum' }[aggregate]
  return `${word} of ${template.column ?? ''}`
}

/** The value as the stat writes it: with its unit, a text cut at STAT_TEXT_MAX, or a dash for none. */
export function statText(template: StatTemplate, value: StatValue): string {
  if (value.kind === 'none') return '–'
  if (value.kind === 'text')
    return value.value.length > STAT_TEXT_MAX ? `${value.value.slice(0, STAT_TEXT_MAX - 1)}…` : value.value
  return formatNumber(value.value, template)
}

/** `{ type: 'stat', column, aggregate, unit, thresholds, … }`: one value, large. */
export const statPanel: PanelKind<StatTemplate> = {
  type: 'stat',
  async render(template, input) {
    if (
      template.column !== undefined &&
      input.columns.length > 0 &&
      !input.columns.includes(template.column)
    ) {
      throw new QuarryError(
        'QUARRY_VIEW_TEMPLATE_INVALID',
        `The stat's column "${template.column}" is not in the result; its columns are ` +
          `${input.columns.map((c) => JSON.stringify(c)).join(', ')}. Change the stat's column setting.`,
      )
    }
    const value = statValue(template, input.rows)
    const color = statColor(template, value)
    const label = statLabel(template)
    const html =
      `<figure class="quarry-stat${color === undefined ? '' : ` quarry-stat--${color}`}">\n` +
      `<figcaption>${escapeHtml(label)}</figcaption>\n` +
      `<p class="quarry-stat-value">${escapeHtml(statText(template, value))}</p>\n` +
      '</figure>\n'
    return { html, notices: [] }
  },
}
