/**
 * HTML: a complete, small HTML5 document holding one `<table>` (thead, tbody). Every piece of data —
 * cells, column names, the title — is HTML-escaped, so a value such as `<img src=x onerror=alert(1)>`
 * shows as text. The document carries no script, and its Content-Security-Policy (`default-src
 * 'none'`, inline style only) would stop one from running even if escaping were ever missed.
 * Newlines inside cells are kept (`white-space: pre-wrap`); numbers are right-aligned.
 */
import { cellText, cellValue, isNumeric } from './cell.js'
import type { FormatContext } from './format.js'
import { rowFormat } from './row-format.js'

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

// Controls other than tab, LF and CR are parse errors in HTML text (HTML §13.2.3.5); NUL is dropped or
// replaced differently by different parsers. U+FFFD makes every browser show the same thing.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const DISALLOWED_CONTROLS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g

/**
 * `text` safe inside HTML element content and quoted attribute values.
 *
 * @example
 * escapeHtml('<img src=x onerror=alert(1)>') // '&lt;img src=x onerror=alert(1)&gt;'
 * escapeHtml(`"Tom" & 'Jerry'`) // '&quot;Tom&quot; &amp; &#39;Jerry&#39;'
 */
export function escapeHtml(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed()
  return wellFormed
    .replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char)
    .replace(DISALLOWED_CONTROLS, '\ufffd')
}

const STYLE = [
  'body{font:14px/1.4 system-ui,sans-serif;margin:1rem;color:#222}',
  'table{border-collapse:collapse}',
  'th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top;white-space:pre-wrap}',
  'th{background:#f3f3f3}',
  'td.num{text-align:right;font-variant-numeric:tabular-nums}',
  '.empty{color:#666}',
].join('')

function documentStart(context: FormatContext): string {
  const title = context.options.title
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title ?? 'Quarry')}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...(title === undefined ? [] : [`<h1>${escapeHtml(title)}</h1>`]),
    '',
  ].join('\n')
}

const DOCUMENT_END = '</body>\n</html>\n'

function columnsIn(context: FormatContext): readonly string[] {
  // The drivers always resolve columns for this format (needsColumns); [] is only a type fallback.
  return context.columns ?? []
}

function cell(value: unknown): string {
  const text = escapeHtml(cellText(value))
  return isNumeric(value) ? `<td class="num">${text}</td>` : `<td>${text}</td>`
}

/**
 * HTML document output.
 *
 * @example
 * render('html', [{ key: 'QA-1' }], { title: 'Open issues' }) // '<!doctype html>\n…<td>QA-1</td>…'
 */
export const htmlFormat = rowFormat(
  { name: 'html', label: 'HTML', mediaType: 'text/html; charset=utf-8', extension: 'html' },
  {
    needsColumns: true,
    open: (context) =>
      documentStart(context) +
      '<table>\n<thead>\n<tr>' +
      columnsIn(context)
        .map((column) => `<th scope="col">${escapeHtml(column)}</th>`)
        .join('') +
      '</tr>\n</thead>\n<tbody>\n',
    row: (row, _index, context) =>
      '<tr>' +
      columnsIn(context)
        .map((column) => cell(cellValue(row, column)))
        .join('') +
      '</tr>\n',
    close: () => '</tbody>\n</table>\n' + DOCUMENT_END,
    empty: (context) => documentStart(context) + '<p class="empty">No rows</p>\n' + DOCUMENT_END,
  },
)
