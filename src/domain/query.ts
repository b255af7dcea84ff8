import { z } from 'zod'
import { timeZoneSchema } from './time-zone.js'
import { nameSchema } from './name.js'
import { converterLimits } from './datasource.js'
import {
  CHART_AGGREGATES,
  CHART_MARKS,
  CHART_SIZE,
  DEFAULT_VISIBILITY,
  HTTP_METHODS,
  PAGINATION_DEFAULTS,
  PARAM_TYPES,
  QUERY_LIMIT_DEFAULTS,
  type ParamType,
} from './query-choices.js'
import { CHART_SORTS, LEGEND_POSITIONS } from './panel-choices.js'
import { StatTemplateSchema, tableSettings } from './panel-schemas.js'

/**
 * Queries: a request (method, path, body) — or, on a SQL datasource, a SQL
 * statement — with typed `:name` parameters, a pagination rule, limits, a
 * cache TTL and an optional converter.
 */

// The choices are plain values in query-choices.ts, which the admin UI bundles without zod.
export { CHART_AGGREGATES, CHART_MARKS, HTTP_METHODS, PARAM_TYPES } from './query-choices.js'
export type { ChartAggregate, ChartMark, HttpMethod, ParamType } from './query-choices.js'

/**
 * PocketQuery's parameter types and the Quarry type each becomes (PocketQuery's "Query Parameters",
 * https://help.livelyapps.com/pocketquery-for-confluence-cloud/query-parameters). A `ListOfIntegers` is a
 * `list`: its items are bound one placeholder each, like a `ListOfStrings`, and the database
 * compares them with the column (Quarry's lists do not check their items' type).
 */
export const POCKETQUERY_PARAM_TYPES = {
  String: 'string',
  Integer: 'integer',
  ListOfStrings: 'list',
  ListOfIntegers: 'list',
  Date: 'date',
  Constant: 'constant',
} as const satisfies Record<string, ParamType>

const TYPE_BY_LOWER_NAME = new Map<string, ParamType>([
  ...Object.entries(POCKETQUERY_PARAM_TYPES).map(([name, type]) => [name.toLowerCase(), type] as const),
  ...PARAM_TYPES.map((type) => [type, type] as const),
])

/**
 * A parameter type as written by hand or in a PocketQuery export: Quarry's names and PocketQuery's
 * (any letter case) become Quarry's; anything else is returned as given, for the schema to refuse.
 *
 * @example paramTypeOf('ListOfIntegers') // 'list'
 */
export function paramTypeOf(written: unknown): unknown {
  return typeof written === 'string' ? (TYPE_BY_LOWER_NAME.get(written.toLowerCase()) ?? written) : written
}

/** How long a visitor's value may be: a pattern is tried on it, and a view's URL carries it. */
export const VISITOR_VALUE_MAX = 1000

/** A full-match pattern for visitors' values; it must compile (with the `u` flag, as it is run). */
const visitorPattern = z
  .string()
  .min(1)
  .max(500)
  .refine(
    (source) => {
      try {
        new RegExp(source, 'u')
        return true
      } catch {
        return false
      }
    },
    { message: 'not a valid regular expression' },
  )

/**
 * On a public query: that someone who sees it only because it is public (an anonymous visitor, an
 * embed on another site) may set this parameter, optionally only to listed values or to values that
 * match a pattern (the whole value). Without it the parameter keeps its default for them: a free-text
 * parameter such as `jql` would let any visitor run any search with the datasource's credentials.
 *
 * @example { name: 'project', visitorInput: { allowed: ['DEMO', 'WEB'] } }
 */
export const VisitorInputSchema = z.object({
  allowed: z.array(z.string().max(VISITOR_VALUE_MAX)).min(1).optional(),
  pattern: visitorPattern.optional(),
})
export type VisitorInput = z.infer<typeof VisitorInputSchema>

const paramName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'parameter names are letters, digits and "_"')

/**
 * Where a parameter's allowed values come from: another query's rows (issue 17), run through the
 * engine with that query's own cache TTL. `value` names the column holding each value (default: the
 * first column), `label` the one shown for it (default: the value). `params` gives the options
 * query's parameters: `:name` is this query's parameter `name` (so a sprint list follows the chosen
 * project), any other text is passed as written.
 *
 * @example { query: 'board-sprints', value: 'id', label: 'name', params: { project: ':project' } }
 */
