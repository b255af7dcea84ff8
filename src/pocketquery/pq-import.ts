import { splitSecrets, type Datasource } from '../domain/datasource.js'
import type { PqPlanEntry } from '../domain/pq-import-report.js'
import { NAME_PATTERN } from '../domain/name.js'
import { QuarryError } from '../domain/errors.js'
import { queryRowOf, type Query } from '../domain/query.js'
import { CLI_WORDS, type SurfaceWords } from '../domain/surface-words.js'
import type { ConnectionInput, StoredConnection, Store } from '../store/index.js'
import { mapPqDatasource } from './pq-datasource.js'
import { mapPqQuery, pqQueryName, readNamed, type PqNamed } from './pq-query.js'
import { readPqExport, type PqEntity, type PqKind } from './pq-read.js'

/**
 * `quarry import --from pocketquery FILE` and POST /api/import/pocketquery: plans the whole import
 * (every entity mapped and validated, names settled) before anything is written, then writes it in
 * one go and takes every write back if one fails — nothing is ever half-imported.
 */

export type { PqPlanEntry }

export interface PqImportPlan {
  readonly format: 'json' | 'xml'
  readonly entries: readonly PqPlanEntry[]
  /** Said about the file as a whole (top-level keys not read …). */
  readonly notices: readonly string[]
  readonly datasources: readonly {
    readonly datasource: Datasource
    readonly connection?: ConnectionInput
    readonly replace: boolean
  }[]
  /** Named converters and templates (issue 13); `content` as the store keeps it. */
  readonly converters: readonly PqLibraryWrite[]
  readonly templates: readonly PqLibraryWrite[]
  readonly queries: readonly { readonly query: Query; readonly replace: boolean }[]
}

interface PqLibraryWrite {
  readonly name: string
  readonly content: string
  readonly replace: boolean
}

/** A converter or template of the file, with the Quarry name it is imported under. */
type PqLibraryItem = PqNamed & {
  readonly quarryName: string
  readonly replace: boolean
  readonly renamed?: string
}

export interface PqImportOptions {
  /** For messages: `"export.json"`, `in the request`. */
  readonly where: string
  /** Overwrite datasources and queries of the same name instead of importing under a new name. */
  readonly replace: boolean
  readonly env?: NodeJS.ProcessEnv
  /** Whose words the messages use (default: the CLI's). */
  readonly words?: SurfaceWords
}

/**
 * Reads and checks a whole PocketQuery export against the store; throws QUARRY_CONFIG_INVALID listing
 * every bad entry when any is bad. Changes nothing.
 *
 * @example formatPqPlan(await planPqImport(store, text, { where: '"pq.json"', replace: false }))
 */
