import { describeIssues } from '../domain/field-issues.js'
import { usedParamNames } from '../engine/detect-params.js'
import { PARAM_TYPES, paramTypeOf, QuerySchema, type ParamType, type Query } from '../domain/query.js'
import type { PqEntity } from './pq-read.js'

/**
 * PocketQuery queries, converters and templates → Quarry queries. A query's properties are
 * documented (https://help.livelyapps.com/pocketquery-for-confluence-cloud/Queries.905871402.html:
 * name, datasource, description, template, converter, spaces, statement; parameters:
 * https://help.livelyapps.com/pocketquery-for-confluence-cloud/query-parameters), their key names in
 * an export are not: the spellings below are read, anything else is reported and not imported.
 */

/** Accepted spellings of each query property, first match wins. */
const QUERY_KEYS = {
  id: ['localId', 'id', 'uuid'],
  name: ['name', 'displayname'],
  description: ['description'],
  datasource: ['datasource', 'datasourceId', 'datasourceLocalId', 'datasourceName', 'database'],
  statement: ['statement', 'sql', 'path', 'query'],
  method: ['method', 'requestMethod'],
  body: ['body', 'requestBody'],
  converter: ['converter', 'converterId', 'converterLocalId', 'converterName'],
  template: ['template', 'templateId', 'templateLocalId', 'templateName'],
  parameters: ['parameters', 'params', 'queryParameters'],
  cache: ['cacheDuration', 'cache', 'cacheTime'],
  spaces: ['spaces', 'spaceKeys'],
} as const

/** Converters and templates: a name and their text. */
const CONTENT_KEYS = {
  id: ['localId', 'id', 'uuid'],
  name: ['name', 'displayname'],
  description: ['description'],
  content: ['content', 'script', 'code', 'source', 'template', 'converter', 'text'],
} as const

/** PocketQuery's parameter types (query-parameters page) → Quarry's. */

export interface PqNamed {
  readonly id: string | undefined
  readonly name: string
  readonly content: string
  readonly where: string
  readonly notices: readonly string[]
}

/** Reads a converter or template entity; undefined (with a problem) when it has no name or text. */
export function readNamed(entity: PqEntity, problems: string[]): PqNamed | undefined {
  const picked = pick(entity.fields, CONTENT_KEYS)
  const name = str(picked.values.name)
  const content = typeof picked.values.content === 'string' ? picked.values.content : undefined
  if (!name || content === undefined) {
    problems.push(`${entity.kind} ${entity.where}: needs a name and its text (content).`)
    return undefined
  }
  return {
    id: str(picked.values.id),
    name,
    content,
    where: entity.where,
    notices: picked.unknown.map(
      (key) => `"${key}" is not a ${entity.kind} field this importer reads: not imported.`,
    ),
  }
}

export interface PqQueryRefs {
  /** A datasource reference (localId or PocketQuery name) → Quarry name and type; null = skipped. */
  datasource(ref: string): { name: string; type: string } | null | undefined
  /** A converter reference → the named converter it is imported as (`name`: its Quarry name). */
  converter(ref: string): (PqNamed & { readonly quarryName: string }) | undefined
  template(ref: string): (PqNamed & { readonly quarryName: string }) | undefined
}

export type PqQueryOutcome =
  | { readonly outcome: 'import'; readonly query: Query; readonly notices: readonly string[] }
  | { readonly outcome: 'skip'; readonly reason: string }
  | { readonly outcome: 'invalid'; readonly problems: readonly string[] }

/** The PocketQuery name of a query entity (for renaming before it is mapped). */
export function pqQueryName(entity: PqEntity): string | undefined {
  return str(pick(entity.fields, QUERY_KEYS).values.name)
}

/**
 * Maps one query entity under its Quarry name.
 *
 * @example mapPqQuery(entity, 'countries', refs) // { outcome: 'import', query: { name: 'countries', path: '/all', … } }
 */
