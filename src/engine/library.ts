import { QuarryError } from '../domain/errors.js'
import { TemplateSchema, type Template } from '../domain/query.js'
import type { TemplateLookup } from '../render/velocity-template.js'
import type { Store } from '../store/index.js'

/**
 * The converter and template libraries as the engine reads them (issue 13): a named converter's
 * source, a named template parsed. The store keeps a template as JSON text it does not look inside.
 */

/**
 * The source of the named converter.
 *
 * @example await converterOf(store, 'issue-rows') // 'function convert(json) { … }'
 */
export async function converterOf(store: Store, name: string): Promise<string> {
  const stored = await store.converters.get(name)
  if (stored === undefined) throw missing('converter', name)
  return stored.content
}

/**
 * The named template, parsed.
 *
 * @example (await templateOf(store, 'bug-table')).type // 'liquid'
 */
export async function templateOf(store: Store, name: string): Promise<Template> {
  const stored = await store.templates.get(name)
  if (stored === undefined) throw missing('template', name)
  return templateFromContent(stored.content, name)
}

/**
 * The named templates a Velocity template may insert (`$PQ.templateByName`, as in PocketQuery):
 * the template library's Velocity sources. Another kind cannot be inserted into Velocity's output.
 *
 * @example await velocityLibrary(store)('footer') // '<p>$result.size() rows</p>'
 */
export function velocityLibrary(store: Store): TemplateLookup {
  return async (name) => {
    const stored = await store.templates.get(name)
    if (stored === undefined) return undefined
    const template = templateFromContent(stored.content, name)
    if (template.type === 'velocity') return template.source
    throw new QuarryError(
      'QUARRY_VELOCITY_UNSUPPORTED',
      `The template "${name}" is a ${template.type} template: $PQ.templateByName inserts Velocity templates only.`,
    )
  }
}

/**
 * A template's stored JSON text, parsed; QUARRY_CONFIG_INVALID when it is not a template (someone
 * wrote the store by hand).
 *
 * @example templateFromContent('{"type":"table"}', 'plain') // { type: 'table' }
 */
export function templateFromContent(content: string, name: string): Template {
  let json: unknown
  try {
    json = JSON.parse(content)
  } catch {
    json = undefined
  }
  const parsed = TemplateSchema.safeParse(json)
  if (parsed.success) return parsed.data
  throw new QuarryError(
    'QUARRY_CONFIG_INVALID',
    `The stored template "${name}" is not a template Quarry reads. Save it again: quarry template edit ${name} --file FILE`,
  )
}

// The foreign keys keep a query's names true; this is for a name removed between two reads.
function missing(kind: 'converter' | 'template', name: string): QuarryError {
  return new QuarryError(
    kind === 'converter' ? 'QUARRY_CONVERTER_NOT_FOUND' : 'QUARRY_TEMPLATE_NOT_FOUND',
    `No ${kind} named "${name}". List them with: quarry ${kind} list`,
  )
}
