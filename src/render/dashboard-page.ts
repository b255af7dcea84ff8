/**
 * The dashboard page (`/d/NAME`, issue 17): a heading, the parameter bar, Refresh, and the panels on
 * a twelve-column grid. On the server each panel is an iframe of its own document
 * (`/d/NAME/panel/ID`), so panels load, fail and refresh independently — one failing panel shows its
 * coded error, the others their rows. `quarry dashboard render` puts the panels' content inline
 * instead, in one self-contained file.
 *
 * The page has no inline script or style (the view page's Content-Security-Policy applies): the grid
 * places panels through classes of DASHBOARD_STYLESHEET (`qd-x3 qd-w6 qd-y0 qd-h3`), served as a file.
 */
import type { ParamValue } from '../domain/params.js'
import type { Template } from '../domain/query.js'
import { DEFAULT_TEMPLATE } from '../domain/query.js'
import type { Row } from './cell.js'
import { columnsOf } from './cell.js'
import type { PanelInput, PanelTemplate } from './panel.js'
import { isTemplateError } from './panel.js'
import { panelKind } from './panels.js'
import { DASHBOARD_COLUMNS, DASHBOARD_MAX_ROW, PANEL_MAX_HEIGHT, type Panel } from '../domain/dashboard.js'
import { escapeHtml } from './html-format.js'
import { parameterBar, type BarField } from './dashboard-params.js'
import type { ViewDownload } from './view-page.js'
import { VIEW_STYLESHEET } from './view-script.js'

/** The height of one grid row, in pixels. */
export const DASHBOARD_ROW_PX = 120

/** The classes that place a panel on the grid. */
export function placement(panel: Pick<Panel, 'x' | 'y' | 'width' | 'height'>): string {
  return `qd-x${panel.x} qd-w${panel.width} qd-y${panel.y} qd-h${panel.height}`
}

function rules(count: number, rule: (n: number) => string): string {
  return Array.from({ length: count }, (_, n) => rule(n)).join('')
}

/**
 * The dashboard's stylesheet (served as /assets/dashboard.css, inline in a rendered file): the grid,
 * one class per column, row and span. On a narrow screen the panels stack, each as tall as its span.
 */
export const DASHBOARD_STYLESHEET =
  `.quarry-dash{max-width:1600px}
.quarry-dash-grid{display:grid;grid-template-columns:repeat(${DASHBOARD_COLUMNS},minmax(0,1fr));grid-auto-rows:${DASHBOARD_ROW_PX}px;gap:12px;margin-top:1rem}
.quarry-dash-panel{display:flex;flex-direction:column;min-width:0;min-height:0;border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem;background:#fff}
.quarry-dash-panel-head{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:baseline;justify-content:space-between}
.quarry-dash-panel-head h2{font-size:1rem;margin:0}
.quarry-dash-panel .quarry-actions{font-size:.85em}
.quarry-dash-panel .quarry-actions a,.quarry-dash-panel .quarry-actions button{padding:.1rem .45rem}
.quarry-dash-frame{flex:1 1 auto;width:100%;min-height:0;border:0;margin-top:.25rem}
.quarry-dash-body{flex:1 1 auto;min-height:0;overflow:auto}
.quarry-dash-description{color:var(--muted);margin:.25rem 0 0}
.quarry-visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
` +
  rules(DASHBOARD_COLUMNS, (n) => `.qd-x${n}{grid-column-start:${n + 1}}`) +
  rules(DASHBOARD_COLUMNS, (n) => `.qd-w${n + 1}{grid-column-end:span ${n + 1}}`) +
  rules(DASHBOARD_MAX_ROW + 1, (n) => `.qd-y${n}{grid-row-start:${n + 1}}`) +
  rules(PANEL_MAX_HEIGHT, (n) => `.qd-h${n + 1}{grid-row-end:span ${n + 1}}`) +
  '\n@media (max-width:700px){.quarry-dash-grid{display:block}.quarry-dash-panel{margin-bottom:12px}' +
  rules(PANEL_MAX_HEIGHT, (n) => `.qd-h${n + 1}{height:${(n + 1) * DASHBOARD_ROW_PX}px}`) +
  '}\n'