export async function planPqImport(
  store: Store,
  text: string,
  options: PqImportOptions,
): Promise<PqImportPlan> {
  const file = readPqExport(text, options.where)
  const problems: string[] = []
  const entries: PqPlanEntry[] = []
  const notices = file.ignored.map(
    (key) => `Top-level "${key}" holds nothing this importer reads: not imported.`,
  )
  const of = (kind: PqKind) => file.entities.filter((e) => e.kind === kind)

  const namer = new Namer(
    (await store.datasources.list()).map((d) => d.name),
    (await store.queries.list()).map((q) => q.name),
    (await store.converters.list()).map((c) => c.name),
    (await store.templates.list()).map((t) => t.name),
    options.replace,
    options.words ?? CLI_WORDS,
  )

  // Datasources, and how queries refer to them (by localId or by name).
  const datasources: PqImportPlan['datasources'][number][] = []
  const refs = new Map<string, { name: string; type: string } | null>()
  for (const entity of of('datasource')) {
    const source = nameOf(entity)
    const ids = [source, typeof entity.fields.localId === 'string' ? entity.fields.localId : undefined]
    const { name, renamed, replace } = namer.claim('datasource', source)
    const mapped = mapPqDatasource(entity, name, options.env)
    if (mapped.outcome === 'invalid') {
      problems.push(...mapped.problems)
      continue
    }
    if (mapped.outcome === 'refuse') {
      namer.release('datasource', name)
      for (const id of ids) if (id) refs.set(id, null)
      entries.push({
        action: 'skip',
        kind: 'datasource',
        source,
        detail: mapped.reason,
        notices: [],
      })
      continue
    }
    for (const id of ids) if (id) refs.set(id, { name, type: mapped.datasource.type })
    datasources.push({
      datasource: mapped.datasource,
      ...(mapped.connection ? { connection: mapped.connection } : {}),
      replace,
    })
    entries.push({
      action: replace ? 'replace' : 'create',
      kind: 'datasource',
      source,
      name,
      ...(renamed ? { renamed } : {}),
      detail: `${mapped.summary}${mapped.connection ? '; connection from the exported tokens' : ''}`,
      notices: mapped.notices,
    })
  }

  // Converters and templates become named ones (issue 13): one each, which every query that refers
  // to it uses by name, as in PocketQuery.
  const named = (kind: 'converter' | 'template') => {
    const byRef = new Map<string, PqLibraryItem>()
    const all: PqLibraryItem[] = []
    for (const entity of of(kind)) {
      const read = readNamed(entity, problems)
      if (!read) continue
      const { name: quarryName, renamed, replace } = namer.claim(kind, read.name)
      const item = { ...read, quarryName, replace, ...(renamed ? { renamed } : {}) }
      all.push(item)
      byRef.set(read.name, item)
      if (read.id) byRef.set(read.id, item)
    }
    return { byRef, all, usedBy: new Map<PqLibraryItem, string[]>() }
  }
  const converters = named('converter')
  const templates = named('template')

  const queries: PqImportPlan['queries'][number][] = []
  for (const entity of of('query')) {
    const source = pqQueryName(entity)
    if (!source) {
      problems.push(`query ${entity.where}: has no name.`)
      continue
    }
    const { name, renamed, replace } = namer.claim('query', source)
    const use = <T extends PqNamed>(
      table: { byRef: Map<string, T>; usedBy: Map<T, string[]> },
      ref: string,
    ) => {
      const item = table.byRef.get(ref)
      if (item) table.usedBy.set(item, [...(table.usedBy.get(item) ?? []), name])
      return item
    }
    const mapped = mapPqQuery(entity, name, {
      datasource: (ref) => refs.get(ref),
      converter: (ref) => use(converters, ref),
      template: (ref) => use(templates, ref),
    })
    if (mapped.outcome === 'invalid') {
      problems.push(...mapped.problems)
      continue
    }
    if (mapped.outcome === 'skip') {
      namer.release('query', name)
      entries.push({ action: 'skip', kind: 'query', source, detail: mapped.reason, notices: [] })
      continue
    }
    queries.push({ query: mapped.query, replace })
    entries.push({
      action: replace ? 'replace' : 'create',
      kind: 'query',
      source,
      name,
      ...(renamed ? { renamed } : {}),
      detail: `${mapped.query.sql !== undefined ? 'SQL' : `${mapped.query.method} ${mapped.query.path ?? ''}`} on datasource "${mapped.query.datasource}"`,
      notices: mapped.notices,
    })
  }
  for (const [kind, table] of [
    ['converter', converters],
    ['template', templates],
  ] as const) {
    for (const item of table.all) {
      const users = table.usedBy.get(item) ?? []
      entries.push({
        action: item.replace ? 'replace' : 'create',
        kind,
        source: item.name,
        name: item.quarryName,
        ...(item.renamed ? { renamed: item.renamed } : {}),
        detail:
          users.length > 0
            ? `a named ${kind}, used by ${users.map((u) => `"${u}"`).join(', ')}`
            : `a named ${kind}; no query in the file uses it yet`,
        notices: item.notices,
      })
    }
  }
  const library = (table: typeof converters, content: (item: PqLibraryItem) => string) =>
    table.all.map((item) => ({ name: item.quarryName, content: content(item), replace: item.replace }))

  if (problems.length > 0) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `Nothing was imported from ${options.where}:\n  ${problems.join('\n  ')}`,
    )
  }
  return {
    format: file.format,
    entries,
    notices,
    datasources,
    converters: library(converters, (item) => item.content),
    // PocketQuery's templates are Velocity.
    templates: library(templates, (item) => JSON.stringify({ type: 'velocity', source: item.content })),
    queries,
  }
}

/**
 * Writes a plan. Every write is recorded with how to take it back; when one fails, the ones before
 * it are taken back in reverse order and the failure is rethrown, so the store is as it was.
 */
