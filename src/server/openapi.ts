import { z } from 'zod'
import { ERROR_EXAMPLE, ErrorBodySchema } from './error-body.js'
import type { NamedSchema, RouteReply } from './replies.js'
import type { RouteDef } from './route.js'

/** Fastify's `:name` becomes OpenAPI's `{name}`; its wildcard `*` becomes `{path}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\*$/, '{path}')
}

function pathParameters(url: string): object[] {
  const names = [...url.matchAll(/:([A-Za-z_]+)/g)].map((match) => match[1] as string)
  if (url.endsWith('*')) names.push('path')
  return names.map((name) => ({
    name,
    in: 'path',
    required: true,
    description: name === 'path' ? 'The rest of the path.' : `The ${name}.`,
    schema: { type: 'string' },
  }))
}

const ACCESS_TEXT = {
  public: 'anyone',
  'signed-in': 'any signed-in user',
  editor: 'editors and admins',
  admin: 'admins',
} as const

const TAGS: Readonly<Record<string, string>> = {
  session: 'First-run setup, signing in and out, one’s own password.',
  datasources: 'REST APIs and databases, their secrets and OAuth 2.0 connections.',
  connections:
    'Per-user OAuth 2.0 connections (issue 15): each person connects their own account; admins see and revoke them.',
  queries: 'Queries: writing them and running them.',
  converters: 'Named converters several queries use (issue 13): editing one changes them all.',
  schedules: 'Queries refreshed on a cron schedule (issue 16): last run, next run, last error.',
  templates: 'Named templates several queries use (issue 13): editing one changes them all.',
  snapshots:
    'Frozen results of a query (issue 16): taken, listed, shown, compared and kept by a retention rule.',
  alerts: 'Conditions on a query’s result that notify a webhook, Slack or email when they change (issue 16).',
  subscriptions:
    'A schedule’s runs mailed to addresses, and the public unsubscribe link of those mails (issue 16).',
  dashboards: 'Pages of panels of queries on a grid, sharing parameters (issue 17): their definitions.',
  preview: 'Live previews for the editors.',
  users: 'Users (admins manage them).',
  tokens: 'API tokens: each user their own.',
  configuration: 'Export and import of the whole configuration.',
  settings: 'Settings changed while the server runs.',
  audit: 'The audit log (issue 19): who changed what, when; admins read and export it.',
  views: 'Queries rendered as pages, their downloads, and embedding.',
  site: 'Health, this document, and the admin UI.',
}

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without the `$schema` keyword. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' })
  return rest
}

/** Named schemas of the document (components/schemas): each zod schema once, under its name. */
class Components {
  readonly schemas: Record<string, unknown> = {}
  readonly #names = { input: new Map<z.ZodType, string>(), output: new Map<z.ZodType, string>() }

  /** A reference to the schema, added under this name unless it is there already (as sent or as answered). */
  ref(name: string, schema: z.ZodType, io: 'input' | 'output'): { $ref: string } {
    let key = this.#names[io].get(schema)
    if (key === undefined) {
      key = name
      this.#names[io].set(schema, key)
      this.schemas[key] = jsonSchema(schema, io)
    }
    return refTo(key)
  }
}

function refTo(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` }
}

function pascal(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1)
}

/** A request body is optional when `{}` is a valid one: the server reads an absent body as `{}`. */
function requestBody(route: RouteDef, components: Components): object | undefined {
  if (route.body === undefined) return undefined
  const schema = components.ref(`${pascal(route.operationId)}Request`, route.body, 'input')
  return {
    required: !route.body.safeParse({}).success,
    content: { 'application/json': { schema } },
  }
}

function jsonContent(body: NamedSchema, components: Components): object {
  return {
    'application/json': { schema: components.ref(body.name, body.schema, 'output'), example: body.example },
  }
}

function successResponse(reply: RouteReply, components: Components): Record<string, object> {
  switch (reply.kind) {
    case 'json':
      return {
        [reply.status]: {
          description: reply.status === 201 ? 'Created.' : 'OK.',
          content: jsonContent(reply.body, components),
        },
      }
    case 'empty':
      return { 204: { description: 'Done; no body.' } }
    case 'redirect':
      // A client that follows redirects (a browser, fetch by default) answers with the page it
      // lands on; Redocly's operation-2xx-response asks for that effective reply to be described.
      return {
        [reply.status]: {
          description: reply.description,
          headers: { location: { description: 'Where to.', schema: { type: 'string' } } },
        },
        200: {
          description: 'The page the redirect leads to, for a client that follows it.',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
      }
    case 'text':
      return {
        200: {
          description: reply.description,
          content: Object.fromEntries(
            [reply.contentType]
              .flat()
              .map((type) => [type.split(';')[0]?.trim(), { schema: { type: 'string' } }]),
          ),
        },
      }
  }
}

/**
 * Failures: the API answers the error body; views and the admin UI answer a page (the view's error
 * page), because a person reads those in a browser.
 */
function errorResponses(route: RouteDef): Record<string, object> {
  const inPages = !route.url.startsWith('/api/') && route.url !== '/healthz'
  const error = { $ref: `#/components/responses/${inPages ? 'ErrorPage' : 'Error'}` }
  return { '4XX': error, '5XX': error }
}

/**
 * Who may call it. A signed-in browser proves each state-changing request with the x-csrf-token
 * header (GET /api/session gives it); an API token needs none. Public routes take anyone, and a
 * browser that happens to be signed in still sends the header with a POST.
 */
function security(route: RouteDef): object[] {
  const changes = route.method !== 'GET'
  const session = changes ? { session: [], csrf: [] } : { session: [] }
  if (route.access === 'public') return changes ? [{}, session] : [{}]
  return [session, { token: [] }]
}

/**
 * The OpenAPI 3.1 document of the server, built from the route table (bodies and replies from the
 * same zod schemas that validate and describe them), so it cannot drift from what the server does.
 */
export function openApiDocument(routes: readonly RouteDef[], serverUrl: string): object {
  const components = new Components()
  components.schemas.Error = jsonSchema(ErrorBodySchema, 'output')
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    const path = openApiPath(route.url)
    const parameters = pathParameters(route.url)
    const body = requestBody(route, components)
    paths[path] ??= {}
    paths[path][route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      description: `Who may call it: ${ACCESS_TEXT[route.access]}.`,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(body === undefined ? {} : { requestBody: body }),
      responses: { ...successResponse(route.reply, components), ...errorResponses(route) },
      security: security(route),
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Quarry',
      version: '0.1.0',
      description: 'Datasources, queries, runs and views over HTTP.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      // Whoever runs this server answers for it: its admins, reached through its admin UI.
      contact: { name: 'The admins of this server', url: `${serverUrl}/admin/` },
    },
    servers: [{ url: serverUrl, description: 'This server.' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    components: {
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'quarry_session',
          description: 'The session cookie set by POST /api/session.',
        },
        csrf: {
          type: 'apiKey',
          in: 'header',
          name: 'x-csrf-token',
          description:
            'The csrfToken of GET /api/session: sent with every state-changing request of a session.',
        },
        token: { type: 'http', scheme: 'bearer', description: 'An API token (qk_…) from POST /api/tokens.' },
      },
      schemas: components.schemas,
      responses: {
        Error: {
          description: 'What failed and what to do; the code is stable.',
          content: { 'application/json': { schema: refTo('Error'), example: ERROR_EXAMPLE } },
        },
        ErrorPage: {
          description: 'A page saying what failed and what to do.',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
      },
    },
    paths,
  }
}
