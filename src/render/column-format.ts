/**
 * A table panel's column formats (issue 17): what one cell of a formatted column shows — its text,
 * a link, or a status lozenge — as escaped HTML, and the raw value the view script sorts it by
 * (`data-sort`), so a date written `15 Jan 2026` still sorts by time.
 *
 * Links are http(s) only: a URL template must start with http(s):// (TemplateSchema checks), and the
 * URL a row makes is checked again (httpLink), so a `javascript:` value in a `{column}` that starts
 * the template is shown as text, never a link.
 */
import { QuarryError } from '../domain/errors.js'
import type { ColumnFormat } from '../domain/panel-schemas.js'
import { cellText, cellValue, type Row } from './cell.js'
import { httpLink, jiraIssueLink, JIRA_KEY } from './cell-link.js'
import { escapeHtml } from './html-format.js'
import { formatDate, formatDuration, formatNumber, instantOf, numberOf, statusOf } from './value-format.js'

/** One formatted cell: its inner HTML, whether it is a number (right-aligned), its sort key. */
export interface FormattedCell {
  readonly html: string
  readonly numeric: boolean
  readonly sortKey?: string
}

/** What a format needs besides the value: the row (for `{column}` placeholders and a status's category) and where links open. */
export interface FormatContext {
  readonly row: Row
  readonly embed: boolean
  readonly jiraSite?: string
}

const PLACEHOLDER = /\{([^{}]+)\}/g

/**
 * The placeholders of a link's URL or text template that are neither `{value}` nor a column of the
 * result: a mistake its author should hear about, not an empty piece of URL.
 *
 * @example unknownPlaceholders('https://x/{id}/{valu}', ['id']) // ['valu']
 */
export function unknownPlaceholders(template: string, columns: readonly string[]): string[] {
  return [...template.matchAll(PLACEHOLDER)]
    .map((match) => match[1] ?? '')
    .filter((name) => name !== 'value' && !columns.includes(name))
}

/**
 * A link template filled in for one cell: `{value}` is the cell, `{Column}` that column of the row,
 * each URL-encoded — except a placeholder that starts the template, which is a whole URL from the
 * data and is checked as one instead.
 *
 * @example
 * fillUrl('https://jira.example/browse/{value}', 'QA 1', {}) // 'https://jira.example/browse/QA%201'
 */
export function fillUrl(template: string, value: unknown, row: Row): string | undefined {
  const filled = template.replace(PLACEHOLDER, (whole: string, name: string, offset: number) => {
    const text = cellText(name === 'value' ? value : cellValue(row, name))
    return offset === 0 ? text : encodeURIComponent(text)
  })
  return httpLink(filled)
}

function fillText(template: string, value: unknown, row: Row): string {
  return template.replace(PLACEHOLDER, (_whole: string, name: string) =>
    cellText(name === 'value' ? value : cellValue(row, name)),
  )
}

function anchor(href: string, text: string, embed: boolean): string {
  return `<a href="${escapeHtml(href)}" rel="noopener noreferrer"${embed ? ' target="_blank"' : ''}>${escapeHtml(text)}</a>`
}

const text = (value: unknown): FormattedCell => ({ html: escapeHtml(cellText(value)), numeric: false })

/**
 * One cell of a column with a format. A value the format cannot read (a date column's `n/a`) is
 * shown as it is.
 *
 * @example
 * formatCell({ type: 'duration' }, 3723, { row: {}, embed: false }) // { html: '1h 2m 3s', numeric: true, sortKey: '3723' }
 */
export function formatCell(format: ColumnFormat, value: unknown, context: FormatContext): FormattedCell {
  if (value == null || value === '') return { html: '', numeric: false }
  switch (format.type) {
    case 'text':
      return text(value)
    case 'date': {
      const shown = formatDate(value, format)
      const instant = instantOf(value)
      if (shown === undefined || instant === undefined) return text(value)
      return { html: escapeHtml(shown), numeric: false, sortKey: String(instant.date.getTime()) }
    }
    case 'number': {
      const number = numberOf(value)
      if (number === undefined) return text(value)
      return { html: escapeHtml(formatNumber(number, format)), numeric: true, sortKey: String(number) }
    }
    case 'duration': {
      const number = numberOf(value)
      if (number === undefined) return text(value)
      return { html: escapeHtml(formatDuration(number, format.unit)), numeric: true, sortKey: String(number) }
    }
    case 'link': {
      const href = fillUrl(format.url, value, context.row)
      const label = format.text === undefined ? cellText(value) : fillText(format.text, value, context.row)
      return href === undefined
        ? { html: escapeHtml(label), numeric: false }
        : { html: anchor(href, label, context.embed), numeric: false }
    }
    case 'jira-key': {
      const site = format.site ?? context.jiraSite
      const key = cellText(value)
      const href = site === undefined || !JIRA_KEY.test(key) ? undefined : jiraIssueLink(key, site)
      return href === undefined ? text(value) : { html: anchor(href, key, context.embed), numeric: false }
    }
    case 'status': {
      const category =
        format.categoryColumn === undefined ? undefined : cellValue(context.row, format.categoryColumn)
      const status = statusOf(value, category, format.categories)
      if (status === undefined) return text(value)
      return {
        html: `<span class="quarry-lozenge quarry-lozenge--${status.category}">${escapeHtml(status.name)}</span>`,
        numeric: false,
        sortKey: status.name,
      }
    }
  }
}

/**
 * Checks a format against the result's columns before any row is drawn: a link's placeholders and a
 * status's category column must be there. Throws QUARRY_VIEW_TEMPLATE_INVALID naming the setting.
 */
export function checkFormat(column: string, format: ColumnFormat, columns: readonly string[]): void {
  const problems: string[] = []
  if (format.type === 'link') {
    for (const [setting, template] of [
      ['url', format.url],
      ['text', format.text],
    ] as const) {
      if (template === undefined) continue
      const unknown = unknownPlaceholders(template, columns)
      if (unknown.length > 0) {
        problems.push(
          `its link ${setting} has ${unknown.map((name) => `{${name}}`).join(', ')}, which is neither {value} nor a column`,
        )
      }
    }
  }
  if (
    format.type === 'status' &&
    format.categoryColumn !== undefined &&
    !columns.includes(format.categoryColumn)
  )
    problems.push(`its status categoryColumn "${format.categoryColumn}" is not a column`)
  if (problems.length > 0) {
    throw new QuarryError(
      'QUARRY_VIEW_TEMPLATE_INVALID',
      `The table's column "${column}" cannot be formatted: ${problems.join('; ')}. The result's columns are ` +
        `${columns.map((c) => JSON.stringify(c)).join(', ')}.`,
    )
  }
}
