/**
 * The default template kind: a table the view script makes sortable, filterable and paged (its page
 * size in `data-page-size`: see VIEW_SCRIPT for why embeds get smaller pages). Issue keys and URLs
 * become links (cell-link.ts).
 *
 * A table template may also list columns (issue 17): their order (listed first, the rest after, or
 * only the listed with `onlyListed`), a header label, hidden ones, and a format each
 * (column-format.ts); and its page size. Paging stays in the browser: every row is in the page, so
 * turning a page asks the server nothing.
 */
import { QuarryError } from '../domain/errors.js'
import type { ColumnFormat } from '../domain/panel-schemas.js'
import type { Row } from './cell.js'
import { cellText, cellValue, isNumeric } from './cell.js'
import { cellLink, type CellLinkContext } from './cell-link.js'
import { checkFormat, formatCell } from './column-format.js'
import { escapeHtml } from './html-format.js'
import type { PanelInput, PanelKind, TemplateOf } from './panel.js'
import { EMBED_PAGE_SIZE, PAGE_SIZE } from './view-script.js'

export type TableTemplate = TemplateOf<'table'>

/** A column as the table shows it: its name in the rows, its header, its format. */
interface ShownColumn {
  readonly column: string
  readonly label: string
  readonly format?: ColumnFormat
}

/** One table cell: a link when cellLink says so (in an embed, opening outside the iframe). */
function cellHtml(value: unknown, column: string, links: CellLinkContext, embed: boolean): string {
  const text = escapeHtml(cellText(value))
  const href = cellLink(value, column, links)
  const shown =
    href === undefined
      ? text
      : `<a href="${escapeHtml(href)}" rel="noopener noreferrer"${embed ? ' target="_blank"' : ''}>${text}</a>`
  return isNumeric(value) ? `<td class="num">${shown}</td>` : `<td>${shown}</td>`
}

/**
 * The columns a table template shows, in order: the listed ones that are not hidden, then (unless
 * `onlyListed`) the result's others. A listed column the result does not have is the template's
 * mistake: QUARRY_VIEW_TEMPLATE_INVALID names it.
 *
 * @example
 * shownColumns({ type: 'table', columns: [{ column: 'b' }, { column: 'c', hidden: true }] }, ['a', 'b', 'c'])
 * // [{ column: 'b', label: 'b' }, { column: 'a', label: 'a' }]
 */
export function shownColumns(template: TableTemplate, columns: readonly string[]): ShownColumn[] {
  const listed = template.columns ?? []
  const missing = listed.filter((setting) => !columns.includes(setting.column)).map((s) => s.column)
  if (missing.length > 0) {
    throw new QuarryError(
      'QUARRY_VIEW_TEMPLATE_INVALID',
      `The table's column settings name ${missing.map((c) => JSON.stringify(c)).join(', ')}, not in the result; ` +
        `its columns are ${columns.map((c) => JSON.stringify(c)).join(', ')}. Correct or remove those settings.`,
    )
  }
  const names = new Set(listed.map((setting) => setting.column))
  const shown: ShownColumn[] = listed
    .filter((setting) => setting.hidden !== true)
    .map((setting) => ({
      column: setting.column,
      label: setting.label ?? setting.column,
      ...(setting.format === undefined ? {} : { format: setting.format }),
    }))
  if (template.onlyListed !== true)
    for (const column of columns) if (!names.has(column)) shown.push({ column, label: column })
  for (const { column, format } of shown) if (format !== undefined) checkFormat(column, format, columns)
  return shown
}

function formattedCellHtml(format: ColumnFormat, value: unknown, row: Row, input: TableInput): string {
  const cell = formatCell(format, value, {
    row,
    embed: input.embed,
    ...(input.jiraSite === undefined ? {} : { jiraSite: input.jiraSite }),
  })
  const sort = cell.sortKey === undefined ? '' : ` data-sort="${escapeHtml(cell.sortKey)}"`
  return `<td${cell.numeric ? ' class="num"' : ''}${sort}>${cell.html}</td>`
}

type TableInput = Pick<PanelInput, 'rows' | 'columns' | 'embed' | 'jiraSite'>

/**
 * The table's HTML for these rows, as the template says (the default table without one).
 *
 * @example
 * tableHtml({ rows: [{ key: 'QA-1' }], columns: ['key'], embed: false, … }) // '<div class="quarry-table" data-page-size="100">…'
 */
export function tableHtml(input: TableInput, template: TableTemplate = { type: 'table' }): string {
  const { rows, embed } = input
  const columns = shownColumns(template, input.columns)
  const links: CellLinkContext = input.jiraSite === undefined ? {} : { jiraSite: input.jiraSite }
  const head = columns
    .map(
      ({ label }) =>
        `<th scope="col"><button type="button" class="quarry-sort">${escapeHtml(label)}</button></th>`,
    )
    .join('')
  const body = rows
    .map(
      (row: Row) =>
        '<tr>' +
        columns
          .map(({ column, format }) => {
            const value = cellValue(row, column)
            return format === undefined
              ? cellHtml(value, column, links, embed)
              : formattedCellHtml(format, value, row, input)
          })
          .join('') +
        '</tr>',
    )
    .join('\n')
  const pageSize = template.pageSize ?? (embed ? EMBED_PAGE_SIZE : PAGE_SIZE)
  return (
    `<div class="quarry-table" data-page-size="${pageSize}">\n` +
    '<div class="quarry-filter" hidden><input type="search" placeholder="Filter rows" aria-label="Filter rows">' +
    '<output aria-live="polite"></output></div>\n' +
    `<table>\n<thead>\n<tr>${head}</tr>\n</thead>\n<tbody>\n${body}\n</tbody>\n</table>\n` +
    '<nav class="quarry-pager" aria-label="Table pages" hidden>' +
    '<button type="button" data-page="prev">Previous page</button>' +
    '<output aria-live="polite"></output>' +
    '<button type="button" data-page="next">Next page</button></nav>\n</div>\n'
  )
}

/** `{ type: 'table', columns?, onlyListed?, pageSize? }`: the rows as the view script's table. */
export const tablePanel: PanelKind<TableTemplate> = {
  type: 'table',
  render: async (template, input) => ({ html: tableHtml(input, template), notices: [] }),
}
