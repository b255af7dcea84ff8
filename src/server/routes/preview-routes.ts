import { z } from 'zod'
import { columnsOf, type Row } from '../../render/index.js'
import { parseBody, type RouteDef } from '../route.js'

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
        metadata: { query: body.query, parameters: body.params, page: 0 },
      })
      const rows = JSON.parse(result.rowsJson) as Row[]
      return { rows, columns: columnsOf(rows) }
    },
  },
]
