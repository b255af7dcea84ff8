import { z } from 'zod'
import { exportDocument, importDocument, MIN_PASSPHRASE_LENGTH } from '../../config-transfer.js'
import { QuarryError } from '../../domain/errors.js'
import { API_WORDS } from '../../domain/surface-words.js'
import type { PqImportResponse } from '../../domain/pq-import-report.js'
import { applyPqImport, formatPqPlan, planPqImport } from '../../pocketquery/pq-import.js'
import { parseBody, type RouteDef } from '../route.js'
import { ConfigDocumentReply, ImportOutcomeReply, json, PocketQueryImportReply } from '../replies.js'

const ExportBody = z.object({ passphrase: z.string().min(MIN_PASSPHRASE_LENGTH) })
const ImportBody = z.object({
  document: z.unknown(),
  passphrase: z.string().optional(),
  replace: z.boolean().default(false),
})

const PocketQueryBody = z.object({
  /** The export file's text: JSON (Cloud) or XML (Server/Data Center). */
  text: z
    .string()
    .min(1)
    .max(20 * 1024 * 1024),
  dryRun: z.boolean().default(false),
  replace: z.boolean().default(false),
})

/** The whole configuration as one document, as `quarry export`/`import` do: admins only. */
export const transferRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/export',
    operationId: 'exportConfiguration',
    reply: json(ConfigDocumentReply),
    access: 'admin',
    tag: 'configuration',
    summary: 'Every datasource and query as one document, without secrets.',
    handler: async (_request, _reply, ctx) => exportDocument(ctx.store),
  },
  {
    method: 'POST',
    url: '/api/export',
    operationId: 'exportConfigurationWithSecrets',
    reply: json(ConfigDocumentReply),
    access: 'admin',
    tag: 'configuration',
    summary: 'The same document with secrets and connections, encrypted with the passphrase given.',
    body: ExportBody,
    handler: async (request, _reply, ctx) =>
      exportDocument(ctx.store, parseBody(ExportBody, request.body).passphrase),
  },
  {
    method: 'POST',
    url: '/api/import',
    operationId: 'importConfiguration',
    reply: json(ImportOutcomeReply),
    access: 'admin',
    tag: 'configuration',
    summary: 'Imports a document; checks everything first and changes nothing when anything is wrong.',
    body: ImportBody,
    handler: async (request, _reply, ctx) => {
      const body = parseBody(ImportBody, request.body)
      const outcome = await importDocument(ctx.store, body.document, {
        replace: body.replace,
        words: API_WORDS,
        where: 'in the request',
        askPassphrase: () => {
          if (body.passphrase === undefined) {
            throw new QuarryError(
              'QUARRY_CONFIG_INVALID',
              'This document holds encrypted secrets: send its passphrase.',
            )
          }
          return body.passphrase
        },
      })
      ctx.views.forget()
      return outcome
    },
  },
  {
    method: 'POST',
    url: '/api/import/pocketquery',
    operationId: 'importPocketQuery',
    reply: json(PocketQueryImportReply),
    access: 'admin',
    tag: 'configuration',
    summary:
      'Imports a PocketQuery export (JSON or XML) as `quarry import --from pocketquery` does; with dryRun, only says what it would do.',
    body: PocketQueryBody,
    handler: async (request, _reply, ctx) => {
      const body = parseBody(PocketQueryBody, request.body)
      const plan = await planPqImport(ctx.store, body.text, {
        where: 'the uploaded file',
        replace: body.replace,
        words: API_WORDS,
      })
      if (!body.dryRun) {
        await applyPqImport(ctx.store, plan)
        ctx.views.forget()
      }
      const answer: PqImportResponse = {
        imported: !body.dryRun,
        entries: plan.entries,
        notices: plan.notices,
        report: formatPqPlan(plan, body.dryRun),
      }
      return answer
    },
  },
]
