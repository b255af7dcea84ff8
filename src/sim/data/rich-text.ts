/**
 * ADF rendered three ways, as Jira serves rich text: plain text (for search and
 * simple views), wiki markup (API v2 `description` and comment `body`) and HTML
 * (`expand=renderedFields`). The input may come from outside the simulator, so
 * every renderer tolerates unknown node types and missing fields, and the HTML
 * one escapes all text and lets through only http, https and mailto links.
 */
import type { AdfDoc, AdfMark, AdfNode } from './model.js'

/** Node types that sit inside a paragraph; anything else is a block. */
const INLINE_TYPES = new Set([
  'text',
  'hardBreak',
  'mention',
  'emoji',
  'inlineCard',
  'date',
  'status',
  'mediaInline',
])

/** Marks apply innermost first, whatever order the document lists them in. */
const MARK_ORDER: Readonly<Record<string, number>> = { code: 0, em: 1, strong: 2, link: 3 }

const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:'])

export interface HtmlOptions {
  /** Site URL (e.g. `https://acme.atlassian.net`); when given, mentions link to the user's profile. */
  readonly siteUrl?: string
}

/**
 * Plain text: blocks separated by a blank line, list items one per line
 * (`- ` or `1. `, nested items indented), mentions as `@Name`.
 *
 * @example adfToPlainText(doc(paragraph([text('Hello '), text('world', [{ type: 'strong' }])]))) // 'Hello world'
 */
export function adfToPlainText(doc: AdfDoc): string {
  return blocksOf(doc)
    .map((node) => plainBlock(node, ''))
    .filter((s) => s !== '')
    .join('\n\n')
}

/**
 * Jira wiki markup, as API v2 returns rich text: `*bold*`, `_italic_`,
 * `{{code}}`, `[text|url]`, `h2. Heading`, `* item`, `# item`, `{code}…{code}`,
 * `[~accountid:…]`. Characters that would start markup are backslash-escaped.
 *
 * @example adfToWiki(doc(heading(2, 'Steps'))) // 'h2. Steps'
 */
export function adfToWiki(doc: AdfDoc): string {
  return blocksOf(doc)
    .map((node) => wikiBlock(node, ''))
    .filter((s) => s !== '')
    .join('\n\n')
}

/**
 * HTML as `expand=renderedFields` returns it. All text and attribute values are
 * escaped; links with a scheme other than http, https or mailto lose their
 * anchor and keep only their text.
 *
 * @example adfToHtml(doc(paragraph([text('a < b')]))) // '<p>a &lt; b</p>'
 */
export function adfToHtml(doc: AdfDoc, options: HtmlOptions = {}): string {
  return blocksOf(doc)
    .map((node) => htmlBlock(node, options))
    .join('\n')
}

/**
 * Escapes the five HTML-significant characters.
 *
 * @example escapeHtml(`<a href="x">'&'</a>`) // '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;'
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/**
 * The link target if it is an absolute http, https or mailto URL, else null.
 *
 * @example safeHref('javascript:alert(1)') // null
 */
export function safeHref(href: unknown): string | null {
  if (typeof href !== 'string') return null
  const trimmed = href.trim()
  // URL.parse drops tabs and newlines inside the scheme, as browsers do, so
  // `java\tscript:` is judged by what a browser would actually run.
  const url = URL.parse(trimmed)
  return url !== null && SAFE_SCHEMES.has(url.protocol) ? trimmed : null
}

// ---- shared helpers ----

function blocksOf(node: { readonly content?: readonly AdfNode[] } | null | undefined): readonly AdfNode[] {
  return Array.isArray(node?.content) ? node.content : []
}

function isInline(node: AdfNode): boolean {
  return INLINE_TYPES.has(node.type)
}

function attr(node: AdfNode, name: string): string | undefined {
  const value = node.attrs?.[name]
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
}

function textOf(node: AdfNode): string {
  return typeof node.text === 'string' ? node.text : ''
}

/** What an inline node we do not model (emoji, date, card…) shows as text. */
function fallbackText(node: AdfNode): string {
  return attr(node, 'text') ?? attr(node, 'shortName') ?? attr(node, 'url') ?? ''
}

function sortedMarks(node: AdfNode): AdfMark[] {
  const marks = Array.isArray(node.marks) ? node.marks : []
  return marks
    .filter((m) => MARK_ORDER[m.type] !== undefined)
    .sort((a, b) => (MARK_ORDER[a.type] ?? 0) - (MARK_ORDER[b.type] ?? 0))
}

