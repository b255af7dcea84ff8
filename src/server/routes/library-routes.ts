import type { z } from 'zod'
import { NamedConverterSchema, NamedTemplateSchema } from '../../domain/library.js'
import { templateFromContent } from '../../engine/index.js'
import { libraryNotFound, type LibraryRepo, type StoredLibraryItem } from '../../store/index.js'
import type { ServerContext } from '../context.js'
import { param, parseBody, type RouteDef } from '../route.js'
import {
  json,
  NamedConverterListReply,
  NamedConverterReply,
  NamedTemplateListReply,
  NamedTemplateReply,
  NO_CONTENT,
  type NamedSchema,
} from '../replies.js'

/**
 * The converter and template libraries (issue 13): named converters and templates that queries use
 * by name. Editors and admins manage them; viewers never see them (a converter's source may name
 * hosts, fields and habits of the data behind a query). An edit drops the rendered views of every query
 * that uses it, in this process at once (other processes within the view cache's revalidation window);
 * a converter is part of the result cache's key, so results cached before the edit are not used again.
 */

interface LibraryKind<Body extends z.ZodType> {
  readonly path: string
  readonly tag: string
  readonly noun: string
  readonly plural: string
  readonly repo: (ctx: ServerContext) => LibraryRepo
  readonly body: Body
  readonly content: (body: z.infer<Body>) => string
  readonly entry: (stored: StoredLibraryItem) => object
  readonly one: NamedSchema
  readonly list: NamedSchema
}

function entryFields(stored: StoredLibraryItem) {
  return {
    name: stored.name,
    description: stored.description,
    updatedAt: stored.updatedAt.toISOString(),
    usedBy: [...stored.usedBy],
  }
}

/** A named converter as the API answers it. */
export function converterEntry(stored: StoredLibraryItem) {
  return { ...entryFields(stored), source: stored.content }
}

/** A named template as the API answers it. */
export function templateEntry(stored: StoredLibraryItem) {
  return { ...entryFields(stored), template: templateFromContent(stored.content, stored.name) }
}

const CONVERTERS: LibraryKind<typeof NamedConverterSchema> = {
  path: '/api/converters',
  tag: 'converters',
  noun: 'Converter',
  plural: 'Converters',
  repo: (ctx) => ctx.store.converters,
  body: NamedConverterSchema,
  content: (body) => body.source,
  entry: converterEntry,
  one: NamedConverterReply,
  list: NamedConverterListReply,
}

const TEMPLATES: LibraryKind<typeof NamedTemplateSchema> = {
  path: '/api/templates',
  tag: 'templates',
  noun: 'Template',
  plural: 'Templates',
  repo: (ctx) => ctx.store.templates,
  body: NamedTemplateSchema,
  content: (body) => JSON.stringify(body.template),
  entry: templateEntry,
  one: NamedTemplateReply,
  list: NamedTemplateListReply,
}

/** Drops the rendered views of the queries that use an entry: they show the edit on their next view. */
function forgetViewsOf(ctx: ServerContext, stored: StoredLibraryItem): void {
  for (const query of stored.usedBy) ctx.views.forget(query)
}

function routesOf<Body extends z.ZodType>(kind: LibraryKind<Body>): RouteDef[] {
  const { path, tag, noun, plural } = kind
  const word = noun.toLowerCase()
  return [
    {
      method: 'GET',
      url: path,
      operationId: `list${plural}`,
      reply: json(kind.list),
      access: 'editor',
      tag,
      summary: `The named ${word}s, each with the queries that use it.`,
      handler: async (_request, _reply, ctx) => (await kind.repo(ctx).list()).map(kind.entry),
    },
    {
      method: 'GET',
      url: `${path}/:name`,
      operationId: `get${noun}`,
      reply: json(kind.one),
      access: 'editor',
      tag,
      summary: `One named ${word}, with the queries that use it.`,
      handler: async (request, _reply, ctx) => {
        const name = param(request, 'name')
        const repo = kind.repo(ctx)
        const stored = await repo.get(name)
        if (stored === undefined) throw libraryNotFound(repo.kind, name)
        return kind.entry(stored)
      },
    },
    {
      method: 'POST',
      url: path,
      operationId: `create${noun}`,
      reply: json(kind.one, 201),
      access: 'editor',
      tag,
      summary: `Creates a named ${word}.`,
      body: kind.body,
      handler: async (request, reply, ctx) => {
        const body = parseBody(kind.body, request.body) as z.infer<Body> & {
          name: string
          description?: string
        }
        const stored = await kind.repo(ctx).create({
          name: body.name,
          description: body.description ?? null,
          content: kind.content(body),
        })
        reply.status(201)
        return kind.entry(stored)
      },
    },
    {
      method: 'PUT',
      url: `${path}/:name`,
      operationId: `replace${noun}`,
      reply: json(kind.one),
      access: 'editor',
      tag,
      summary: `Replaces a named ${word} (a new name renames it; the queries that use it follow). Every query using it changes.`,
      body: kind.body,
      handler: async (request, _reply, ctx) => {
        const body = parseBody(kind.body, request.body) as z.infer<Body> & {
          name: string
          description?: string
        }
        const stored = await kind.repo(ctx).update(param(request, 'name'), {
          name: body.name,
          description: body.description ?? null,
          content: kind.content(body),
        })
        forgetViewsOf(ctx, stored)
        return kind.entry(stored)
      },
    },
    {
      method: 'DELETE',
      url: `${path}/:name`,
      operationId: `delete${noun}`,
      reply: NO_CONTENT,
      access: 'editor',
      tag,
      summary: `Removes a named ${word}; refused while queries use it (the error names them).`,
      handler: async (request, reply, ctx) => {
        await kind.repo(ctx).remove(param(request, 'name'))
        reply.status(204)
        return null
      },
    },
  ]
}

/** The converter library's and the template library's routes. */
export const libraryRoutes: RouteDef[] = [...routesOf(CONVERTERS), ...routesOf(TEMPLATES)]