export const ParamOptionsSchema = z.object({
  query: nameSchema,
  value: z.string().min(1).max(256).optional(),
  label: z.string().min(1).max(256).optional(),
  params: z.record(paramName, z.string().max(VISITOR_VALUE_MAX)).default({}),
})
export type ParamOptions = z.infer<typeof ParamOptionsSchema>

/** The parameter of the query itself that an options query's parameter value refers to (`:project`), if any. */
export function optionsReference(value: string): string | undefined {
  return /^:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value)?.[1]
}

/** Parameter types whose values can come from a list: not yes/no, and not `constant` (its list is fixed). */
const OPTION_TYPES: readonly ParamType[] = ['string', 'integer', 'number', 'date', 'list']

export const ParamSpecSchema = z
  .object({
    name: paramName,
    type: z.preprocess(paramTypeOf, z.enum(PARAM_TYPES)).default('string'),
    /** Used when no value is given; parsed like a given value. */
    default: z.string().optional(),
    /** For `constant`: the only values allowed. */
    values: z.array(z.string()).optional(),
    description: z.string().optional(),
    visitorInput: VisitorInputSchema.optional(),
    /** Its allowed values come from another query's rows: views show them as a dropdown (issue 17). */
    options: ParamOptionsSchema.optional(),
  })
  .refine((p) => p.type !== 'constant' || (p.values !== undefined && p.values.length > 0), {
    message: 'a constant parameter needs its allowed values',
  })
  .refine((p) => p.options === undefined || OPTION_TYPES.includes(p.type), {
    message: `options from a query are for ${OPTION_TYPES.join(', ')} parameters`,
    path: ['options'],
  })
export type ParamSpec = z.infer<typeof ParamSpecSchema>

const path = z.string().min(1)

/** Where to find things in a JSON response: dotted paths, e.g. `data.items`. */
const jsonPath = z.string().regex(/^[^.\s][^\s]*$/, 'a dotted JSON path, e.g. data.next_cursor')

export const PaginationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  /** Jira's search/jql: `nextPageToken` in, `nextPageToken` + `isLast` out. */
  z.object({
    type: z.literal('next-page-token'),
    tokenParam: z.string().default(PAGINATION_DEFAULTS['next-page-token'].tokenParam),
    tokenPath: jsonPath.default(PAGINATION_DEFAULTS['next-page-token'].tokenPath),
    lastPath: jsonPath.default(PAGINATION_DEFAULTS['next-page-token'].lastPath),
    itemsPath: jsonPath.default(PAGINATION_DEFAULTS['next-page-token'].itemsPath),
  }),
  /** startAt/maxResults/total (Jira's older lists, project/search): parallel once the total is known. */
  z.object({
    type: z.literal('offset'),
    startParam: z.string().default(PAGINATION_DEFAULTS.offset.startParam),
    sizeParam: z.string().default(PAGINATION_DEFAULTS.offset.sizeParam),
    pageSize: z.number().int().min(1).max(10_000).default(PAGINATION_DEFAULTS.offset.pageSize),
    totalPath: jsonPath.default(PAGINATION_DEFAULTS.offset.totalPath),
    itemsPath: jsonPath.default(PAGINATION_DEFAULTS.offset.itemsPath),
    lastPath: jsonPath.optional(),
  }),
  z.object({
    type: z.literal('page-number'),
    pageParam: z.string().default(PAGINATION_DEFAULTS['page-number'].pageParam),
    firstPage: z.number().int().min(0).default(PAGINATION_DEFAULTS['page-number'].firstPage),
    sizeParam: z.string().optional(),
    pageSize: z.number().int().min(1).optional(),
    itemsPath: jsonPath.optional(),
  }),
  z.object({
    type: z.literal('cursor'),
    cursorPath: jsonPath,
    cursorParam: z.string().default(PAGINATION_DEFAULTS.cursor.cursorParam),
    itemsPath: jsonPath.optional(),
  }),
  /** RFC 8288: follow `Link: <…>; rel="next"`. */
  z.object({ type: z.literal('link-header') }),
  /** The next page's URL in the body (Microsoft Graph's `@odata.nextLink`, a key with a dot in it). */
  z.object({
    type: z.literal('next-link'),
    linkPath: z.string().min(1).default(PAGINATION_DEFAULTS['next-link'].linkPath),
    itemsPath: jsonPath.default(PAGINATION_DEFAULTS['next-link'].itemsPath),
  }),
])
export type Pagination = z.infer<typeof PaginationSchema>
export type PaginationType = Pagination['type']

