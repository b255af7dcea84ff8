/**
 * The default template kind: a table the view script makes sortable, filterable and paged (its page
 * size in `data-page-size`: see VIEW_SCRIPT for why embeds get smaller pages). Issue keys and URLs
 * become links (cell-link.ts).
 */
import type { Row } from './cell.js'
import { cellText, cellValue, isNumeric } from './cell.js'
import { cellLink, type CellLinkContext } from './cell-link.js'
import { escapeHtml } from './html-format.js'
import type { PanelInput, PanelKind, TemplateOf } from './panel.js'
import { EMBED_PAGE_SIZE, PAGE_SIZE } from './view-script.js'

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
 * The table's HTML for these rows.
 *
 * @example
 * tableHtml({ rows: [{ key: 'QA-1' }], columns: ['key'], embed: false, … }) // '<div class="quarry-table" data-page-size="100">…'
 */
export function tableHtml(input: Pick<PanelInput, 'rows' | 'columns' | 'embed' | 'jiraSite'>): string {
  const { rows, columns, embed } = input
  const links: CellLinkContext = input.jiraSite === undefined ? {} : { jiraSite: input.jiraSite }
  const head = columns
    .map(
      (column) =>
        `<th scope="col"><button type="button" class="quarry-sort">${escapeHtml(column)}</button></th>`,
    )
    .join('')
  const body = rows
    .map(
      (row: Row) =>
        '<tr>' +
        columns.map((column) => cellHtml(cellValue(row, column), column, links, embed)).join('') +
        '</tr>',
    )
    .join('\n')
  return (
    `<div class="quarry-table" data-page-size="${embed ? EMBED_PAGE_SIZE : PAGE_SIZE}">\n` +
    '<div class="quarry-filter" hidden><input type="search" placeholder="Filter rows" aria-label="Filter rows">' +
    '<output aria-live="polite"></output></div>\n' +
    `<table>\n<thead>\n<tr>${head}</tr>\n</thead>\n<tbody>\n${body}\n</tbody>\n</table>\n` +
    '<nav class="quarry-pager" aria-label="Table pages" hidden>' +
    '<button type="button" data-page="prev">Previous page</button>' +
    '<output aria-live="polite"></output>' +
    '<button type="button" data-page="next">Next page</button></nav>\n</div>\n'
  )
}

/** `{ type: 'table' }`: the rows as the view script's table. */
export const tablePanel: PanelKind<TemplateOf<'table'>> = {
  type: 'table',
  render: async (_template, input) => ({ html: tableHtml(input), notices: [] }),
}
