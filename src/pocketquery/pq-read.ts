import { XMLParser } from 'fast-xml-parser'
import { QuarryError } from '../domain/errors.js'

/**
 * Reads a PocketQuery export — JSON from PocketQuery for Confluence Cloud, XML from Server/Data
 * Center — into plain entity records with the JSON export's field names, so that the rest of the
 * importer handles one shape. Nothing is interpreted here except the spelling of field names.
 *
 * Documented shapes (PocketQuery for Confluence Cloud docs):
 * - JSON datasource: https://help.livelyapps.com/pocketquery-for-confluence-cloud/json-import-how-to-fix-failed-entity
 * - XML `<Database>`: https://help.livelyapps.com/pocketquery-for-confluence-cloud/xml-import-how-to-fix-failed-entity
 * The key names of queries, converters and templates, and the file's outer shape, are not
 * documented there: they are read tolerantly (see ENTITY_KEYS) and anything not understood is
 * reported by the importer.
 */

export type PqKind = 'datasource' | 'query' | 'converter' | 'template'

export interface PqEntity {
  readonly kind: PqKind
  /** The entity's fields, JSON names; values as found (strings, numbers, objects, null). */
  readonly fields: Readonly<Record<string, unknown>>
  /** Where it was found, for messages: `datasource #2`, `<Database> #1`. */
  readonly where: string
}

export interface PqExport {
  readonly format: 'json' | 'xml'
  readonly entities: readonly PqEntity[]
  /** Top-level keys of a JSON export that hold no entities this importer knows: reported, not read. */
  readonly ignored: readonly string[]
}

/** The XML export's lower-case children, by the JSON export's name for the same field. */
const XML_DATASOURCE_FIELDS: Readonly<Record<string, string>> = {
  name: 'localId',
  displayname: 'name',
  description: 'description',
  type: 'legacyType',
  url: 'url',
  user: 'username',
  password: 'password',
  driver: 'driver',
  resourcename: 'legacyResourceName',
  testurl: 'testUrl',
  applicationlinkid: 'legacyApplicationLinkId',
  consumerkey: 'legacyConsumerKey',
  consumersecret: 'legacyConsumerSecret',
  token: 'legacyToken',
  tokensecret: 'legacyTokenSecret',
  signaturemethod: 'legacySignatureMethod',
  requestparameters: 'requestParameters',
  requestheaders: 'requestHeaders',
  authurl: 'authUrl',
  clientid: 'clientId',
  clientsecret: 'clientSecret',
  accesstoken: 'accessToken',
  refreshtoken: 'refreshToken',
}

/** Collection keys a JSON export may group its entities under (undocumented: read tolerantly). */
const COLLECTIONS: Readonly<Record<string, PqKind>> = {
  datasources: 'datasource',
  databases: 'datasource',
  queries: 'query',
  converters: 'converter',
  templates: 'template',
}

/** XML element names of each kind (`<Database>` is documented; the others are read tolerantly). */
const XML_ELEMENTS: Readonly<Record<string, PqKind>> = {
  database: 'datasource',
  datasource: 'datasource',
  query: 'query',
  converter: 'converter',
  template: 'template',
}

/**
 * Parses a PocketQuery export file's text.
 *
 * @example readPqExport('{"localId":"1","name":"api","type":"REST_CUSTOM","url":"https://x"}').entities[0].kind // 'datasource'
 */
export function readPqExport(text: string, where: string): PqExport {
  const trimmed = text.trimStart()
  if (trimmed.startsWith('<')) return { format: 'xml', entities: readXml(trimmed, where), ignored: [] }
  let raw: unknown
  try {
    raw = JSON.parse(trimmed)
  } catch (error) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `${where} is neither JSON nor XML, so it is not a PocketQuery export: ${(error as Error).message}`,
    )
  }
  return { format: 'json', ...readJson(raw, where) }
}