/**
 * Who sees a query in the server: viewers by role, or only members of some groups; `public` lets
 * anyone (also an iframe on another site, without a session) open its view.
 */
export const VisibilitySchema = z.object({
  /**
   * Only `viewer` decides anything (viewers see it only when listed). `editor` is accepted because
   * documents list it, and has no effect: editors see every query (issue 11).
   */
  roles: z.array(z.enum(['viewer', 'editor'])).default(() => [...DEFAULT_VISIBILITY.roles]),
  /** When not empty, a viewer must also be in one of these groups. */
  groups: z.array(z.string().min(1)).default([]),
  public: z.boolean().default(DEFAULT_VISIBILITY.public),
})
export type Visibility = z.infer<typeof VisibilitySchema>
const column = z.string().min(1).max(256)

/**
 * How a view shows the rows. Default (absent): a sortable, filterable table.
 *
 * @example
 * TemplateSchema.parse({ type: 'chart', mark: 'bar', x: 'Status', y: 'Key', aggregate: 'count' })
 */
export const TemplateSchema = z.discriminatedUnion('type', [
  /** The sortable table; columns may be formatted, hidden and reordered, and pages sized (panel-schemas.ts). */
  z.object({ type: z.literal('table'), ...tableSettings }),
  /** One value from the rows, with a unit and colours by threshold (render/stat-panel.ts). */
  StatTemplateSchema,
  /** Gets `rows`, `columns`, `query`, `params` and `fetchedAt`; every `{{ }}` output is HTML-escaped. */
  z.object({ type: z.literal('liquid'), source: z.string().max(100_000) }),
  /** A Vega-Lite spec built from the columns, rendered to SVG on the server. */
  z
    .object({
      type: z.literal('chart'),
      mark: z.enum(CHART_MARKS),
      x: column,
      /** The measure: one column, or several drawn as one series each. */
      y: z.union([column, z.array(column).min(1).max(20)]),
      series: column.optional(),
      aggregate: z.enum(CHART_AGGREGATES).optional(),
      title: z.string().max(200).optional(),
      width: z.number().int().min(CHART_SIZE.min).max(CHART_SIZE.max).optional(),
      height: z.number().int().min(CHART_SIZE.min).max(CHART_SIZE.max).optional(),
      /** Bars and areas of several series on top of each other (the default); false: bars side by side, areas overlapping. */
      stacked: z.boolean().optional(),
      sort: z.enum(CHART_SORTS).optional(),
      /** Each bar, point or slice labelled with its value. */
      labels: z.boolean().optional(),
      legend: z.enum(LEGEND_POSITIONS).optional(),
    })
    .refine((chart) => !Array.isArray(chart.y) || chart.y.length === 1 || chart.series === undefined, {
      error: 'a chart with several y columns draws one series per column; leave series out',
      path: ['series'],
    }),
  /**
   * A hand-written Vega-Lite spec. The rows replace its `data` (a chart never loads a URL), and
   * it is rendered to SVG on the server like a `chart`.
   */
  z.object({ type: z.literal('vega-lite'), spec: z.record(z.string(), z.unknown()) }),
  /**
   * A PocketQuery (Velocity) template, written here or brought over by `quarry import --from
   * pocketquery`: rendered in the converter sandbox (render/velocity-template.ts), every `$value`
   * HTML-escaped; gets `$result`, `$queryParameters`, `$queryName` and `$PQ`.
   */
  z.object({ type: z.literal('velocity'), source: z.string().max(100_000) }),
])
export type Template = z.infer<typeof TemplateSchema>
export type ChartTemplate = Extract<Template, { type: 'chart' }>

/** What a query without a `template` shows. */
export const DEFAULT_TEMPLATE: Template = Object.freeze({ type: 'table' })

