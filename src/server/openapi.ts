import { z } from 'zod'
import type { RouteDef } from './route.js'

/** Fastify's `:name` becomes OpenAPI's `{name}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, '{$1}')
}

const ACCESS_TEXT = {
  public: 'anyone',
  'signed-in': 'any signed-in user',
  editor: 'editors and admins',
  admin: 'admins',
} as const

/**
 * The OpenAPI 3.1 document of the JSON API, built from the route table (bodies from the same zod
 * schemas that validate them), so it cannot drift from what the server does.
 */
export function openApiDocument(routes: readonly RouteDef[], serverUrl: string): object {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    const path = openApiPath(route.url)
    const parameters = [...route.url.matchAll(/:([A-Za-z_]+)/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }))
    paths[path] ??= {}
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      description: `Who may call it: ${ACCESS_TEXT[route.access]}.${route.method !== 'GET' && route.access !== 'public' ? ' With a session cookie, send the x-csrf-token header.' : ''}`,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: z.toJSONSchema(route.body, { io: 'input', unrepresentable: 'any' }),
                },
              },
            },
          }
        : {}),
      responses: {
        default: {
          description: 'Errors are `{ "error": { "code": "QUARRY_…", "message": "…" } }`.',
        },
      },
      ...(route.access === 'public' ? { security: [] } : {}),
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Quarry',
      version: '0.1.0',
      description: 'Datasources, queries, runs and views over HTTP.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'quarry_session' },
        token: { type: 'http', scheme: 'bearer', description: 'An API token (qk_…) from POST /api/tokens.' },
      },
    },
    security: [{ session: [] }, { token: [] }],
    paths,
  }
}
