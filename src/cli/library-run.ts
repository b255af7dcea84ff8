import { QuarryError } from '../domain/errors.js'
import { describeIssues } from '../domain/field-issues.js'
import { NamedConverterSchema, NamedTemplateSchema } from '../domain/library.js'
import type { Template } from '../domain/query.js'
import { templateFromContent } from '../engine/index.js'
import { libraryNotFound, type LibraryRepo, type Store, type StoredLibraryItem } from '../store/index.js'
import { withStore, type StoreFlags } from './context.js'
import { readFlagFile } from './flags.js'

type Kind = LibraryRepo['kind']

/** The flags of `converter add|edit` and `template add|edit`. */
export interface LibraryFlags {
  readonly file?: string
  readonly description?: string
  readonly kind?: string
  readonly rename?: string
}

const repoOf = (store: Store, kind: Kind): LibraryRepo =>
  kind === 'converter' ? store.converters : store.templates

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `--file: ${what} must be JSON: ${(error as Error).message}`,
    )
  }
}

/**
 * A template from `--kind` and `--file`: the text of a liquid or velocity template, the JSON of a
 * chart's fields or of a Vega-Lite spec, nothing for a table; without a kind, a whole template as JSON.
 * Checked by the schema afterwards.
 *
 * @example templateFromFlags('liquid', '<b>{{ rows.size }}</b>') // { type: 'liquid', source: '<b>{{ rows.size }}</b>' }
 */
export function templateFromFlags(kind: string | undefined, text: string | undefined): unknown {
  if (kind === undefined) {
    if (text === undefined) throw new QuarryError('QUARRY_CONFIG_INVALID', 'Give --kind, --file, or both.')
    return parseJson(text, 'a template without --kind')
  }
  switch (kind) {
    case 'table':
      return { type: 'table' }
    case 'liquid':
    case 'velocity':
      return { type: kind, source: text ?? '' }
    case 'chart':
      return { ...(parseJson(text ?? '{}', 'a chart') as object), type: 'chart' }
    case 'vega-lite':
      return { type: 'vega-lite', spec: parseJson(text ?? '{}', 'a Vega-Lite spec') }
    default:
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        `--kind must be table, liquid, velocity, chart or vega-lite; got "${kind}"`,
      )
  }
}

/** The content the store keeps, checked: a converter's source, a template's JSON text. */
function contentOf(
  kind: Kind,
  name: string,
  description: string | undefined,
  given: { source?: string; template?: unknown },
): string {
  const labels = { name: 'the name', source: '--file', template: '--file', 'template.type': '--kind' }
  if (kind === 'converter') {
    const raw = { name, description, source: given.source }
    const parsed = NamedConverterSchema.safeParse(raw)
    if (!parsed.success) throw describeIssues(parsed.error, `converter "${name}"`, raw, labels)
    return parsed.data.source
  }
  const raw = { name, description, template: given.template }
  const parsed = NamedTemplateSchema.safeParse(raw)
  if (!parsed.success) throw describeIssues(parsed.error, `template "${name}"`, raw, labels)
  return JSON.stringify(parsed.data.template)
}

export async function addLibraryItem(
  kind: Kind,
  name: string,
  flags: LibraryFlags,
  global: StoreFlags,
): Promise<void> {
  const text = flags.file === undefined ? undefined : readFlagFile('--file', flags.file, { stdin: true })
  const content = contentOf(
    kind,
    name,
    flags.description,
    kind === 'converter'
      ? { ...(text === undefined ? {} : { source: text }) }
      : { template: templateFromFlags(flags.kind, text) },
  )
  await withStore(global, (store) =>
    repoOf(store, kind).create({ name, description: flags.description || null, content }),
  )
  console.log(`Added ${kind} "${name}". Use it: quarry query edit QUERY --${kind}-name ${name}`)
}

export async function editLibraryItem(
  kind: Kind,
  name: string,
  flags: LibraryFlags,
  global: StoreFlags,
): Promise<void> {
  const text = flags.file === undefined ? undefined : readFlagFile('--file', flags.file, { stdin: true })
  const saved = await withStore(global, async (store) => {
    const repo = repoOf(store, kind)
    const current = await repo.get(name)
    if (current === undefined) throw libraryNotFound(kind, name)
    const newName = flags.rename ?? name
    const description =
      flags.description === undefined ? (current.description ?? undefined) : flags.description
    let content = current.content
    if (kind === 'converter' && text !== undefined) content = text
    if (kind === 'template' && (text !== undefined || flags.kind !== undefined)) {
      const was = templateFromContent(current.content, name)
      content = JSON.stringify(templateFromFlags(flags.kind ?? was.type, text ?? textOf(was)))
    }
    const checked = contentOf(
      kind,
      newName,
      description,
      kind === 'converter' ? { source: content } : { template: JSON.parse(content) },
    )
    return repo.update(name, {
      ...(flags.rename === undefined ? {} : { name: flags.rename }),
      ...(flags.description === undefined ? {} : { description: flags.description || null }),
      content: checked,
    })
  })
  console.log(`Updated ${kind} "${saved.name}"${usedByText(saved)}.`)
}

/** What `--kind` alone keeps of a template: its text (liquid, velocity) or its JSON (chart, vega-lite). */
function textOf(template: Template): string | undefined {
  if (template.type === 'liquid' || template.type === 'velocity') return template.source
  if (template.type === 'vega-lite') return JSON.stringify(template.spec)
  if (template.type === 'chart') {
    const { type: _type, ...fields } = template
    return JSON.stringify(fields)
  }
  return undefined
}

function usedByText(item: StoredLibraryItem): string {
  if (item.usedBy.length === 0) return ''
  const count = item.usedBy.length === 1 ? '1 query' : `${item.usedBy.length} queries`
  return `; it changes for the ${count} that use it: ${item.usedBy.join(', ')}`
}

export async function listLibrary(kind: Kind, global: StoreFlags): Promise<void> {
  await withStore(global, async (store) => {
    const all = await repoOf(store, kind).list()
    if (all.length === 0) console.log(`No ${kind}s yet. Add one: quarry ${kind} add NAME --file FILE`)
    for (const item of all) {
      const used = item.usedBy.length === 1 ? 'used by 1 query' : `used by ${item.usedBy.length} queries`
      console.log(
        [
          item.name,
          kind === 'template' ? templateFromContent(item.content, item.name).type : '',
          used,
          item.description ?? '',
        ]
          .filter(Boolean)
          .join('  ·  '),
      )
    }
  })
}

export async function showLibraryItem(kind: Kind, name: string, global: StoreFlags): Promise<void> {
  await withStore(global, async (store) => {
    const item = await repoOf(store, kind).get(name)
    if (item === undefined) throw libraryNotFound(kind, name)
    const shown = {
      name: item.name,
      description: item.description,
      ...(kind === 'converter'
        ? { source: item.content }
        : { template: templateFromContent(item.content, item.name) }),
      usedBy: item.usedBy,
      updatedAt: item.updatedAt.toISOString(),
    }
    console.log(JSON.stringify(shown, null, 2))
  })
}

export async function removeLibraryItem(kind: Kind, name: string, global: StoreFlags): Promise<void> {
  await withStore(global, (store) => repoOf(store, kind).remove(name))
  console.log(`Removed ${kind} "${name}".`)
}