export const QuerySchema = z
  .object({
    name: nameSchema,
    datasource: z.string().min(1),
    method: z.enum(HTTP_METHODS).default('GET'),
    /** REST: relative to the datasource's base URL, with `:name` parameters, e.g. `/search/jql?jql=:jql`. */
    path: path.optional(),
    /**
     * SQL datasources: one statement with `:name` parameters, each bound by the driver (never spliced into
     * the text), e.g. `SELECT * FROM issues WHERE id = :id`. A list becomes `:ids` → `$1, $2, …`.
     */
    sql: z.string().min(1).optional(),
    /** A JSON body template: `:name` inside a string is escaped into it; bare `:name` becomes a JSON value. */
    body: z.string().optional(),
    params: z.array(ParamSpecSchema).default([]),
    pagination: PaginationSchema.default({ type: 'none' }),
    /** Caps that, when hit, are reported — never a silent truncation. */
    maxPages: z.number().int().min(1).max(100_000).default(QUERY_LIMIT_DEFAULTS.maxPages),
    maxRows: z.number().int().min(1).optional(),
    /** Pages fetched at once when the rule allows (offset with a known total). */
    concurrency: z.number().int().min(1).max(32).default(QUERY_LIMIT_DEFAULTS.concurrency),
    cacheTtlSeconds: z.number().int().min(0).optional(),
    /** The time zone :@now and :@today are read in (issue 15); absent: UTC. */
    timeZone: timeZoneSchema.optional(),
    /** PocketQuery's `function convert(json, metadata)`, run sandboxed. */
    converter: z.string().optional(),
    /** A named converter of the converter library (library.ts), instead of an inline `converter`. */
    converterName: nameSchema.optional(),
    /** What the converter may return in one run (converterMaxRows, converterMaxBytes); absent: the datasource's, else the defaults. */
    ...converterLimits,
    /** A title for views; the name when absent. */
    title: z.string().max(200).optional(),
    /** Who may run and view it in the server (admins and editors always may). */
    visibility: VisibilitySchema.default(() => ({
      ...DEFAULT_VISIBILITY,
      roles: [...DEFAULT_VISIBILITY.roles],
      groups: [],
    })),
    /** How views show the rows; absent means DEFAULT_TEMPLATE (a table). */
    template: TemplateSchema.optional(),
    /** A named template of the template library (library.ts), instead of an inline `template`. */
    templateName: nameSchema.optional(),
  })
  .refine((q) => (q.path === undefined) !== (q.sql === undefined), {
    message: 'a query has either a path (REST) or sql (SQL datasources), not both',
    path: ['path'],
  })
  .refine((q) => q.converter === undefined || q.converterName === undefined, {
    message: 'a query has its own converter or a named one, not both',
    path: ['converterName'],
  })
  .refine((q) => q.template === undefined || q.templateName === undefined, {
    message: 'a query has its own template or a named one, not both',
    path: ['templateName'],
  })
  .superRefine((q, ctx) => {
    for (const issue of optionIssues(q)) ctx.addIssue({ code: 'custom', ...issue })
  })
export type Query = z.infer<typeof QuerySchema>
export type QueryInput = z.input<typeof QuerySchema>

/**
 * What is wrong with a query's option sources on their own (the store's queries are checked when
 * saving, engine/param-options.ts): an options query that is the query itself, a `:name` that is no
 * parameter of it or the parameter itself, and parameters whose options depend on each other in a
 * circle (a → b → a), which no value could ever start.
 */
function optionIssues(query: {
  readonly name: string
  readonly params: readonly ParamSpec[]
}): { message: string; path: (string | number)[] }[] {
  const issues: { message: string; path: (string | number)[] }[] = []
  const declared = new Set(query.params.map((spec) => spec.name))
  query.params.forEach((spec, index) => {
    const options = spec.options
    if (options === undefined) return
    if (options.query === query.name) {
      issues.push({
        message: `parameter "${spec.name}" cannot take its options from its own query "${query.name}"`,
        path: ['params', index, 'options', 'query'],
      })
    }
    for (const [name, value] of Object.entries(options.params)) {
      const ref = optionsReference(value)
      if (ref === undefined) continue
      if (ref === spec.name || !declared.has(ref)) {
        issues.push({
          message:
            ref === spec.name
              ? `the options of parameter "${spec.name}" cannot depend on its own value`
              : `the options of parameter "${spec.name}" pass ":${ref}" to "${name}", but the query has no parameter "${ref}"`,
          path: ['params', index, 'options', 'params', name],
        })
      }
    }
  })
  const cycle = optionCycle(query.params)
  if (cycle !== undefined) {
    issues.push({
      message: `the options of parameters ${cycle.map((name) => `"${name}"`).join(' → ')} depend on each other in a circle; let one of them take its options without the other`,
      path: ['params'],
    })
  }
  return issues
}

