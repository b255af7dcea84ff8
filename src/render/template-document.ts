/**
 * A query's template rendered into one standalone HTML document, for `quarry run --format html
 * --template`: the same panel a view shows (panels.ts: table, Liquid, chart, Velocity …), with its
 * notices, under a Content-Security-Policy that allows no script at all — what a template writes
 * can be read, never run, wherever the file is opened.
 */
import type { ParamValue } from '../domain/params.js'
import type { Template } from '../domain/query.js'
import { DEFAULT_TEMPLATE } from '../domain/query.js'
import type { Row } from './cell.js'
import { columnsOf } from './cell.js'
import { escapeHtml } from './html-format.js'
import type { PanelInput, PanelTemplate } from './panel.js'
import { panelKind } from './panels.js'
import { VIEW_STYLESHEET } from './view-script.js'

export interface TemplateDocumentInput {
  /** The query's name (and the title, when it has none of its own). */
  readonly query: string
  readonly title?: string
  readonly rows: readonly Row[]
  readonly template?: Template | PanelTemplate
  readonly params: Readonly<Record<string, ParamValue | undefined>>
  readonly fetchedAt: Date
  readonly sandbox?: PanelInput['sandbox']
  readonly templates?: PanelInput['templates']
}

/** No script, no other origin; the view's stylesheet inline (this document has no server to load it from). */
export const TEMPLATE_DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

/**
 * The document, and the notices the template's kind gave (a chart's dropped points, a Velocity
 * `<script>` taken out). A template's own error is thrown (QUARRY_VIEW_TEMPLATE_INVALID, …).
 *
 * @example
 * const { html, notices } = await templateDocument({ query: 'bugs', rows, template, params: {}, fetchedAt, sandbox: pool })
 */
export async function templateDocument(
  input: TemplateDocumentInput,
): Promise<{ readonly html: string; readonly notices: readonly string[] }> {
  const template = input.template ?? DEFAULT_TEMPLATE
  const kind = panelKind(template)
  const title = input.title ?? input.query
  let body: string
  let notices: readonly string[] = []
  if (input.rows.length === 0) {
    const empty = kind.emptyMessage?.(template) ?? 'No rows: the query returned nothing for these parameters.'
    body = `<p class="quarry-empty">${escapeHtml(empty)}</p>\n`
  } else {
    const panel = await kind.render(template, {
      rows: input.rows,
      columns: columnsOf(input.rows),
      query: input.query,
      title,
      params: input.params,
      fetchedAt: input.fetchedAt,
      embed: false,
      ...(input.sandbox === undefined ? {} : { sandbox: input.sandbox }),
      ...(input.templates === undefined ? {} : { templates: input.templates }),
    })
    body = panel.html
    notices = panel.notices
  }
  const list =
    notices.length === 0
      ? ''
      : `<ul class="quarry-notices" role="status">\n${notices.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}\n</ul>\n`
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(TEMPLATE_DOCUMENT_CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} · Quarry</title>`,
    `<style>${VIEW_STYLESHEET}</style>`,
    '</head>',
    '<body>',
    `<main class="quarry-page" data-query="${escapeHtml(input.query)}">`,
    `<h1>${escapeHtml(title)}</h1>`,
    list + body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n')
  return { html, notices }
}
