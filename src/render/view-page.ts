/**
 * The view page (`/v/QUERY?param=…`): one complete HTML document, rendered on the server, showing a
 * query's rows through its template's kind (panels.ts: the default sortable, filterable table, a
 * Liquid template's output, a chart's SVG …) with a parameter form, notices, freshness, Refresh and
 * downloads. With `embed`, only the content (for an iframe on another site; see embedScript).
 *
 * Every value that came from an API, a user or the query's definition is escaped with escapeHtml;
 * the page has no inline script or style, so it works under contentSecurityPolicy(): scripts and
 * styles come from the asset URLs (VIEW_SCRIPT and VIEW_STYLESHEET served as files).
 */
import { QuarryError } from '../domain/errors.js'
import type { ParamValue } from '../domain/params.js'
import type { ParamSpec, Template } from '../domain/query.js'
import { DEFAULT_TEMPLATE } from '../domain/query.js'
import type { Row } from './cell.js'
import { columnsOf } from './cell.js'
import { escapeHtml } from './html-format.js'
import type { Panel, PanelInput, PanelTemplate } from './panel.js'
import { isTemplateError } from './panel.js'
import { panelKind } from './panels.js'
import { paramOptionsControl, type ParamOptionsView } from './param-options.js'
import { quarryOrigin } from './view-script.js'

/** Everything a view page shows. The caller (the server) runs the query and builds the URLs. */
export interface ViewPageInput {
  /** The query's name. */
  readonly query: string
  /** Shown as the heading; default: the query's name. */
  readonly title?: string
  /** The query's parameters, for the form. */
  readonly params: readonly ParamSpec[]
  /**
   * The lists of parameters whose values come from a query (issue 17), by name: each shows as a
   * dropdown (param-options.ts), or its error in its place.
   */
  readonly paramOptions?: ReadonlyMap<string, ParamOptionsView>
  /** The values the rows were fetched with (raw text or parsed), by parameter name. */
  readonly values: Readonly<Record<string, ParamValue | undefined>> | ReadonlyMap<string, ParamValue>
  readonly rows: readonly Row[]
  /** Column order; default: keys in order of first appearance. */
  readonly columns?: readonly string[]
  /** When the rows were fetched; absent when the query failed before any. */
  readonly fetchedAt?: Date
  readonly fromCache?: boolean
  /** Why the rows may be incomplete (a page cap hit …): always shown, in embeds too. */
  readonly notices?: readonly string[]
  /** Default: DEFAULT_TEMPLATE (the table); a registered kind's template (panels.ts) shows through it. */
  readonly template?: Template | PanelTemplate
  /** The query failed: this message is shown instead of rows. */
  readonly error?: string
  /** How a template's own error is told on the page (the server tells viewers only its summary). */
  readonly describeError?: (error: QuarryError) => string
  readonly now: Date
  /** The response's CSP nonce (see contentSecurityPolicy), put on the page's script and stylesheet tags. */
  readonly nonce: string
  readonly urls: ViewUrls
  /** Just the content, for an iframe: no heading, form, links or freshness line. */
  readonly embed: boolean
  readonly assets: { readonly script: string; readonly stylesheet: string }
  /**
   * The Jira Cloud site of the query's datasource (jira-cloud preset, connected), e.g.
   * https://acme.atlassian.net: issue keys in a key column link to their issue there (cell-link.ts).
   */
  readonly jiraSite?: string
  /** A hidden field for the Refresh form (POST), when the server protects forms with a token. */
  readonly csrf?: { readonly name: string; readonly token: string }
  /** Where a Velocity template renders (the ConverterPool): never in this process. */
  readonly sandbox?: PanelInput['sandbox']
  /** Named templates a Velocity template may insert (`$PQ.templateByName`). */
  readonly templates?: PanelInput['templates']
  /**
   * The query's snapshots (issue 16), for those who may see them: links to each, the one shown
   * marked; absent, the page has no snapshot list.
   */
  readonly snapshots?: readonly ViewSnapshotLink[]
  /** The page shows a snapshot (or a comparison of two), not a live run: said above the rows. */
  readonly showing?: string
  /**
   * The viewer has not connected their own account to the query's per-user datasource (issue 15):
   * the page asks them to, with a Connect button, instead of rows.
   */
  readonly connect?: ViewConnectPrompt
}