export async function applyPqImport(store: Store, plan: PqImportPlan): Promise<void> {
  const undo: (() => Promise<unknown>)[] = []
  try {
    for (const { datasource, connection, replace } of plan.datasources) {
      const { config, secrets } = splitSecrets(datasource)
      const before = replace ? await store.datasources.get(config.name) : undefined
      if (before) {
        await store.datasources.update(config.name, { config, secrets })
        undo.push(() =>
          store.datasources.update(config.name, { config: before.config, secrets: { ...before.secrets } }),
        )
      } else {
        await store.datasources.create({ name: config.name, type: config.type, config, secrets })
        undo.push(() => store.datasources.remove(config.name))
      }
      if (connection) {
        const previous = await store.connections.get(config.name)
        await store.connections.put(config.name, connection)
        undo.push(() =>
          previous
            ? store.connections.put(config.name, asInput(previous))
            : store.connections.remove(config.name),
        )
      }
    }
    // The libraries before the queries: a query's names must exist when it is written.
    for (const [repo, items] of [
      [store.converters, plan.converters],
      [store.templates, plan.templates],
    ] as const) {
      for (const { name, content, replace } of items) {
        const before = replace ? await repo.get(name) : undefined
        if (before) {
          await repo.update(name, { content })
          undo.push(() => repo.update(name, { content: before.content }))
        } else {
          await repo.create({ name, content })
          undo.push(() => repo.remove(name))
        }
      }
    }
    for (const { query, replace } of plan.queries) {
      const { name, ...row } = queryRowOf(query)
      const before = replace ? await store.queries.get(name) : undefined
      if (before) {
        await store.queries.update(name, row)
        undo.push(() =>
          store.queries.update(name, {
            datasource: before.datasource,
            definition: before.definition,
            converterName: before.converterName,
            templateName: before.templateName,
          }),
        )
      } else {
        await store.queries.create({ name, ...row })
        undo.push(() => store.queries.remove(name))
      }
    }
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined)
    throw error
  }
}

/**
 * The plan as text, one entity a line and its notices below; no value of any field is printed
 * (secrets, tokens and header values never are), only names, kinds, URLs' hosts and paths.
 *
 * @example formatPqPlan(plan, true) // 'Would import from a PocketQuery json export:\n  create datasource "api" …'
 */
export function formatPqPlan(plan: PqImportPlan, dryRun: boolean): string {
  const lines = [
    `${dryRun ? 'Would import' : 'Imported'} from a PocketQuery ${plan.format.toUpperCase()} export:`,
  ]
  for (const entry of plan.entries) {
    const target = entry.name && entry.name !== entry.source ? ` as "${entry.name}"` : ''
    lines.push(`  ${entry.action} ${entry.kind} "${entry.source}"${target}: ${entry.detail}`)
    if (entry.renamed) lines.push(`    renamed: ${entry.renamed}`)
    for (const notice of entry.notices) lines.push(`    notice: ${notice}`)
  }
  for (const notice of plan.notices) lines.push(`  notice: ${notice}`)
  const count = (action: PqPlanEntry['action']) => plan.entries.filter((e) => e.action === action).length
  lines.push(
    `${count('create')} to create, ${count('replace')} to replace, ${count('skip')} skipped${dryRun ? '; nothing was changed (--dry-run)' : ''}.`,
  )
  return lines.join('\n')
}

function nameOf(entity: PqEntity): string {
  const name = entity.fields.name
  return typeof name === 'string' && name.trim() !== '' ? name.trim() : entity.where
}

function asInput(connection: StoredConnection): ConnectionInput {
  const { datasource: _d, version: _v, updatedAt: _u, ...input } = connection
  return { ...input, tokens: { ...input.tokens } }
}

type NamedKind = 'datasource' | 'query' | 'converter' | 'template'

/** Settles Quarry names: PocketQuery's may have spaces; two may map to one; the store may have it. */
class Namer {
  readonly #taken: Record<NamedKind, Set<string>>
  readonly #stored: Record<NamedKind, Set<string>>
  readonly #replace: boolean
  readonly #words: SurfaceWords

  constructor(
    datasources: string[],
    queries: string[],
    converters: string[],
    templates: string[],
    replace: boolean,
    words: SurfaceWords,
  ) {
    this.#stored = {
      datasource: new Set(datasources),
      query: new Set(queries),
      converter: new Set(converters),
      template: new Set(templates),
    }
    this.#taken = { datasource: new Set(), query: new Set(), converter: new Set(), template: new Set() }
    this.#replace = replace
    this.#words = words
  }

  claim(kind: NamedKind, source: string): { name: string; renamed?: string; replace: boolean } {
    const base = NAME_PATTERN.test(source) ? source : slug(source)
    let renamed = base === source ? undefined : 'Quarry names are 1–64 letters, digits, "_", "." or "-"'
    let name = base
    const busy = (candidate: string) =>
      this.#taken[kind].has(candidate) || (!this.#replace && this.#stored[kind].has(candidate))
    for (let n = 2; busy(name); n++) {
      name = `${base.slice(0, 60)}-${n}`
      renamed = this.#taken[kind].has(base)
        ? `another ${kind} in the file is also "${base}"`
        : `a ${kind} "${base}" exists already (${this.#words.replace} overwrites it instead)`
    }
    this.#taken[kind].add(name)
    return { name, ...(renamed ? { renamed } : {}), replace: this.#stored[kind].has(name) }
  }

  release(kind: 'datasource' | 'query', name: string): void {
    this.#taken[kind].delete(name)
  }
}

function slug(text: string): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64)
    .replace(/-+$/, '')
  return cleaned === '' ? 'imported' : cleaned
}
