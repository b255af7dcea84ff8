/**
 * The generator's templates, compiled once and filled many times. A template
 * has `{slot}` placeholders; a line template also has a tiny inline markup:
 * `code`, *strong*, _em_, [text](href) and `@@` (a mention). Parsing happens on
 * first use and is cached, so filling costs string concatenation only — this is
 * what keeps `searchText` over 100,000 issues fast.
 */
import { text } from './adf-build.js'
import type { AdfMark, AdfNode } from './model.js'

/** Literal text, or the name of a slot to fill. */
type Part = string | { readonly slot: string }

interface Segment {
  readonly kind: 'text' | 'code' | 'strong' | 'em' | 'link' | 'mention'
  readonly parts: readonly Part[]
  /** Link target (kind `link` only). */
  readonly href?: readonly Part[]
}

/** Returns a slot's value, or undefined to leave `{name}` as written. */
export type SlotResolver = (name: string) => string | undefined

const SLOT = /\{(\w+)\}/g
// One alternative per markup form; the order of the groups is read in `compileLine`.
const MARKUP = /`([^`]+)`|\*([^*]+)\*|_([^_]+)_|\[([^\]]+)\]\(([^)\s]+)\)|@@/g
const CODE: readonly AdfMark[] = [{ type: 'code' }]
const STRONG: readonly AdfMark[] = [{ type: 'strong' }]
const EM: readonly AdfMark[] = [{ type: 'em' }]

const plainCache = new Map<string, readonly Part[]>()
const lineCache = new Map<string, readonly Segment[]>()

/**
 * Fills the slots of a template; markup characters are kept as they are.
 *
 * @example fillText('Upgrade {upgrade}', (n) => (n === 'upgrade' ? 'Node.js to 24' : undefined)) // 'Upgrade Node.js to 24'
 */
export function fillText(template: string, resolve: SlotResolver): string {
  let parts = plainCache.get(template)
  if (parts === undefined) {
    parts = compileSlots(template)
    plainCache.set(template, parts)
  }
  return fillParts(parts, resolve)
}

/**
 * Turns a line template into inline ADF nodes. Slots are filled after the
 * markup is parsed, so a slot value is never mistaken for markup.
 *
 * @example fillLine('Click *Save*', () => undefined, null) // [text('Click '), text('Save', [strong])]
 */
export function fillLine(template: string, resolve: SlotResolver, who: AdfNode | null): AdfNode[] {
  let segments = lineCache.get(template)
  if (segments === undefined) {
    segments = compileLine(template)
    lineCache.set(template, segments)
  }
  const out: AdfNode[] = []
  for (const segment of segments) {
    if (segment.kind === 'mention') {
      out.push(who ?? text('the team'))
      continue
    }
    const value = fillParts(segment.parts, resolve)
    if (segment.kind === 'text') out.push(text(value))
    else if (segment.kind === 'code') out.push(text(value, CODE))
    else if (segment.kind === 'strong') out.push(text(value, STRONG))
    else if (segment.kind === 'em') out.push(text(value, EM))
    else out.push(text(value, [{ type: 'link', attrs: { href: fillParts(segment.href ?? [], resolve) } }]))
  }
  return out
}

function fillParts(parts: readonly Part[], resolve: SlotResolver): string {
  let out = ''
  for (const part of parts) out += typeof part === 'string' ? part : (resolve(part.slot) ?? `{${part.slot}}`)
  return out
}

function compileSlots(template: string): Part[] {
  const parts: Part[] = []
  let last = 0
  for (const m of template.matchAll(SLOT)) {
    if (m.index > last) parts.push(template.slice(last, m.index))
    parts.push({ slot: m[1] as string })
    last = m.index + m[0].length
  }
  if (last < template.length) parts.push(template.slice(last))
  return parts
}

function compileLine(template: string): Segment[] {
  const segments: Segment[] = []
  let last = 0
  for (const m of template.matchAll(MARKUP)) {
    if (m.index > last) segments.push({ kind: 'text', parts: compileSlots(template.slice(last, m.index)) })
    last = m.index + m[0].length
    if (m[1] !== undefined) segments.push({ kind: 'code', parts: compileSlots(m[1]) })
    else if (m[2] !== undefined) segments.push({ kind: 'strong', parts: compileSlots(m[2]) })
    else if (m[3] !== undefined) segments.push({ kind: 'em', parts: compileSlots(m[3]) })
    else if (m[4] !== undefined && m[5] !== undefined)
      segments.push({ kind: 'link', parts: compileSlots(m[4]), href: compileSlots(m[5]) })
    else segments.push({ kind: 'mention', parts: [] })
  }
  if (last < template.length) segments.push({ kind: 'text', parts: compileSlots(template.slice(last)) })
  return segments
}
