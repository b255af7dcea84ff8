import { z } from 'zod'
import { embedOrigins, MAX_EMBED_ORIGINS, type EmbeddingSettings } from '../../domain/embed-origins.js'
import type { ServerContext } from '../context.js'
import { saveEmbedOrigins, storedEmbedOrigins } from '../embed-origins.js'
import { parseBody, type RouteDef } from '../route.js'
import { EmbeddingSettingsReply, json } from '../replies.js'

const EmbeddingBody = z.object({
  origins: z.array(z.string().max(300)).max(MAX_EMBED_ORIGINS * 2),
})

async function embedding(ctx: ServerContext): Promise<EmbeddingSettings> {
  return { origins: await storedEmbedOrigins(ctx), serverOrigins: ctx.options.frameAncestors }
}

/** Settings an admin changes while the server runs: which sites may embed views. */
export const settingsRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/settings/embedding',
    operationId: 'getEmbeddingSettings',
    reply: json(EmbeddingSettingsReply),
    access: 'admin',
    tag: 'settings',
    summary:
      'The origins allowed to embed views: those listed here (stored) and the --frame-ancestor flag’s.',
    handler: (_request, _reply, ctx) => embedding(ctx),
  },
  {
    method: 'PUT',
    url: '/api/settings/embedding',
    operationId: 'replaceEmbeddingSettings',
    reply: json(EmbeddingSettingsReply),
    access: 'admin',
    tag: 'settings',
    summary:
      'Replaces the stored list of origins allowed to embed views (http(s) origins, or https://*.domain); in force at once, no restart.',
    body: EmbeddingBody,
    handler: async (request, _reply, ctx) => {
      const body = parseBody(EmbeddingBody, request.body)
      await saveEmbedOrigins(ctx, embedOrigins(body.origins))
      return embedding(ctx)
    },
  },
]
