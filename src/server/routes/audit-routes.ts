import { z } from 'zod'
import type { AuditFilter, VersionedKind } from '../../domain/audit.js'
import { AuditFilterSchema } from '../../domain/audit-schemas.js'
import { describeIssues } from '../../domain/field-issues.js'
import { diffObjectVersions, listVersions, revertObject } from '../../store/index.js'
import type { FastifyRequest } from 'fastify'
import { param, parseBody, type RouteDef } from '../route.js'
import { startedStream } from '../started-stream.js'
import { AuditListReply, json, text, VersionDiffReply, VersionListReply, VersionReply } from '../replies.js'

/**
 * The audit log and the versions (issue 19). Admins read the audit log: it names every user, token
 * and datasource, which only admins otherwise see. Editors — who edit queries, converters and
 * templates — list, diff and revert their versions; viewers do not (an old version may hold what a
 * viewer is not shown: a converter's source, a query's path).
 */

function auditFilter(request: FastifyRequest): AuditFilter {
  const raw = request.query ?? {}
  const parsed = AuditFilterSchema.safeParse(raw)
  if (!parsed.success) throw describeIssues(parsed.error, 'audit filter', raw)
  return parsed.data
}

const VersionNumber = z.coerce.number().int().min(1)
const DiffQuery = z.object({ from: VersionNumber, to: VersionNumber })
const RevertBody = z.object({ version: z.number().int().min(1) })

const VERSIONED: readonly { kind: VersionedKind; path: string; tag: string; noun: string }[] = [
  { kind: 'query', path: '/api/queries', tag: 'queries', noun: 'Query' },
  { kind: 'converter', path: '/api/converters', tag: 'converters', noun: 'Converter' },
  { kind: 'template', path: '/api/templates', tag: 'templates', noun: 'Template' },
]

function versionRoutes({ kind, path, tag, noun }: (typeof VERSIONED)[number]): RouteDef[] {
  return [
    {
      method: 'GET',
      url: `${path}/:name/versions`,
      operationId: `list${noun}Versions`,
      reply: json(VersionListReply),
      access: 'editor',
      tag,
      summary: `Every saved version of a ${kind}, newest first: number, who, when and the whole definition.`,
      handler: (request, _reply, ctx) => listVersions(ctx.store, kind, param(request, 'name')),
    },
    {
      method: 'GET',
      url: `${path}/:name/diff`,
      operationId: `diff${noun}Versions`,
      reply: json(VersionDiffReply),
      access: 'editor',
      tag,
      summary: `A unified diff between two versions of a ${kind} (?from=1&to=2).`,
      handler: (request, _reply, ctx) => {
        const raw = request.query ?? {}
        const parsed = DiffQuery.safeParse(raw)
        if (!parsed.success) throw describeIssues(parsed.error, 'the versions to compare', raw)
        return diffObjectVersions(ctx.store, kind, param(request, 'name'), parsed.data.from, parsed.data.to)
      },
    },
    {
      method: 'POST',
      url: `${path}/:name/revert`,
      operationId: `revert${noun}`,
      reply: json(VersionReply),
      access: 'editor',
      tag,
      summary: `Saves an earlier version of a ${kind} again, as its newest version (recorded in the audit log as a revert).`,
      body: RevertBody,
      handler: async (request, _reply, ctx) => {
        const body = parseBody(RevertBody, request.body)
        const { version, affected } = await revertObject(
          ctx.store,
          kind,
          param(request, 'name'),
          body.version,
        )
        for (const query of affected) ctx.views.forget(query)
        return version
      },
    },
  ]
}

export const auditRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/audit',
    operationId: 'listAuditEntries',
    reply: json(AuditListReply),
    access: 'admin',
    tag: 'audit',
    summary:
      'The audit log, newest first; filters ?actor=NAME&kind=KIND&object=NAME&since=ISO&until=ISO&limit=N (default 200).',
    handler: (request, _reply, ctx) => ctx.store.audit.list(auditFilter(request)),
  },
  {
    method: 'GET',
    url: '/api/audit/export',
    operationId: 'exportAuditLog',
    reply: text('application/x-ndjson', 'Every matching audit entry, oldest first, one JSON object a line.'),
    access: 'admin',
    tag: 'audit',
    summary: 'The audit log as NDJSON, streamed oldest first; the same filters as the list, without a limit.',
    handler: async (request, reply, ctx) => {
      const { limit: _limit, ...filter } = auditFilter(request)
      async function* lines(): AsyncIterable<string> {
        for await (const entry of ctx.store.audit.stream(filter)) yield `${JSON.stringify(entry)}\n`
      }
      // The first entry read before the answer starts: a store that cannot be read is its coded error.
      const body = await startedStream(lines()[Symbol.asyncIterator]())
      return reply
        .type('application/x-ndjson')
        .header('content-disposition', 'attachment; filename="quarry-audit.ndjson"')
        .header('x-content-type-options', 'nosniff')
        .send(body)
    },
  },
  ...VERSIONED.flatMap(versionRoutes),
]