/**
 * The parameters a parameter's options depend on (`:name` values of its options query's parameters).
 *
 * @example optionDependencies({ name: 'sprint', options: { query: 's', params: { project: ':project' } } }) // ['project']
 */
export function optionDependencies(spec: Pick<ParamSpec, 'name' | 'options'>): string[] {
  const refs = Object.values(spec.options?.params ?? {}).map(optionsReference)
  return [...new Set(refs.filter((ref): ref is string => ref !== undefined && ref !== spec.name))]
}

/** A circle of option dependencies among the parameters (`['a', 'b', 'a']`), if there is one. */
function optionCycle(params: readonly ParamSpec[]): string[] | undefined {
  const byName = new Map(params.map((spec) => [spec.name, spec]))
  const done = new Set<string>()
  const walk = (name: string, path: string[]): string[] | undefined => {
    const at = path.indexOf(name)
    if (at !== -1) return [...path.slice(at), name]
    if (done.has(name)) return undefined
    const spec = byName.get(name)
    for (const next of spec === undefined ? [] : optionDependencies(spec)) {
      const found = walk(next, [...path, name])
      if (found !== undefined) return found
    }
    done.add(name)
    return undefined
  }
  for (const spec of params) {
    const found = walk(spec.name, [])
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * A query's parameters in an order where each comes after those its options depend on (the schema
 * refuses circles), so a project's value is known before the sprints of that project are asked for.
 *
 * @example paramsInOptionOrder(query.params).map((p) => p.name) // ['project', 'sprint']
 */
export function paramsInOptionOrder(params: readonly ParamSpec[]): ParamSpec[] {
  const byName = new Map(params.map((spec) => [spec.name, spec]))
  const ordered: ParamSpec[] = []
  const placed = new Set<string>()
  const place = (spec: ParamSpec, seen: ReadonlySet<string>): void => {
    if (placed.has(spec.name) || seen.has(spec.name)) return
    for (const dependency of optionDependencies(spec)) {
      const other = byName.get(dependency)
      if (other !== undefined) place(other, new Set([...seen, spec.name]))
    }
    placed.add(spec.name)
    ordered.push(spec)
  }
  for (const spec of params) place(spec, new Set())
  return ordered
}

/** What the store keeps of a query beside its definition: its name and what it refers to by name. */
export interface QueryRow {
  readonly name: string
  readonly datasource: string
  readonly definition: unknown
  readonly converterName?: string | null
  readonly templateName?: string | null
}

/**
 * A stored query as the schema reads it: the definition with the names the store keeps in columns
 * (its own, its datasource's, its named converter's and template's).
 *
 * @example queryInputOf({ name: 'q', datasource: 'db', definition: { sql: 'SELECT 1' }, converterName: 'rows' })
 */
export function queryInputOf(row: QueryRow): Record<string, unknown> {
  return {
    ...(row.definition as object),
    name: row.name,
    datasource: row.datasource,
    ...(row.converterName ? { converterName: row.converterName } : {}),
    ...(row.templateName ? { templateName: row.templateName } : {}),
  }
}

/**
 * A query as the store takes it: the columns, and the rest as the definition.
 *
 * @example queryRowOf(query).converterName // 'issue-rows', or null for none
 */
export function queryRowOf(query: Query) {
  const { name, datasource, converterName, templateName, ...definition } = query
  return {
    name,
    datasource,
    definition,
    converterName: converterName ?? null,
    templateName: templateName ?? null,
  }
}

/**
 * What GET /api/queries tells about each query: enough for the admin UI's list (and a viewer's list
 * of views), without the converter or template.
 *
 * @example querySummary(QuerySchema.parse({ name: 'issues', datasource: 'jira', path: '/search' })).public // false
 */
export function querySummary(query: Query) {
  return {
    name: query.name,
    datasource: query.datasource,
    title: query.title ?? null,
    method: query.method,
    path: query.path,
    sql: query.sql,
    params: query.params,
    /** Anyone with the link may open its view (issue 10): the list marks it. */
    public: query.visibility.public,
  }
}
export type QuerySummary = ReturnType<typeof querySummary>
