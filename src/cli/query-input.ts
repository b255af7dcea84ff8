import { QuarryError } from '../domain/errors.js'
import {
  PARAM_TYPES,
  POCKETQUERY_PARAM_TYPES,
  QuerySchema,
  paramTypeOf,
  type Pagination,
  type ParamOptions,
  type ParamSpec,
  type Query,
} from '../domain/query.js'
import { describeIssues, type SurfaceLabels } from '../domain/field-issues.js'
import { parseDuration, parseInteger, readFlagFile } from './flags.js'

/** The flags of `query add` and `query edit`. */
export interface QueryFlags {
  readonly datasource?: string
  readonly method?: string
  readonly path?: string
  readonly body?: string
  readonly sql?: string
  readonly param?: string[]
  readonly allowed?: string[]
  /** `PARAM=QUERY [value=COL] [label=COL] [NAME=:OTHER|NAME=TEXT]…`: a parameter's options from a query (issue 17). */
  readonly options?: string[]
  readonly pagination?: string
  readonly pageSize?: string
  readonly itemsPath?: string
  readonly totalPath?: string
  readonly lastPath?: string
  readonly tokenParam?: string
  readonly tokenPath?: string
  readonly cursorPath?: string
  readonly cursorParam?: string
  readonly linkPath?: string
  readonly pageParam?: string
  readonly sizeParam?: string
  readonly startParam?: string
  readonly firstPage?: string
  readonly maxPages?: string
  readonly maxRows?: string
  readonly concurrency?: string
  readonly cache?: string
  /** The IANA zone :@now and :@today are read in (issue 15). */
  readonly timeZone?: string
  /** A file; false after `--no-converter` (edit: drop the converter, own or named). */
  readonly converter?: string | false
  /** A named converter of the converter library, instead of one of its own (issue 13). */
  readonly converterName?: string
  /** A named template of the template library. */
  readonly templateName?: string
  /** false after `--no-template` (edit: drop the template, own or named: views show the table). */
  readonly template?: boolean
}

/**
 * `name`, `name:type`, `name=default` or `name:type=default`.
 *
 * PocketQuery's type names are taken too (`ids:ListOfIntegers`).
 *
 * @example parseParamSpec('limit:integer=50') // { name: 'limit', type: 'integer', default: '50' }
 */
export function parseParamSpec(text: string): ParamSpec {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?(?:=(.*))?$/s.exec(text)
  if (!match) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `--param must look like name[:type][=default]; got "${text}"`,
    )
  }
  const type = paramTypeOf(match[2] ?? 'string')
  if (!(PARAM_TYPES as readonly unknown[]).includes(type)) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `--param ${match[1]}: type must be one of ${PARAM_TYPES.join(', ')} ` +
        `(or PocketQuery's ${Object.keys(POCKETQUERY_PARAM_TYPES).join(', ')}); got "${match[2]}"`,
    )
  }

  return {
    name: match[1] as string,
    type: type as ParamSpec['type'],
    ...(match[3] === undefined ? {} : { default: match[3] }),
  }
}

function pagination(flags: QueryFlags, base: Pagination | undefined): Pagination | undefined {
  const type = flags.pagination ?? base?.type
  if (type === undefined) return undefined
  const previous = (base?.type === type ? base : {}) as Record<string, unknown>
  const int = (flag: string, value: string | undefined) =>
    value === undefined ? undefined : parseInteger(flag, value, 0)
  const fields: Record<string, unknown> = {
    ...previous,
    type,
    pageSize: int('--page-size', flags.pageSize) ?? previous.pageSize,
    itemsPath: flags.itemsPath ?? previous.itemsPath,
    totalPath: flags.totalPath ?? previous.totalPath,
    lastPath: flags.lastPath ?? previous.lastPath,
    tokenParam: flags.tokenParam ?? previous.tokenParam,
    tokenPath: flags.tokenPath ?? previous.tokenPath,
    cursorPath: flags.cursorPath ?? previous.cursorPath,
    cursorParam: flags.cursorParam ?? previous.cursorParam,
    linkPath: flags.linkPath ?? previous.linkPath,
    pageParam: flags.pageParam ?? previous.pageParam,
    sizeParam: flags.sizeParam ?? previous.sizeParam,
    startParam: flags.startParam ?? previous.startParam,
    firstPage: int('--first-page', flags.firstPage) ?? previous.firstPage,
  }
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key]
  return fields as Pagination
}

/** The flags that set a query's fields, so a refused query names what was typed (issue 11). */
const FLAG_LABELS: SurfaceLabels = {
  datasource: '--datasource',
  method: '--method',
  path: '--path',
  sql: '--sql',
  body: '--body',
  params: '--param',
  maxPages: '--max-pages',
  maxRows: '--max-rows',
  concurrency: '--concurrency',
  cacheTtlSeconds: '--cache',
  timeZone: '--time-zone',
  converter: '--converter',
  converterName: '--converter-name',
  templateName: '--template-name',
  'pagination.type': '--pagination',
  'pagination.pageSize': '--page-size',
  'pagination.itemsPath': '--items-path',
  'pagination.totalPath': '--total-path',
  'pagination.lastPath': '--last-path',
  'pagination.tokenParam': '--token-param',
  'pagination.tokenPath': '--token-path',
  'pagination.cursorPath': '--cursor-path',
  'pagination.cursorParam': '--cursor-param',
  'pagination.linkPath': '--link-path',
  'pagination.pageParam': '--page-param',
  'pagination.sizeParam': '--size-param',
  'pagination.startParam': '--start-param',
  'pagination.firstPage': '--first-page',
}