/** The "Connect your account to see this" prompt of a view whose datasource runs per user. */
export interface ViewConnectPrompt {
  /** What to do, e.g. "Connect your Atlassian account to see this." */
  readonly message: string
  /** Where the Connect form POSTs to: the server starts consent there and sends the browser on. */
  readonly action: string
  /** The session's CSRF token for that form. */
  readonly csrf: { readonly name: string; readonly token: string }
  /**
   * In an embed: consent opens in a window of its own (a provider's consent page refuses to be
   * framed), and the frame reloads when that window says it is done (view-script.ts).
   */
  readonly popup: boolean
}

/** One snapshot in a view page's list: its time and rows, a link to it and one comparing it with the one before. */
export interface ViewSnapshotLink {
  readonly label: string
  readonly href: string
  /** The view of what changed since the snapshot before it, if there is one. */
  readonly compareHref?: string
  readonly current: boolean
}

export interface ViewUrls {
  /** The page itself: the parameter form's action (GET). */
  readonly self: string
  /** Where a parameter's dropdown reloads its choices: `${options}/${param}` (absent: `${self}/options`). */
  readonly options?: string
  /** Where the Refresh form POSTs to (fetch again, bypassing the cache). */
  readonly refresh: string
  /** A link per download the page offers (the server lists every registered format: render/formats.ts). */
  readonly downloads: readonly ViewDownload[]
}

/** One download link of a view page: `<a href="/v/QUERY/rows.csv" download>CSV</a>`. */
export interface ViewDownload {
  readonly label: string
  readonly href: string
}

/**
 * "just now", "1 minute ago", "5 minutes ago", "2 hours ago", "3 days ago".
 *
 * @example
 * updatedAgo(new Date('2026-01-15T10:00:00Z'), new Date('2026-01-15T10:05:30Z')) // '5 minutes ago'
 */
export function updatedAgo(fetchedAt: Date, now: Date): string {
  const seconds = Math.floor((now.getTime() - fetchedAt.getTime()) / 1000)
  if (!Number.isFinite(seconds) || seconds < 60) return 'just now'
  const [amount, unit] =
    seconds < 3600
      ? [Math.floor(seconds / 60), 'minute']
      : seconds < 86_400
        ? [Math.floor(seconds / 3600), 'hour']
        : [Math.floor(seconds / 86_400), 'day']
  return `${amount} ${unit}${amount === 1 ? '' : 's'} ago`
}

/**
 * A URL for an href/action/src attribute, escaped. Only http(s) and relative URLs: the caller
 * builds these, but a `javascript:` URL must never reach an attribute whatever happened upstream.
 */
function url(value: string): string {
  const trimmed = value.trim()
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) && !/^https?:/i.test(trimmed))
    throw new QuarryError('QUARRY_INTERNAL', `A view page URL must be http(s) or relative, got "${value}".`)
  return escapeHtml(trimmed)
}

const NONCE = /^[A-Za-z0-9+/_-]+={0,2}$/

function checkNonce(nonce: string): string {
  if (!NONCE.test(nonce))
    throw new QuarryError('QUARRY_INTERNAL', 'A CSP nonce must be base64 (or base64url) text.')
  return nonce
}

function valueText(value: ParamValue | undefined): string {
  if (value === undefined) return ''
  if (Array.isArray(value)) return value.join(', ')
  return String(value)
}

