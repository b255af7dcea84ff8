/**
 * Reading rendered HTML as a browser would (parse5, the HTML standard's parser): its text, and its
 * tables as rows of cell texts, so tests compare what a reader sees rather than markup bytes.
 */
import { parse, parseFragment } from 'parse5'
import type { DefaultTreeAdapterMap } from 'parse5'

type Node = DefaultTreeAdapterMap['node']
type Element = DefaultTreeAdapterMap['element']

/** Elements whose text a reader sees apart from their neighbours' (a table cell, a paragraph …). */
const APART = new Set(['p', 'div', 'td', 'th', 'tr', 'li', 'br', 'h1', 'h2', 'h3', 'table', 'ul', 'section'])

function isElement(node: Node): node is Element {
  return 'tagName' in node
}

function children(node: Node): Node[] {
  if ('content' in node && node.tagName === 'template') return node.content.childNodes
  return 'childNodes' in node ? node.childNodes : []
}

function rawText(node: Node): string {
  if (node.nodeName === '#text' && 'value' in node) return node.value
  if (isElement(node) && (node.tagName === 'script' || node.tagName === 'style')) return ''
  const inner = children(node).map(rawText).join('')
  return isElement(node) && APART.has(node.tagName) ? ` ${inner} ` : inner
}

/** The text of an HTML fragment, whitespace collapsed, cells and paragraphs apart. */
export function htmlText(html: string): string {
  return rawText(parseFragment(html)).replace(/\s+/g, ' ').trim()
}

function elements(node: Node, tag: string, found: Element[] = []): Element[] {
  if (isElement(node) && node.tagName === tag) found.push(node)
  for (const child of children(node)) elements(child, tag, found)
  return found
}

/** Every `<table>` in the HTML, as its rows (header row included) of cell texts. */
export function htmlTables(html: string): string[][][] {
  const document = parse(`<!doctype html><body>${html}</body>`)
  return elements(document, 'table').map((table) =>
    elements(table, 'tr').map((row) =>
      children(row)
        .filter(
          (cell): cell is Element => isElement(cell) && (cell.tagName === 'td' || cell.tagName === 'th'),
        )
        .map((cell) => rawText(cell).replace(/\s+/g, ' ').trim()),
    ),
  )
}

/** Whether the HTML holds an element of that tag (e.g. a `script` that survived). */
export function hasElement(html: string, tag: string): boolean {
  return elements(parse(`<!doctype html><body>${html}</body>`), tag).length > 0
}
