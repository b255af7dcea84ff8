import { z } from 'zod'

/**
 * Queries: a request (method, path, body) with typed `:name` parameters, a
 * pagination rule, limits, a cache TTL and an optional converter.
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

/**
 * Who sees a query in the server: viewers by role, or only members of some groups; `public` lets
 * anyone (also an iframe on another site, without a session) open its view.
 */
export const VisibilitySchema = z.object({
  roles: z.array(z.enum(['viewer', 'editor'])).default(['viewer', 'editor']),
  /** When not empty, a viewer must also be in one of these groups. */
  groups: z.array(z.string().min(1)).default([]),
  public: z.boolean().default(false),
})
export type Visibility = z.infer<typeof VisibilitySchema>

export const QuerySchema = z.object({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
      'names are 1–64 letters, digits, "_", "." or "-", starting with a letter or digit',
    ),
  datasource: z.string().min(1),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  /** Relative to the datasource's base URL, with `:name` parameters, e.g. `/search/jql?jql=:jql`. */
  path,
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
  /** A title for views; the name when absent. */
  title: z.string().max(200).optional(),
  /** Who may run and view it in the server (admins and editors always may). */
  visibility: VisibilitySchema.default({ roles: ['viewer', 'editor'], groups: [], public: false }),
})
export type Query = z.infer<typeof QuerySchema>
export type QueryInput = z.input<typeof QuerySchema>
