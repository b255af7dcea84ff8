/** Small constructors for ADF documents, used by the text generator. */
import type { AdfDoc, AdfMark, AdfNode, SimUser } from './model.js'

/**
 * Wraps block nodes into a document.
 *
 * @example doc(paragraph([text('Hello')]))
 */
export function doc(...content: AdfNode[]): AdfDoc {
  return { version: 1, type: 'doc', content }
}

/** @example text('Save', [{ type: 'strong' }]) */
export function text(value: string, marks?: readonly AdfMark[]): AdfNode {
  return marks && marks.length > 0 ? { type: 'text', text: value, marks } : { type: 'text', text: value }
}

/** @example paragraph([text('Done.')]) */
export function paragraph(content: readonly AdfNode[]): AdfNode {
  return { type: 'paragraph', content }
}

/** @example heading(3, 'Steps to reproduce') */
export function heading(level: number, value: string): AdfNode {
  return { type: 'heading', attrs: { level }, content: [text(value)] }
}

/** A list whose items each hold one paragraph. @example bulletList([[text('one')], [text('two')]]) */
export function bulletList(items: readonly (readonly AdfNode[])[]): AdfNode {
  return { type: 'bulletList', content: items.map(listItem) }
}

/** @example orderedList([[text('Open the page')], [text('Click Save')]]) */
export function orderedList(items: readonly (readonly AdfNode[])[]): AdfNode {
  return { type: 'orderedList', attrs: { order: 1 }, content: items.map(listItem) }
}

function listItem(inline: readonly AdfNode[]): AdfNode {
  return { type: 'listItem', content: [paragraph(inline)] }
}

/** @example codeBlock('json', '{"ok": true}') */
export function codeBlock(language: string | null, value: string): AdfNode {
  const content = [text(value)]
  return language ? { type: 'codeBlock', attrs: { language }, content } : { type: 'codeBlock', content }
}

/** A mention of a user, as Jira's editor writes it. @example mention(alice) */
export function mention(user: SimUser): AdfNode {
  return { type: 'mention', attrs: { id: user.accountId, text: `@${user.displayName}`, accessLevel: '' } }
}
