import { existsSync, statSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { QuarryError } from '../../domain/errors.js'
import { packageRoot } from '../../domain/package-root.js'
import type { ServerContext } from '../context.js'
import { metricsOf } from '../metrics.js'
import { openApiDocument } from '../openapi.js'
import { HealthReply, json, OpenApiDocumentReply, redirect, text } from '../replies.js'
import type { RouteDef } from '../route.js'

/** The admin UI's build (Vite) in dist/web, when present (whether the server runs compiled or from src). */
export function webDir(): string | undefined {
  const dir = join(packageRoot(), 'dist', 'web')
  return existsSync(join(dir, 'index.html')) ? dir : undefined
}

/** A file of the build the path names, or undefined (a path outside the build is never one). */
function builtFile(root: string, path: string): string | undefined {
  const base = resolve(root)
  const file = resolve(base, path)
  if (!file.startsWith(base + sep)) return undefined
  return existsSync(file) && statSync(file).isFile() ? relative(base, file) : undefined
}

/**
 * The admin UI: a file of its build, or its index.html for any other path under /admin (the UI
 * routes in the browser). Without a build (`npm run build`), nothing is there.
 */
async function adminUi(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const root = webDir()
  if (root === undefined) {
    throw new QuarryError(
      'QUARRY_NOT_FOUND',
      `Nothing at ${request.method} ${request.url.split('?')[0]}: the admin UI is not built (npm run build).`,
    )
  }
  const path = (request.params as Record<string, string | undefined>)['*'] ?? ''
  return reply.sendFile(builtFile(root, path) ?? 'index.html', root)
}

/** Built on first request per server: the public URL is known only once the server listens. */
const documents = new WeakMap<ServerContext, object>()

/** The routes around the API: health, the API's own description, the admin UI and the root. */
export function siteRoutes(routes: () => readonly RouteDef[]): RouteDef[] {
  return [
    {
      method: 'GET',
      url: '/healthz',
      operationId: 'getHealth',
      reply: json(HealthReply),
      access: 'public',
      tag: 'site',
      summary: 'Whether the server is up and reaches its store (for load balancers and monitors).',
      handler: async (_request, _reply, ctx) => {
        await ctx.store.accounts.countUsers()
        return { status: 'ok' }
      },
    },
    {
      method: 'GET',
      url: '/metrics',
      operationId: 'getMetrics',
      reply: text('text/plain', 'The Prometheus text exposition format (version 0.0.4).'),
      // Admins: a signed-in admin, or an API token of admin scope in Prometheus's bearer_token.
      access: 'admin',
      tag: 'site',
      summary:
        'Counters for Prometheus: HTTP requests by route, upstream requests by datasource, token refreshes, cache, converters.',
      handler: async (_request, reply, ctx) => {
        const { registry } = metricsOf(ctx)
        const body = await registry.metrics()
        return reply.type(registry.contentType).send(body)
      },
    },
    {
      method: 'GET',
      url: '/api/docs',
      operationId: 'getApiDocument',
      reply: json(OpenApiDocumentReply),
      access: 'public',
      tag: 'site',
      summary: 'This document: the OpenAPI 3.1 description of the server, built from its route table.',
      handler: async (_request, _reply, ctx) => {
        let document = documents.get(ctx)
        if (document === undefined) {
          document = openApiDocument(routes(), ctx.options.publicUrl)
          documents.set(ctx, document)
        }
        return document
      },
    },
    {
      method: 'GET',
      url: '/admin',
      operationId: 'getAdminUi',
      reply: text('text/html', 'The admin UI (a single-page app).'),
      access: 'public',
      tag: 'site',
      summary: 'The admin UI; it signs in through the API.',
      handler: adminUi,
    },
    {
      method: 'GET',
      url: '/admin/*',
      operationId: 'getAdminUiFile',
      reply: text('text/html', 'A file of the admin UI, or its page for any other path.'),
      access: 'public',
      tag: 'site',
      summary: 'A file of the admin UI (scripts, styles), or the UI itself for the paths it shows.',
      handler: adminUi,
    },
    {
      method: 'GET',
      url: '/',
      operationId: 'getRoot',
      reply: redirect('To the admin UI (/admin/).'),
      access: 'public',
      tag: 'site',
      summary: 'Sends the browser to the admin UI.',
      handler: async (_request, reply) => reply.redirect('/admin/'),
    },
  ]
}