export function mapPqQuery(entity: PqEntity, name: string, refs: PqQueryRefs): PqQueryOutcome {
  const { values, unknown } = pick(entity.fields, QUERY_KEYS)
  const notices = unknown.map((key) => `"${key}" is not a query field this importer reads: not imported.`)
  const problems: string[] = []
  const ref = str(values.datasource)
  if (!ref) return { outcome: 'invalid', problems: [`query "${name}": names no datasource.`] }
  const datasource = refs.datasource(ref)
  if (datasource === null) return { outcome: 'skip', reason: `its datasource "${ref}" is not imported.` }
  if (datasource === undefined)
    return { outcome: 'invalid', problems: [`query "${name}": datasource "${ref}" is not in the file.`] }
  const statement = str(values.statement)
  if (!statement)
    return { outcome: 'invalid', problems: [`query "${name}": has no statement (SQL or REST path).`] }

  const params = readParams(values.parameters, name, problems, notices)
  // The same detection as a query saved in Quarry (domain/detect-params.ts): what the binders bind.
  const sql = datasource.type !== 'rest'
  const used = usedParamNames(
    {
      path: sql ? undefined : statement,
      sql: sql ? statement : undefined,
      body: typeof values.body === 'string' ? values.body : undefined,
    },
    datasource.type,
  )
  for (const placeholder of used) {
    if (params.some((p) => p.name === placeholder)) continue
    params.push({ name: placeholder, type: 'string' })
    notices.push(`Parameter ":${placeholder}" is used but not declared: added as a string.`)
  }
  if (/:@[A-Za-z]/.test(statement)) {
    notices.push(
      'Wildcards (":@space.key" …) come from a Confluence page; Quarry has none, so they stay as written.',
    )
  }
  if (values.spaces !== undefined && values.spaces !== null)
    notices.push("Space restrictions are Confluence's: use the query's visibility in Quarry instead.")

  // PocketQuery's converters and templates are entities a query refers to: they become named ones
  // (issue 13), so an edit of one still changes every query that uses it.
  let converterName: string | undefined
  const converterRef = str(values.converter)
  if (converterRef) {
    const found = refs.converter(converterRef)
    if (!found) problems.push(`query "${name}": converter "${converterRef}" is not in the file.`)
    else converterName = found.quarryName
  }
  let templateName: string | undefined
  const templateRef = str(values.template)
  if (templateRef && templateRef.toLowerCase() !== 'default') {
    const found = refs.template(templateRef)
    if (!found) {
      problems.push(`query "${name}": template "${templateRef}" is not in the file.`)
    } else {
      templateName = found.quarryName
      notices.push(
        `Template "${found.name}" is Velocity: views render it in the converter sandbox, every value escaped; a <script> in it (PocketQuery.chart) does not run and is reported on the view.`,
      )
    }
  }
  const cacheTtlSeconds = cacheSeconds(values.cache, name, problems)
  if (problems.length > 0) return { outcome: 'invalid', problems }

  const check = QuerySchema.safeParse({
    name,
    datasource: datasource.name,
    ...(sql ? { sql: statement } : { path: statement.startsWith('/') ? statement : `/${statement}` }),
    ...(str(values.method) ? { method: str(values.method)?.toUpperCase() } : {}),
    ...(typeof values.body === 'string' && values.body !== '' ? { body: values.body } : {}),
    params,
    ...(converterName !== undefined ? { converterName } : {}),
    ...(templateName !== undefined ? { templateName } : {}),
    ...(cacheTtlSeconds !== undefined ? { cacheTtlSeconds } : {}),
    ...(str(values.description) ? { title: str(values.description)?.slice(0, 200) } : {}),
  })
  if (!check.success)
    return { outcome: 'invalid', problems: [describeIssues(check.error, `query "${name}"`).message] }
  return { outcome: 'import', query: check.data, notices }
}

interface RawParam {
  name: string
  type: ParamType
  default?: string
  values?: string[]
}

function readParams(raw: unknown, query: string, problems: string[], notices: string[]): RawParam[] {
  if (raw === undefined || raw === null) return []
  const entries: [string | undefined, Record<string, unknown>][] = Array.isArray(raw)
    ? raw.map((p) => [
        undefined,
        (typeof p === 'object' && p !== null ? p : { name: p }) as Record<string, unknown>,
      ])
    : typeof raw === 'object'
      ? Object.entries(raw as Record<string, unknown>).map(([k, v]) => [
          k,
          (typeof v === 'object' && v !== null ? v : { default: v }) as Record<string, unknown>,
        ])
      : []
  const params: RawParam[] = []
  for (const [key, spec] of entries) {
    const name = key ?? str(spec.name)
    if (!name) {
      problems.push(`query "${query}": a parameter without a name.`)
      continue
    }
    const typeName = str(spec.type) ?? 'String'
    // PocketQuery's names (any case) and Quarry's own, as everywhere a query is read (domain/query.ts).
    const type = PARAM_TYPES.find((known) => known === paramTypeOf(typeName))
    if (type === undefined) {
      problems.push(
        `query "${query}": parameter "${name}" has type "${typeName}", not one PocketQuery documents.`,
      )
      continue
    }
    if (typeName.toLowerCase() === 'listofintegers')
      notices.push(`Parameter "${name}" (ListOfIntegers) becomes a list: its values are bound as text.`)
    const fallback = spec.default ?? spec.defaultValue
    const values = Array.isArray(spec.values) ? spec.values.map(String) : undefined
    params.push({
      name,
      type,
      ...(fallback !== undefined && fallback !== null ? { default: String(fallback) } : {}),
      ...(values ? { values } : {}),
    })
  }
  return params
}

/** Server's cache durations (`3d`, `12h`, `50m`) or a number of seconds. */
function cacheSeconds(raw: unknown, query: string, problems: string[]): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return raw
  const match = /^(\d+)\s*([dhms])$/i.exec(String(raw).trim())
  if (!match) {
    problems.push(`query "${query}": cache duration "${String(raw)}" is not like 3d, 12h or 50m.`)
    return undefined
  }
  const unit = { d: 86_400, h: 3600, m: 60, s: 1 }[
    (match[2] as string).toLowerCase() as 'd' | 'h' | 'm' | 's'
  ]
  return Number(match[1]) * unit
}

function pick<K extends string>(
  fields: Readonly<Record<string, unknown>>,
  keys: Readonly<Record<K, readonly string[]>>,
): { values: Partial<Record<K, unknown>>; unknown: string[] } {
  const values: Partial<Record<K, unknown>> = {}
  const used = new Set<string>()
  for (const [property, spellings] of Object.entries(keys) as [K, readonly string[]][]) {
    for (const spelling of spellings) {
      if (spelling in fields && fields[spelling] !== null && fields[spelling] !== undefined) {
        values[property] = fields[spelling]
        used.add(spelling)
        break
      }
    }
  }
  return { values, unknown: Object.keys(fields).filter((key) => !used.has(key) && fields[key] !== null) }
}

function str(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value)
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
}
