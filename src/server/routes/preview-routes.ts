import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { converterMetadata } from '../../convert/index.js'
import { TemplateSchema } from '../../domain/query.js'
import { velocityLibrary } from '../../engine/index.js'
import { renderViewPage } from '../../render/view-page.js'
import { columnsOf, type Row } from '../../render/index.js'
import { parseBody, type RouteDef } from '../route.js'
import { ConverterPreviewReply, json, TemplatePreviewReply } from '../replies.js'
import { VIEW_ASSETS } from './view-routes.js'

const TemplatePreviewBody = z.object({
  template: TemplateSchema,
  rows: z.array(z.record(z.string(), z.unknown())).max(10_000),
})

const ConverterPreviewBody = z.object({
  converter: z.string().min(1),
  json: z.string(),
  query: z.string().default('preview'),
  params: z.record(z.string(), z.string()).default({}),
})

/** Live previews for the editors: a converter over a sample response, in the same sandbox as a run. */
export const previewRoutes: RouteDef[] = [
  {
    method: 'POST',
    url: '/api/preview/converter',
    operationId: 'previewConverter',
    reply: json(ConverterPreviewReply),
    access: 'editor',
    tag: 'preview',
    summary:
      'Runs a converter over a response text in the sandbox; answers rows, or the error with its line.',
    body: ConverterPreviewBody,
    handler: async (request, _reply, ctx) => {
      const body = parseBody(ConverterPreviewBody, request.body)
      const result = await ctx.converters.run({
        source: body.converter,
        pages: [body.json],
        metadata: converterMetadata(body.query, body.params),
      })
      const rows = JSON.parse(result.rowsJson) as Row[]
      return { rows, columns: columnsOf(rows) }
    },
  },
  {
    method: 'POST',
    url: '/api/preview/template',
    operationId: 'previewTemplate',
    reply: json(TemplatePreviewReply),
    access: 'editor',
    tag: 'preview',
    summary:
      'Renders a template (table, Liquid, chart, Vega-Lite, Velocity) over rows as a view would; answers the HTML document.',
    body: TemplatePreviewBody,
    handler: async (request, _reply, ctx) => {
      const body = parseBody(TemplatePreviewBody, request.body)
      const html = await renderViewPage({
        query: 'preview',
        params: [],
        values: {},
        rows: body.rows,
        template: body.template,
        now: ctx.now(),
        fetchedAt: ctx.now(),
        nonce: randomBytes(16).toString('base64url'),
        embed: true,
        urls: { self: '/', refresh: '/', downloads: [] },
        assets: VIEW_ASSETS,
        sandbox: ctx.converters,
        templates: velocityLibrary(ctx.store),
      })
      return { html }
    },
  },
]