/** One panel as the page shows it. */
export interface DashboardPanelView extends Pick<Panel, 'id' | 'x' | 'y' | 'width' | 'height'> {
  readonly title: string
  /** The server's page: the panel's own document, shown in an iframe. */
  readonly src?: string
  /** A rendered file: the panel's content, inline. */
  readonly body?: string
  /** Where the panel's Refresh form POSTs to (its answer replaces the iframe's document). */
  readonly refresh?: string
  readonly downloads: readonly ViewDownload[]
}

export interface DashboardPageInput {
  readonly name: string
  readonly title?: string
  readonly description?: string
  readonly fields: readonly BarField[]
  readonly panels: readonly DashboardPanelView[]
  readonly urls: { readonly self: string; readonly refresh?: string }
  readonly embed: boolean
  /** A hidden field for the Refresh forms (POST), when the server protects forms with a token. */
  readonly csrf?: { readonly name: string; readonly token: string }
  /** A rendered file: the values are said in words, not offered in a form (there is no server to send it to). */
  readonly fixedValues?: boolean
}

function csrfField(input: DashboardPageInput): string {
  return input.csrf === undefined
    ? ''
    : `<input type="hidden" name="${escapeHtml(input.csrf.name)}" value="${escapeHtml(input.csrf.token)}">`
}

function panelHtml(input: DashboardPageInput, panel: DashboardPanelView): string {
  const headingId = `panel-${panel.id}-title`
  const frame = `frame-${panel.id}`
  const hidden = `<span class="quarry-visually-hidden"> ${escapeHtml(panel.title)}</span>`
  const refresh =
    panel.refresh === undefined
      ? ''
      : `<form method="post" action="${escapeHtml(panel.refresh)}" target="${frame}">${csrfField(input)}` +
        `<button type="submit">Refresh${hidden}</button></form>`
  const downloads = panel.downloads
    .map((d) => `<a href="${escapeHtml(d.href)}" download>${escapeHtml(d.label)}${hidden}</a>`)
    .join('')
  const actions =
    refresh === '' && downloads === ''
      ? ''
      : `<nav class="quarry-actions" aria-label="${escapeHtml(panel.title)}: actions">${refresh}${downloads}</nav>`
  const content =
    panel.src !== undefined
      ? `<iframe class="quarry-dash-frame" name="${frame}" title="${escapeHtml(panel.title)}" src="${escapeHtml(panel.src)}"></iframe>`
      : `<div class="quarry-dash-body">\n${panel.body ?? ''}</div>`
  return (
    `<section class="quarry-dash-panel ${placement(panel)}" id="panel-${panel.id}" data-panel="${panel.id}" aria-labelledby="${headingId}">\n` +
    `<header class="quarry-dash-panel-head"><h2 id="${headingId}">${escapeHtml(panel.title)}</h2>${actions}</header>\n` +
    `${content}\n</section>`
  )
}

function valuesLine(fields: readonly BarField[]): string {
  if (fields.length === 0) return ''
  const pairs = fields.map(
    (f) => `${escapeHtml(f.label)}: ${f.value === '' ? '(default)' : escapeHtml(f.value)}`,
  )
  return `<p class="quarry-meta">Parameters — ${pairs.join(' · ')}</p>`
}

/**
 * The page's `<main>`: heading, parameter bar and Refresh (not in an embed), then the grid.
 *
 * @example dashboardMain({ name: 'team', fields: [], panels, urls: { self: '/d/team' }, embed: false })
 */
export function dashboardMain(input: DashboardPageInput): string {
  const title = input.title ?? input.name
  const parts = [`<main class="quarry-page quarry-dash" data-dashboard="${escapeHtml(input.name)}">`]
  if (!input.embed) {
    const refresh =
      input.urls.refresh === undefined
        ? ''
        : `<nav class="quarry-actions" aria-label="Dashboard actions"><form method="post" action="${escapeHtml(input.urls.refresh)}">` +
          `${csrfField(input)}<button type="submit">Refresh all</button></form></nav>`
    const description =
      input.description === undefined
        ? ''
        : `<p class="quarry-dash-description">${escapeHtml(input.description)}</p>`
    parts.push(
      `<header class="quarry-header">\n<div><h1>${escapeHtml(title)}</h1>${description}</div>\n${refresh}\n</header>`,
      input.fixedValues === true ? valuesLine(input.fields) : parameterBar(input.fields, input.urls.self),
    )
  }
  parts.push(
    `<div class="quarry-dash-grid">\n${input.panels.map((panel) => panelHtml(input, panel)).join('\n')}\n</div>`,
    '</main>',
  )
  return parts.filter((part) => part !== '').join('\n')
}