function readJson(raw: unknown, where: string): { entities: PqEntity[]; ignored: string[] } {
  const record = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
  // One entity on its own (the seed guide's datasource), a list, or lists grouped by kind.
  if (Array.isArray(raw))
    return { entities: raw.map((entry, i) => classify(entry, `entry #${i + 1}`, where)), ignored: [] }
  if (!record(raw)) throw notExport(where, 'a JSON object or array')
  const groups = Object.keys(raw).filter((key) => COLLECTIONS[key.toLowerCase()] !== undefined)
  if (groups.length === 0) return { entities: [classify(raw, 'the entity', where)], ignored: [] }
  const entities: PqEntity[] = []
  for (const key of groups) {
    const kind = COLLECTIONS[key.toLowerCase()] as PqKind
    const list = raw[key]
    if (!Array.isArray(list)) throw notExport(where, `"${key}" as a list`)
    list.forEach((entry, i) => {
      if (!record(entry)) throw notExport(where, `objects in "${key}" (#${i + 1} is not one)`)
      entities.push({ kind, fields: entry, where: `${kind} #${i + 1}` })
    })
  }
  return { entities, ignored: Object.keys(raw).filter((key) => !groups.includes(key)) }
}

/** An entity of a flat list: a datasource has a datasource `type`; the rest are told by their fields. */
function classify(entry: unknown, label: string, where: string): PqEntity {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw notExport(where, `objects (${label} is not one)`)
  const fields = entry as Record<string, unknown>
  const has = (...keys: string[]) => keys.some((key) => key in fields)
  const content = fields.content ?? fields.script ?? fields.template
  const kind: PqKind | undefined =
    typeof fields.type === 'string' && /^(REST|JDBC)_/.test(fields.type)
      ? 'datasource'
      : has('statement', 'sql', 'path', 'datasource', 'datasourceId')
        ? 'query'
        : has('url', 'authUrl', 'requestHeaders', 'driver')
          ? 'datasource'
          : typeof content !== 'string'
            ? undefined
            : /function\s+convert\s*\(/.test(content)
              ? 'converter'
              : 'template'
  // Never a guess: what is neither is refused, and the whole file with it.
  if (kind === undefined) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `${where}: ${label} is neither a datasource, a query, a converter nor a template (its fields: ${Object.keys(fields).join(', ') || 'none'}). Nothing was imported.`,
    )
  }
  return { kind, fields, where: `${kind} (${label})` }
}

function readXml(text: string, where: string): PqEntity[] {
  let tree: unknown
  try {
    tree = new XMLParser({
      ignoreAttributes: true,
      parseTagValue: false,
      trimValues: true,
      // Keeps `<x></x>` as '' rather than dropping it: empty means "unset" in the documented example.
      isArray: () => false,
    }).parse(text, true)
  } catch (error) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `${where} is not well-formed XML: ${(error as Error).message}`,
    )
  }
  const entities: PqEntity[] = []
  const counts = new Map<string, number>()
  const visit = (node: unknown, tag: string) => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, tag)
      return
    }
    if (typeof node !== 'object' || node === null) return
    const kind = XML_ELEMENTS[tag.toLowerCase()]
    if (kind) {
      const n = (counts.get(tag) ?? 0) + 1
      counts.set(tag, n)
      entities.push({
        kind,
        fields: xmlFields(kind, node as Record<string, unknown>),
        where: `<${tag}> #${n}`,
      })
      return
    }
    for (const [child, value] of Object.entries(node)) visit(value, child)
  }
  visit(tree, '')
  if (entities.length === 0) throw notExport(where, 'a <Database> (or query, converter, template) element')
  return entities
}

/** An XML element's children with the JSON export's names; empty elements become null (unset). */
function xmlFields(kind: PqKind, node: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (const [tag, value] of Object.entries(node)) {
    const key = kind === 'datasource' ? (XML_DATASOURCE_FIELDS[tag.toLowerCase()] ?? tag) : tag
    fields[key] = value === '' ? null : value
  }
  // The XML form writes these as text; the JSON form as objects (decoded in pq-datasource.ts).
  return fields
}

function notExport(where: string, expected: string): QuarryError {
  return new QuarryError(
    'QUARRY_CONFIG_INVALID',
    `${where} is not a PocketQuery export this version reads: expected ${expected}.`,
  )
}