/**
 * `--converter FILE` (its own), `--converter-name NAME` (a named one) or `--no-converter` (none): one
 * replaces the other on edit; both named at once are refused by the schema, naming the flags.
 */
function converterFields(flags: QueryFlags, base: Query | undefined) {
  const given = flags.converter !== undefined || flags.converterName !== undefined
  return {
    converter:
      typeof flags.converter === 'string'
        ? readFlagFile('--converter', flags.converter)
        : given
          ? undefined
          : base?.converter,
    converterName: flags.converterName ?? (given ? undefined : base?.converterName),
  }
}

/** `--template-name NAME` replaces the query's own template; `--no-template` drops either. */
function templateFields(flags: QueryFlags, base: Query | undefined) {
  const drop = flags.template === false || flags.templateName !== undefined
  return {
    template: drop ? undefined : base?.template,
    templateName: flags.templateName ?? (flags.template === false ? undefined : base?.templateName),
  }
}

/**
 * `--options "sprint=board-sprints value=id label=name project=:project"`: parameter `sprint` takes its
 * values from query `board-sprints` (column `id`, shown as `name`), whose parameter `project` gets
 * this query's `:project`. `--options sprint=` drops them.
 *
 * @example parseOptionsFlag('project=jira-projects value=key label=name') // ['project', { query: 'jira-projects', value: 'key', label: 'name', params: {} }]
 */
export function parseOptionsFlag(text: string): [string, ParamOptions | undefined] {
  const [head = '', ...rest] = text.trim().split(/\s+/)
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(head)
  if (!match) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `--options must look like PARAM=QUERY [value=COLUMN] [label=COLUMN] [NAME=:OTHER]…; got "${text}"`,
    )
  }
  const [, param = '', query = ''] = match
  if (query === '') return [param, undefined]
  const options: { query: string; value?: string; label?: string; params: Record<string, string> } = {
    query,
    params: {},
  }
  for (const pair of rest) {
    const [key = '', value] = pair.split(/=(.*)/s)
    if (value === undefined || value === '') {
      throw new QuarryError(
        'QUARRY_CONFIG_INVALID',
        `--options ${param}: "${pair}" must be value=COLUMN, label=COLUMN or NAME=:PARAMETER (or NAME=TEXT)`,
      )
    }
    if (key === 'value' || key === 'label') options[key] = value
    else options.params[key] = value
  }
  return [param, options]
}

/** Builds a query from flags, on top of an existing one for `edit`. */
export function queryFromFlags(name: string, flags: QueryFlags, base?: Query): Query {
  let params = base?.params ?? []
  if (flags.param !== undefined) params = flags.param.map(parseParamSpec)
  for (const item of flags.allowed ?? []) {
    const [paramName, values = ''] = item.split(/=(.*)/s)
    const spec = params.find((p) => p.name === paramName)
    if (!spec) throw new QuarryError('QUARRY_CONFIG_INVALID', `--allowed ${paramName}: no such --param`)
    params = params.map((p) => (p === spec ? { ...p, values: values.split(',').map((v) => v.trim()) } : p))
  }
  for (const item of flags.options ?? []) {
    const [paramName, options] = parseOptionsFlag(item)
    if (!params.some((p) => p.name === paramName))
      throw new QuarryError('QUARRY_CONFIG_INVALID', `--options ${paramName}: no such --param`)
    params = params.map((p) => {
      if (p.name !== paramName) return p
      const { options: _dropped, ...rest } = p
      return options === undefined ? rest : { ...rest, options }
    })
  }
  const raw: Record<string, unknown> = {
    ...base,
    name,
    datasource: flags.datasource ?? base?.datasource,
    method: flags.method?.toUpperCase() ?? base?.method,
    // A query has a path (REST) or SQL: giving one drops the other.
    path: flags.path ?? (flags.sql === undefined ? base?.path : undefined),
    sql:
      flags.sql === undefined
        ? flags.path === undefined
          ? base?.sql
          : undefined
        : flags.sql.startsWith('@')
          ? readFlagFile('--sql', flags.sql.slice(1))
          : flags.sql,
    body:
      flags.body === undefined
        ? base?.body
        : flags.body.startsWith('@')
          ? readFlagFile('--body', flags.body.slice(1))
          : flags.body,
    params,
    pagination: pagination(flags, base?.pagination),
    maxPages: flags.maxPages === undefined ? base?.maxPages : parseInteger('--max-pages', flags.maxPages, 1),
    maxRows: flags.maxRows === undefined ? base?.maxRows : parseInteger('--max-rows', flags.maxRows, 1),
    concurrency:
      flags.concurrency === undefined
        ? base?.concurrency
        : parseInteger('--concurrency', flags.concurrency, 1),
    cacheTtlSeconds:
      flags.cache === undefined ? base?.cacheTtlSeconds : parseDuration('--cache', flags.cache),
    timeZone: flags.timeZone ?? base?.timeZone,
    ...converterFields(flags, base),
    ...templateFields(flags, base),
  }
  for (const key of Object.keys(raw)) if (raw[key] === undefined) delete raw[key]
  const parsed = QuerySchema.safeParse(raw)
  if (!parsed.success) throw describeIssues(parsed.error, `query "${name}"`, raw, FLAG_LABELS)
  return parsed.data
}