/** A rendered file's Content-Security-Policy: no script at all, its styles inline, images as data URLs. */
export const DASHBOARD_FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

/**
 * The dashboard as one self-contained HTML file (`quarry dashboard render`): the panels' content
 * inline, both stylesheets inline, no script — it opens anywhere, offline.
 *
 * @example dashboardFile({ name: 'team', fields, panels: [{ id: 'open', title: 'Open', body: '<table>…', … }], urls: { self: '/d/team' }, embed: false })
 */
export function dashboardFile(input: DashboardPageInput): string {
  const title = input.title ?? input.name
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(DASHBOARD_FILE_CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} · Quarry</title>`,
    `<style>${VIEW_STYLESHEET}${DASHBOARD_STYLESHEET}</style>`,
    '</head>',
    '<body>',
    dashboardMain(input),
    '</body>',
    '</html>',
    '',
  ].join('\n')
}

/** What a panel shows in a rendered file: its rows through its template, or the error that stopped it. */
export interface PanelContentInput {
  readonly query: string
  readonly title: string
  readonly rows: readonly Row[]
  readonly template?: Template | PanelTemplate
  readonly params: Readonly<Record<string, ParamValue | undefined>>
  readonly fetchedAt: Date
  readonly notices: readonly string[]
  /** The run failed: this message (with its code) is shown instead of rows. */
  readonly error?: string
  readonly sandbox?: PanelInput['sandbox']
  readonly templates?: PanelInput['templates']
}

/**
 * A panel's content for a rendered file: notices, then the error, "No rows", or the template's HTML.
 * A template's own error is shown like a failed run; any other error is thrown.
 *
 * @example await panelContent({ query: 'bugs', title: 'Bugs', rows, params: {}, fetchedAt, notices: [] })
 */
export async function panelContent(input: PanelContentInput): Promise<string> {
  const template = input.template ?? DEFAULT_TEMPLATE
  let notices = input.notices
  let body: string
  if (input.error !== undefined) {
    body = errorParagraph(input.error)
  } else if (input.rows.length === 0) {
    const empty =
      panelKind(template).emptyMessage?.(template) ??
      'No rows: the query returned nothing for these parameters.'
    body = `<p class="quarry-empty">${escapeHtml(empty)}</p>\n`
  } else {
    try {
      const panel = await panelKind(template).render(template, {
        rows: input.rows,
        columns: columnsOf(input.rows),
        query: input.query,
        title: input.title,
        params: input.params,
        fetchedAt: input.fetchedAt,
        embed: false,
        ...(input.sandbox === undefined ? {} : { sandbox: input.sandbox }),
        ...(input.templates === undefined ? {} : { templates: input.templates }),
      })
      body = panel.html
      notices = [...notices, ...panel.notices]
    } catch (error) {
      if (!isTemplateError(error)) throw error
      body = errorParagraph(`${error.message} (${error.code})`)
    }
  }
  const list =
    notices.length === 0
      ? ''
      : `<ul class="quarry-notices" role="status">\n${notices.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}\n</ul>\n`
  return list + body
}

function errorParagraph(message: string): string {
  return `<p class="quarry-error" role="alert">${escapeHtml(message)}</p>\n`
}

/** The server's dashboard document: the view's stylesheet and script, and the dashboard's stylesheet, under the nonce. */
export function dashboardPage(
  input: DashboardPageInput & {
    readonly nonce: string
    readonly assets: {
      readonly script: string
      readonly stylesheet: string
      readonly dashboardStylesheet: string
    }
  },
): string {
  const title = input.title ?? input.name
  const nonce = escapeHtml(input.nonce)
  return [
    '<!doctype html>',
    `<html lang="en"${input.embed ? ' data-embed' : ''}>`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="same-origin">',
    `<title>${escapeHtml(title)} · Quarry</title>`,
    `<link rel="stylesheet" href="${escapeHtml(input.assets.stylesheet)}" nonce="${nonce}">`,
    `<link rel="stylesheet" href="${escapeHtml(input.assets.dashboardStylesheet)}" nonce="${nonce}">`,
    `<script src="${escapeHtml(input.assets.script)}" nonce="${nonce}" defer></script>`,
    '</head>',
    '<body>',
    dashboardMain(input),
    '</body>',
    '</html>',
    '',
  ].join('\n')
}
