import { z } from 'zod'

/**
 * Queries: a request (method, path, body) — or, on a SQL datasource, a SQL
 * statement — with typed `:name` parameters, a pagination rule, limits, a
 * cache TTL and an optional converter.
 */

export const PARAM_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'list', 'constant'] as const
export type ParamType = (typeof PARAM_TYPES)[number]

export const ParamSpecSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'parameter names are letters, digits and "_"'),
    type: z.enum(PARAM_TYPES).default('string'),
    /** Used when no value is given; parsed like a given value. */
    default: z.string().optional(),
    /** For `constant`: the only values allowed. */
    values: z.array(z.string()).optional(),
    description: z.string().optional(),
  })
  .refine((p) => p.type !== 'constant' || (p.values !== undefined && p.values.length > 0), {
    message: 'a constant parameter needs its allowed values',
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
    tokenParam: z.string().default('nextPageToken'),
    tokenPath: jsonPath.default('nextPageToken'),
    lastPath: jsonPath.default('isLast'),
    itemsPath: jsonPath.default('issues'),
  }),
  /** startAt/maxResults/total (Jira's older lists, project/search): parallel once the total is known. */
  z.object({
    type: z.literal('offset'),
    startParam: z.string().default('startAt'),
    sizeParam: z.string().default('maxResults'),
    pageSize: z.number().int().min(1).max(10_000).default(50),
    totalPath: jsonPath.default('total'),
    itemsPath: jsonPath.default('values'),
    lastPath: jsonPath.optional(),
  }),
  z.object({
    type: z.literal('page-number'),
    pageParam: z.string().default('page'),
    firstPage: z.number().int().min(0).default(1),
    sizeParam: z.string().optional(),
    pageSize: z.number().int().min(1).optional(),
    itemsPath: jsonPath.optional(),
  }),
  z.object({
    type: z.literal('cursor'),
    cursorPath: jsonPath,
    cursorParam: z.string().default('cursor'),
    itemsPath: jsonPath.optional(),
  }),
  /** RFC 8288: follow `Link: <…>; rel="next"`. */
  z.object({ type: z.literal('link-header') }),
])
export type Pagination = z.infer<typeof PaginationSchema>
export type PaginationType = Pagination['type']

export const QuerySchema = z
  .object({
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
        'names are 1–64 letters, digits, "_", "." or "-", starting with a letter or digit',
      ),
    datasource: z.string().min(1),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
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
    maxPages: z.number().int().min(1).max(100_000).default(1000),
    maxRows: z.number().int().min(1).optional(),
    /** Pages fetched at once when the rule allows (offset with a known total). */
    concurrency: z.number().int().min(1).max(32).default(4),
    cacheTtlSeconds: z.number().int().min(0).optional(),
    /** PocketQuery's `function convert(json, metadata)`, run sandboxed. */
    converter: z.string().optional(),
  })
  .refine((q) => (q.path === undefined) !== (q.sql === undefined), {
    message: 'a query has either a path (REST) or sql (SQL datasources), not both',
    path: ['path'],
  })
export type Query = z.infer<typeof QuerySchema>
export type QueryInput = z.input<typeof QuerySchema>