function valuesRecord(values: ViewPageInput['values']): Readonly<Record<string, ParamValue | undefined>> {
  return values instanceof Map
    ? Object.fromEntries(values)
    : (values as Readonly<Record<string, ParamValue | undefined>>)
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

/** One labelled input for a parameter, typed by the parameter's type. */
function paramInput(spec: ParamSpec, current: string): string {
  const id = `p-${spec.name}`
  const attrs = `id="${escapeHtml(id)}" name="${escapeHtml(spec.name)}"`
  const value = escapeHtml(current)
  const option = (choice: string, label = choice): string =>
    `<option value="${escapeHtml(choice)}"${choice === current ? ' selected' : ''}>${escapeHtml(label)}</option>`
  let control: string
  switch (spec.type) {
    case 'integer':
      control = `<input ${attrs} type="number" step="1" inputmode="numeric" value="${value}">`
      break
    case 'number':
      control = `<input ${attrs} type="number" step="any" value="${value}">`
      break
    case 'date':
      // <input type="date"> holds a day only; a date-time value stays editable as text.
      control =
        current === '' || DATE_ONLY.test(current)
          ? `<input ${attrs} type="date" value="${value}">`
          : `<input ${attrs} type="text" value="${value}">`
      break
    case 'boolean': {
      // A checkbox sends nothing when unticked (so the default would win, and a true default could
      // never be turned off through the form): a yes/no choice sends a value either way.
      const normalized = ['true', 'yes', '1', 'on'].includes(current.toLowerCase())
        ? 'true'
        : ['false', 'no', '0', 'off'].includes(current.toLowerCase())
          ? 'false'
          : ''
      control =
        `<select ${attrs}>` +
        (normalized === '' ? '<option value="" selected></option>' : '') +
        [
          `<option value="true"${normalized === 'true' ? ' selected' : ''}>yes</option>`,
          `<option value="false"${normalized === 'false' ? ' selected' : ''}>no</option>`,
        ].join('') +
        '</select>'
      break
    }
    case 'constant':
      control = `<select ${attrs}>${(spec.values ?? []).map((choice) => option(choice)).join('')}</select>`
      break
    case 'list':
      control = `<input ${attrs} type="text" value="${value}" placeholder="a, b, c">`
      break
    case 'string':
      control = `<input ${attrs} type="text" value="${value}">`
      break
  }
  const hint = spec.description === undefined ? '' : ` <small>${escapeHtml(spec.description)}</small>`
  return `<label for="${escapeHtml(id)}">${escapeHtml(spec.name)}${hint}${control}</label>`
}

function paramForm(input: ViewPageInput): string {
  if (input.params.length === 0) return ''
  const values = valuesRecord(input.values)
  const fields = input.params.map((spec) => {
    const current =
      valueText(Object.hasOwn(values, spec.name) ? values[spec.name] : undefined) || (spec.default ?? '')
    const list = input.paramOptions?.get(spec.name)
    if (list === undefined) return paramInput(spec, current)
    const base = input.urls.options ?? `${input.urls.self}/options`
    url(base) // refuses a non-http(s) URL; paramOptionsControl escapes it
    return paramOptionsControl({
      spec,
      current,
      list,
      optionsUrl: `${base}/${encodeURIComponent(spec.name)}`,
    })
  })
  return (
    `<form class="quarry-params" method="get" action="${url(input.urls.self)}">\n` +
    fields.join('\n') +
    '\n<button type="submit">Run</button>\n</form>\n'
  )
}

/** The list of snapshots under the form: the live view first, then each snapshot, newest first. */
function snapshotList(input: ViewPageInput): string {
  const links = input.snapshots
  if (links === undefined || links.length === 0) return ''
  const live = input.showing === undefined ? ' aria-current="page"' : ''
  const items = links.map((link) => {
    const current = link.current ? ' aria-current="page"' : ''
    const compare =
      link.compareHref === undefined
        ? ''
        : ` <a href="${url(link.compareHref)}">changes since the one before</a>`
    return `<li><a href="${url(link.href)}"${current}>${escapeHtml(link.label)}</a>${compare}</li>`
  })
  return (
    '<details class="quarry-snapshots"><summary>Snapshots</summary>\n<ul>\n' +
    `<li><a href="${url(input.urls.self)}"${live}>Live</a></li>\n${items.join('\n')}\n</ul>\n</details>\n`
  )
}

interface Content extends Panel {
  readonly error?: string
}

/** The rows shown through the template's kind (panels.ts). */
async function content(input: ViewPageInput, columns: readonly string[]): Promise<Content> {
  const template = input.template ?? DEFAULT_TEMPLATE
  try {
    return await panelKind(template).render(template, {
      rows: input.rows,
      columns,
      query: input.query,
      ...(input.title === undefined ? {} : { title: input.title }),
      params: valuesRecord(input.values),
      fetchedAt: input.fetchedAt ?? input.now,
      embed: input.embed,
      ...(input.jiraSite === undefined ? {} : { jiraSite: input.jiraSite }),
      ...(input.sandbox === undefined ? {} : { sandbox: input.sandbox }),
      ...(input.templates === undefined ? {} : { templates: input.templates }),
    })
  } catch (error) {
    // A broken template is the query author's to fix: say so on the page, as with a failed query.
    if (isTemplateError(error))
      return { html: '', notices: [], error: input.describeError?.(error) ?? error.message }
    throw error
  }
}

/** What an empty result says: the template's own words (PocketQuery's `emptymsg`), else Quarry's. */
function emptyMessage(input: ViewPageInput): string {
  const template = input.template ?? DEFAULT_TEMPLATE
  let own: string | undefined
  try {
    own = panelKind(template).emptyMessage?.(template)
  } catch {
    // A kind nobody registered has nothing to say about no rows; its rows would fail to show anyway.
  }
  return own ?? 'No rows: the query returned nothing for these parameters.'
}

function noticesHtml(notices: readonly string[]): string {
  if (notices.length === 0) return ''
  return `<ul class="quarry-notices" role="status">\n${notices.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}\n</ul>\n`
}

function errorHtml(message: string): string {
  return `<p class="quarry-error" role="alert">${escapeHtml(message)}</p>\n`
}

/** The target window an embed's Connect form opens consent in (view-script.ts opens it as a popup). */
export const CONNECT_WINDOW = 'quarry-connect'

function connectPrompt(prompt: ViewConnectPrompt): string {
  const target = prompt.popup ? ` target="${CONNECT_WINDOW}" data-connect-popup` : ''
  return (
    '<section class="quarry-connect" aria-labelledby="quarry-connect-message">\n' +
    `<p id="quarry-connect-message">${escapeHtml(prompt.message)}</p>\n` +
    `<form method="post" action="${url(prompt.action)}"${target}>` +
    `<input type="hidden" name="${escapeHtml(prompt.csrf.name)}" value="${escapeHtml(prompt.csrf.token)}">` +
    '<button type="submit">Connect</button></form>\n' +
    (prompt.popup
      ? '<p class="quarry-meta">Consent opens in a new window; this view reloads when it is done.</p>\n'
      : '') +
    '</section>\n'
  )
}

function freshness(input: ViewPageInput): string {
  if (input.fetchedAt === undefined) return ''
  const iso = input.fetchedAt.toISOString()
  const cache = input.fromCache === true ? ' · from the cache' : ''
  return (
    `<p class="quarry-meta">Updated <time datetime="${escapeHtml(iso)}" title="${escapeHtml(iso)}">` +
    `${escapeHtml(updatedAgo(input.fetchedAt, input.now))}</time>${cache}</p>`
  )
}

function actions(input: ViewPageInput): string {
  const csrf =
    input.csrf === undefined
      ? ''
      : `<input type="hidden" name="${escapeHtml(input.csrf.name)}" value="${escapeHtml(input.csrf.token)}">`
  return (
    '<nav class="quarry-actions" aria-label="View actions">' +
    `<form method="post" action="${url(input.urls.refresh)}">${csrf}<button type="submit">Refresh</button></form>` +
    input.urls.downloads
      .map((download) => `<a href="${url(download.href)}" download>${escapeHtml(download.label)}</a>`)
      .join('') +
    '</nav>'
  )
}

/**
 * The view page: a complete HTML document. Template errors (a Liquid syntax error, a chart column
 * that is not in the result, a limit hit) are shown on the page like a failed query; other errors
 * are thrown.
 *
 * @example
 * const html = await renderViewPage({
 *   query: 'open-issues', params: query.params, values: { project: 'QA' }, rows, fetchedAt, fromCache,
 *   notices, template: query.template, now: new Date(), nonce, embed: false,
 *   urls: { self: '/v/open-issues', refresh: '/v/open-issues/refresh?project=QA', downloads: [{ label: 'CSV', href: '…' }] },
 *   assets: { script: '/assets/view.js', stylesheet: '/assets/view.css' },
 * })
 */
export async function renderViewPage(input: ViewPageInput): Promise<string> {
  const title = input.title ?? input.query
  const columns = input.columns ?? columnsOf(input.rows)
  const hasRows = input.rows.length > 0
  const shown: Content =
    input.error === undefined && hasRows ? await content(input, columns) : { html: '', notices: [] }
  const error = input.error ?? shown.error
  const notices = [...(input.notices ?? []), ...shown.notices]

  const parts: string[] = [...documentStart(input, title)]
  if (!input.embed) {
    parts.push(
      `<header class="quarry-header">\n<div><h1>${escapeHtml(title)}</h1>${freshness(input)}</div>\n${actions(input)}\n</header>`,
      paramForm(input),
      snapshotList(input),
    )
  }
  if (input.showing !== undefined)
    parts.push(`<p class="quarry-snapshot" role="status">${escapeHtml(input.showing)}</p>\n`)
  parts.push(noticesHtml(notices))
  if (input.connect !== undefined) parts.push(connectPrompt(input.connect))
  else if (error !== undefined) parts.push(errorHtml(error))
  else if (!hasRows) parts.push(`<p class="quarry-empty">${escapeHtml(emptyMessage(input))}</p>\n`)
  else parts.push(shown.html)
  parts.push('</main>', '</body>', '</html>', '')
  return parts.filter((part) => part !== '').join('\n')
}

/** What a view's error page shows: the failure, where the view would have been. */
export type ErrorPageInput = Pick<ViewPageInput, 'query' | 'nonce' | 'embed' | 'assets'> & {
  /** What failed, as its reader may see it (the server's words, its code included). */
  readonly message: string
}

/**
 * The page a view answers with when it cannot show its query at all (no such query, a failure before
 * the query ran): the view's own document, its heading and the message, nothing to press.
 *
 * @example renderErrorPage({ query: 'open-issues', message: 'No query named … (QUARRY_QUERY_NOT_FOUND)', nonce, embed: false, assets })
 */
export function renderErrorPage(input: ErrorPageInput): string {
  const parts = [...documentStart(input, input.query)]
  if (!input.embed)
    parts.push(`<header class="quarry-header">\n<div><h1>${escapeHtml(input.query)}</h1></div>\n</header>`)
  parts.push(errorHtml(input.message), '</main>', '</body>', '</html>', '')
  return parts.join('\n')
}

/** What the page shown after a person connected their own account from a view shows (issue 15). */
export type ConnectedPageInput = Pick<ViewPageInput, 'query' | 'nonce' | 'assets'> & {
  /** The view the person connected from. */
  readonly view: string
}

/**
 * The page consent ends on when it was started from an embedded view: it tells the frame that opened
 * it to reload (view-script.ts) and closes itself; if it cannot, it links to the view.
 *
 * @example renderConnectedPage({ query: 'my-issues', view: '/v/my-issues', nonce, assets })
 */
export function renderConnectedPage(input: ConnectedPageInput): string {
  const parts = [...documentStart({ ...input, embed: false }, input.query)]
  parts.push(
    `<header class="quarry-header">\n<div><h1>Connected</h1></div>\n</header>`,
    '<p class="quarry-connected" role="status" data-connected>Your account is connected. This window closes by itself; ' +
      `the view you came from reloads. <a href="${url(input.view)}">Open the view here</a>.</p>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  )
  return parts.join('\n')
}

/** A view document up to its content: head (stylesheet and script under the nonce), body, main. */
function documentStart(
  input: Pick<ViewPageInput, 'query' | 'nonce' | 'embed' | 'assets'>,
  title: string,
): string[] {
  const nonce = escapeHtml(checkNonce(input.nonce))
  return [
    '<!doctype html>',
    `<html lang="en"${input.embed ? ' data-embed' : ''}>`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="same-origin">',
    `<title>${escapeHtml(title)} · Quarry</title>`,
    `<link rel="stylesheet" href="${url(input.assets.stylesheet)}" nonce="${nonce}">`,
    `<script src="${url(input.assets.script)}" nonce="${nonce}" defer></script>`,
    '</head>',
    '<body>',
    `<main class="quarry-page" data-query="${escapeHtml(input.query)}">`,
  ]
}

/**
 * The HTML someone pastes into another site to embed a view (with embedScript served at
 * `origin`/embed.js).
 *
 * @example
 * embedSnippet('https://quarry.example.com', 'open-issues', { project: 'QA' })
 * // '<div data-quarry-view="open-issues" data-params="project=QA"></div>\n<script src="https://quarry.example.com/embed.js" async></script>'
 */
export function embedSnippet(
  origin: string,
  query: string,
  params: Readonly<Record<string, string>> = {},
): string {
  const search = new URLSearchParams(Object.entries(params)).toString()
  return (
    `<div data-quarry-view="${escapeHtml(query)}"${search === '' ? '' : ` data-params="${escapeHtml(search)}"`}></div>\n` +
    `<script src="${escapeHtml(quarryOrigin(origin))}/embed.js" async></script>`
  )
}

// A CSP source expression for frame-ancestors: a scheme-qualified host (wildcard subdomain and port
// allowed), nothing that could end the directive or add another.
const ANCESTOR = /^https?:\/\/(?:\*\.)?[A-Za-z0-9.-]+(?::\d{1,5})?$/

/**
 * The Content-Security-Policy header value of a view page. No inline script or style at all (the
 * nonce only vouches for the page's own `<script src>` and `<link>`), no plugins, no other origins;
 * framed by this origin and the configured ones (embeds), nobody else.
 *
 * @example
 * contentSecurityPolicy({ nonce: 'abc123', frameAncestors: ['https://wiki.example.com'] })
 * // "default-src 'none'; script-src 'self' 'nonce-abc123'; style-src 'self' 'nonce-abc123'; img-src 'self' data:;
 * //  form-action 'self'; base-uri 'none'; frame-ancestors 'self' https://wiki.example.com"
 */
export function contentSecurityPolicy(options: {
  readonly nonce: string
  readonly frameAncestors: readonly string[]
  /**
   * Origins a form may go on to besides this one: a Connect prompt's form (issue 15) is answered
   * with a redirect to the OAuth provider's consent page, and browsers hold redirects of a form
   * submission to form-action too.
   */
  readonly formTargets?: readonly string[]
  /** The page frames this origin's own pages (a dashboard's panels); else it frames nothing. */
  readonly framesSelf?: boolean
}): string {
  const nonce = `'nonce-${checkNonce(options.nonce)}'`
  for (const ancestor of options.frameAncestors) {
    if (!ANCESTOR.test(ancestor)) {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        `"${ancestor}" cannot be a frame ancestor; give an origin such as https://wiki.example.com or https://*.example.com.`,
      )
    }
  }
  const formTargets = (options.formTargets ?? []).map((origin) => {
    if (!ANCESTOR.test(origin) || origin.includes('*'))
      throw new QuarryError('QUARRY_INTERNAL', `"${origin}" is not an origin a form may be sent to.`)
    return ` ${origin}`
  })
  return [
    "default-src 'none'",
    `script-src 'self' ${nonce}`,
    `style-src 'self' ${nonce}`,
    "img-src 'self' data:",
    ...(options.framesSelf === true ? ["frame-src 'self'"] : []),
    `form-action 'self'${formTargets.join('')}`,
    "base-uri 'none'",
    frameAncestorsDirective(options.frameAncestors),
  ].join('; ')
}

/** Directives made from frozen lists of origins (kept while the list lives). */
const directives = new WeakMap<readonly string[], string>()

/**
 * The frame-ancestors directive of a view page's CSP (its last directive): the server can tell
 * whether a cached page was made with the embed origins in force now.
 *
 * @example
 * frameAncestorsDirective(['https://wiki.example.com']) // "frame-ancestors 'self' https://wiki.example.com"
 */
export function frameAncestorsDirective(frameAncestors: readonly string[]): string {
  let directive = directives.get(frameAncestors)
  if (directive === undefined) {
    directive = `frame-ancestors ${["'self'", ...new Set(frameAncestors)].join(' ')}`
    // Only a frozen list can be kept by identity (embed-origins.ts hands the same one out on every view).
    if (Object.isFrozen(frameAncestors)) directives.set(frameAncestors, directive)
  }
  return directive
}