function headingLevel(node: AdfNode): number {
  const level = Number(node.attrs?.level)
  return Number.isInteger(level) && level >= 1 && level <= 6 ? level : 1
}

function listStart(node: AdfNode): number {
  const order = Number(node.attrs?.order)
  return Number.isInteger(order) && order >= 0 ? order : 1
}

function codeLanguage(node: AdfNode): string {
  return (attr(node, 'language') ?? '').toLowerCase().replace(/[^a-z0-9_+#-]/g, '')
}

/** Text inside a code block: its text children, verbatim. */
function codeText(node: AdfNode): string {
  return blocksOf(node).map(textOf).join('')
}

// ---- plain text ----

function plainBlock(node: AdfNode, indent: string): string {
  switch (node.type) {
    case 'paragraph':
    case 'heading':
      return plainInline(blocksOf(node))
    case 'codeBlock':
      return codeText(node)
    case 'bulletList':
    case 'orderedList':
      return plainList(node, indent)
    case 'listItem':
      return plainItem(node, indent)
  }
  if (isInline(node)) return plainInline([node])
  return blocksOf(node)
    .map((child) => plainBlock(child, indent))
    .filter((s) => s !== '')
    .join('\n')
}

function plainList(list: AdfNode, indent: string): string {
  const start = listStart(list)
  return blocksOf(list)
    .map((item, i) => {
      const marker = list.type === 'orderedList' ? `${start + i}. ` : '- '
      return indent + marker + plainItem(item, indent + '  ')
    })
    .join('\n')
}

function plainItem(item: AdfNode, indent: string): string {
  const lines: string[] = []
  for (const child of blocksOf(item)) {
    if (child.type === 'bulletList' || child.type === 'orderedList') lines.push(plainList(child, indent))
    else lines.push(plainBlock(child, indent))
  }
  return lines.filter((s) => s !== '').join('\n')
}

function plainInline(nodes: readonly AdfNode[]): string {
  let out = ''
  for (const node of nodes) {
    if (node.type === 'text') out += textOf(node)
    else if (node.type === 'hardBreak') out += '\n'
    else if (node.type === 'mention') out += attr(node, 'text') ?? ''
    else out += fallbackText(node) || plainInline(blocksOf(node))
  }
  return out
}

// ---- wiki markup ----

/** Characters that open wiki markup; a backslash makes them literal. */
const WIKI_SPECIAL = /[\\*_{}[\]|^~+]/g

function wikiBlock(node: AdfNode, prefix: string): string {
  switch (node.type) {
    case 'paragraph':
      return wikiInline(blocksOf(node))
    case 'heading':
      return `h${headingLevel(node)}. ${wikiInline(blocksOf(node))}`
    case 'codeBlock': {
      const language = codeLanguage(node)
      return `{code${language ? `:${language}` : ''}}\n${codeText(node)}\n{code}`
    }
    case 'bulletList':
    case 'orderedList':
      return wikiList(node, prefix)
    case 'listItem':
      return wikiItem(node, prefix || '*')
  }
  if (isInline(node)) return wikiInline([node])
  return blocksOf(node)
    .map((child) => wikiBlock(child, prefix))
    .filter((s) => s !== '')
    .join('\n\n')
}

function wikiList(list: AdfNode, prefix: string): string {
  const marker = prefix + (list.type === 'orderedList' ? '#' : '*')
  return blocksOf(list)
    .map((item) => wikiItem(item, marker))
    .join('\n')
}

/** One item: its paragraphs on the marker's line (joined by `\\`), nested lists below. */
function wikiItem(item: AdfNode, marker: string): string {
  const line: string[] = []
  const below: string[] = []
  for (const child of blocksOf(item)) {
    if (child.type === 'bulletList' || child.type === 'orderedList') below.push(wikiList(child, marker))
    else if (child.type === 'codeBlock') below.push(wikiBlock(child, marker))
    else line.push(wikiBlock(child, marker))
  }
  return [`${marker} ${line.join('\\\\')}`, ...below].join('\n')
}

function wikiInline(nodes: readonly AdfNode[]): string {
  let out = ''
  for (const node of nodes) {
    if (node.type === 'text') out += wikiText(node)
    else if (node.type === 'hardBreak') out += '\n'
    else if (node.type === 'mention') out += `[~accountid:${attr(node, 'id') ?? ''}]`
    else out += (fallbackText(node) || wikiInline(blocksOf(node))).replace(WIKI_SPECIAL, '\\$&')
  }
  return out
}

function wikiText(node: AdfNode): string {
  let out = textOf(node).replace(WIKI_SPECIAL, '\\$&')
  for (const mark of sortedMarks(node)) {
    if (mark.type === 'code') {
      out = wrapInside(out, '{{', '}}')
    } else if (mark.type === 'em') {
      out = wrapInside(out, '_', '_')
    } else if (mark.type === 'strong') {
      out = wrapInside(out, '*', '*')
    } else {
      const href = safeHref(mark.attrs?.href)
      if (href === null) continue
      // `[`, `]`, `|` and whitespace would end the link early.
      const target = href.replace(
        /[[\]|\s]/g,
        (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'),
      )
      out = out === '' || out === href ? `[${target}]` : `[${out}|${target}]`
    }
  }
  return out
}

/** Wiki emphasis must hug non-space text: `*bold* ` works, `*bold *` does not. */
function wrapInside(value: string, open: string, close: string): string {
  const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(value)
  const inner = match?.[2] ?? ''
  if (inner === '') return value
  return `${match?.[1] ?? ''}${open}${inner}${close}${match?.[3] ?? ''}`
}

// ---- HTML ----

function htmlBlock(node: AdfNode, options: HtmlOptions): string {
  switch (node.type) {
    case 'paragraph':
      return `<p>${htmlInline(blocksOf(node), options)}</p>`
    case 'heading': {
      const level = headingLevel(node)
      return `<h${level}>${htmlInline(blocksOf(node), options)}</h${level}>`
    }
    case 'codeBlock': {
      const language = codeLanguage(node)
      const pre = language ? `<pre class="code-${language}">` : '<pre>'
      return (
        '<div class="code panel" style="border-width: 1px;"><div class="codeContent panelContent">\n' +
        `${pre}${escapeHtml(codeText(node))}</pre>\n</div></div>`
      )
    }
    case 'bulletList':
      return `<ul>\n${htmlItems(node, options)}\n</ul>`
    case 'orderedList': {
      const start = listStart(node)
      return `<ol${start === 1 ? '' : ` start="${start}"`}>\n${htmlItems(node, options)}\n</ol>`
    }
    case 'listItem':
      return htmlItem(node, options)
  }
  if (isInline(node)) return htmlInline([node], options)
  return blocksOf(node)
    .map((child) => htmlBlock(child, options))
    .join('\n')
}

function htmlItems(list: AdfNode, options: HtmlOptions): string {
  return blocksOf(list)
    .map((item) => htmlItem(item, options))
    .join('\n')
}

/** `<li>text</li>`: a leading paragraph is unwrapped, as Jira renders list items. */
function htmlItem(item: AdfNode, options: HtmlOptions): string {
  const parts = blocksOf(item).map((child, i) =>
    i === 0 && child.type === 'paragraph' ? htmlInline(blocksOf(child), options) : htmlBlock(child, options),
  )
  return `<li>${parts.join('\n')}</li>`
}

function htmlInline(nodes: readonly AdfNode[], options: HtmlOptions): string {
  let out = ''
  for (const node of nodes) {
    if (node.type === 'text') out += htmlText(node)
    else if (node.type === 'hardBreak') out += '<br/>'
    else if (node.type === 'mention') out += htmlMention(node, options)
    else out += escapeHtml(fallbackText(node)) || htmlInline(blocksOf(node), options)
  }
  return out
}

function htmlText(node: AdfNode): string {
  let out = escapeHtml(textOf(node))
  for (const mark of sortedMarks(node)) {
    if (mark.type === 'code') {
      out = `<tt>${out}</tt>`
    } else if (mark.type === 'em') {
      out = `<em>${out}</em>`
    } else if (mark.type === 'strong') {
      out = `<b>${out}</b>`
    } else {
      const href = safeHref(mark.attrs?.href)
      if (href !== null)
        out = `<a href="${escapeHtml(href)}" class="external-link" rel="nofollow noreferrer">${out}</a>`
    }
  }
  return out
}

function htmlMention(node: AdfNode, options: HtmlOptions): string {
  const id = attr(node, 'id') ?? ''
  // Jira shows the name without the `@` the editor stores.
  const name = escapeHtml((attr(node, 'text') ?? '').replace(/^@/, ''))
  const site = safeHref(options.siteUrl)
  const href =
    site === null
      ? ''
      : ` href="${escapeHtml(`${site.replace(/\/+$/, '')}/secure/ViewProfile.jspa?accountId=${encodeURIComponent(id)}`)}"`
  return `<a${href} class="user-hover" data-account-id="${escapeHtml(id)}" rel="nofollow">${name}</a>`
}
