import type { FastifyRequest } from 'fastify'
import { z } from 'zod'
import { QuarryError } from '../../domain/errors.js'
import type { Query } from '../../domain/query.js'
import { SnapshotRetentionSchema, describeRetention } from '../../domain/snapshot.js'
import {
  compareSnapshots,
  findSnapshot,
  loadQuery,
  loadSavedQuery,
  pruneSnapshots,
  retentionOf,
  runQuery,
  snapshotQuery,
  snapshotRowsJson,
  snapshotSummary,
  takeSnapshot,
} from '../../engine/index.js'
import type { SnapshotInfo, Store } from '../../store/index.js'
import { seesByRole, type Principal } from '../auth/access.js'
import { param, parseBody, principalOf, type RouteDef } from '../route.js'
import {
  json,
  NO_CONTENT,
  SnapshotDiffReply,
  SnapshotListReply,
  SnapshotReply,
  SnapshotRetentionReply,
  SnapshotTakenReply,
} from '../replies.js'
import { engineDeps, RunBody } from './query-routes.js'

/** Everyone, but nobody learns which snapshots or queries exist that they may not see. */
function hidden(name: string): QuarryError {
  return new QuarryError('QUARRY_QUERY_NOT_FOUND', `No query named "${name}" is shown to you.`)
}

/** Who may see a snapshot: whoever the query as it was then showed it to, by role (its visibility copied in). */
function seesSnapshot(principal: Principal, snapshot: SnapshotInfo): boolean {
  const query = snapshotQuery(snapshot)
  if (query === undefined) return principal.user.role === 'admin' || principal.user.role === 'editor'
  return seesByRole(principal, query)
}

/**
 * The caller's view of a query's snapshots (issue 16). A query's snapshots are shown to those who see
 * the query by their role, not to someone who sees it only because it is public: a snapshot holds
 * the rows of parameter values visitors may not set. A snapshot must also be one its own copy of the
 * query shows them, so tightening a query hides its older snapshots too, and the snapshots of a
 * deleted query stay visible to those it was shown to.
 */
export async function snapshotFilter(
  store: Store,
  name: string,
  principal: Principal,
): Promise<(snapshot: SnapshotInfo) => boolean> {
  const current: Query | undefined = (await store.queries.get(name))
    ? await loadSavedQuery(store, name)
    : undefined
  if (current !== undefined && !seesByRole(principal, current)) throw hidden(name)
  return (snapshot) => seesSnapshot(principal, snapshot)
}

/** The snapshot a reference names, if the caller may see it. */
export async function visibleSnapshot(
  store: Store,
  name: string,
  ref: string,
  principal: Principal,
): Promise<SnapshotInfo> {
  const sees = await snapshotFilter(store, name, principal)
  const snapshot = await findSnapshot(store, name, ref)
  if (!sees(snapshot)) throw hidden(name)
  return snapshot
}

async function retentionView(store: Store, name: string) {
  const own = await store.snapshots.retention(name)
  const rule = own ?? (await retentionOf(store, name))
  return { rule: { ...rule }, own: own !== undefined, description: describeRetention(rule) }
}

const DiffQuery = z.object({
  from: z.string().min(1),
  to: z.string().min(1),
  key: z.string().min(1).optional(),
})

const RetentionBody = z.object({
  /** The query's own rule; null forgets it (the default applies). */
  rule: SnapshotRetentionSchema.nullable(),
})

function byName(request: FastifyRequest): string {
  return param(request, 'name')
}

/** Snapshots of queries: viewers see those of the queries they see; editors take and remove them. */
export const snapshotRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/api/queries/:name/snapshots',
    operationId: 'listSnapshots',
    reply: json(SnapshotListReply),
    access: 'signed-in',
    tag: 'snapshots',
    summary: "A query's snapshots, newest first (no rows), and the retention rule they are kept by.",
    handler: async (request, _reply, ctx) => {
      const name = byName(request)
      const principal = principalOf(request)
      const sees = await snapshotFilter(ctx.store, name, principal)
      const all = await ctx.store.snapshots.list(name)
      const shown = all.filter(sees)
      // A deleted query with no snapshot shown to the caller is as unknown as any missing name.
      if (shown.length === 0 && (await ctx.store.queries.get(name)) === undefined) throw hidden(name)
      return {
        query: name,
        retention: await retentionView(ctx.store, name),
        snapshots: shown.map(snapshotSummary),
      }
    },
  },
  {
    method: 'POST',
    url: '/api/queries/:name/snapshots',
    operationId: 'takeSnapshot',
    reply: json(SnapshotTakenReply, 201),
    rateLimit: 'api',
    access: 'editor',
    tag: 'snapshots',
    summary:
      "Runs the query with parameters and keeps its rows as a snapshot; applies the query's retention rule.",
    body: RunBody,
    handler: async (request, reply, ctx) => {
      const body = parseBody(RunBody, request.body)
      const principal = principalOf(request)
      const loaded = await loadQuery(ctx.store, byName(request))
      const result = await runQuery(engineDeps(ctx), {
        query: loaded,
        params: body.params,
        refresh: body.refresh,
      })
      const { snapshot, pruned } = await takeSnapshot(ctx.store, {
        query: loaded.query,
        params: body.params,
        result,
        by: principal.user.name,
        now: ctx.now(),
      })
      // The view page lists the query's snapshots: a cached page would miss this one.
      ctx.views.forget(loaded.query.name)
      reply.status(201)
      return { snapshot: snapshotSummary(snapshot), pruned }
    },
  },
  {
    method: 'GET',
    url: '/api/queries/:name/snapshots/:snapshot',
    operationId: 'getSnapshot',
    reply: json(SnapshotReply),
    access: 'signed-in',
    tag: 'snapshots',
    summary:
      'One snapshot with its rows and the query as it ran; `:snapshot` is an id, `latest`, a day (the newest taken on or before it) or a time.',
    handler: async (request, _reply, ctx) => {
      const name = byName(request)
      const snapshot = await visibleSnapshot(
        ctx.store,
        name,
        param(request, 'snapshot'),
        principalOf(request),
      )
      const rows = JSON.parse(await snapshotRowsJson(ctx.store, snapshot)) as unknown[]
      return { ...snapshotSummary(snapshot), definition: snapshot.definition, rows }
    },
  },
  {
    method: 'DELETE',
    url: '/api/queries/:name/snapshots/:snapshot',
    operationId: 'removeSnapshot',
    reply: NO_CONTENT,
    access: 'editor',
    tag: 'snapshots',
    summary: 'Removes one snapshot.',
    handler: async (request, reply, ctx) => {
      const name = byName(request)
      const snapshot = await findSnapshot(ctx.store, name, param(request, 'snapshot'))
      await ctx.store.snapshots.remove(name, snapshot.id)
      ctx.views.forget(name)
      reply.status(204)
      return null
    },
  },
  {
    method: 'GET',
    url: '/api/queries/:name/snapshot-diff',
    operationId: 'diffSnapshots',
    reply: json(SnapshotDiffReply),
    access: 'signed-in',
    tag: 'snapshots',
    summary:
      'Rows added, removed and changed from one snapshot (`?from=`) to another (`?to=`), matched by `?key=` (default: the first column).',
    handler: async (request, _reply, ctx) => {
      const name = byName(request)
      const parsed = DiffQuery.safeParse(request.query)
      if (!parsed.success) {
        throw new QuarryError(
          'QUARRY_CONFIG_INVALID',
          'Give the snapshots to compare as ?from=…&to=… (an id, latest, a day or a time), and ?key=COLUMN if not the first column.',
        )
      }
      const principal = principalOf(request)
      const { from, to, key } = parsed.data
      // Both must be shown to the caller before anything of them is compared.
      await visibleSnapshot(ctx.store, name, from, principal)
      await visibleSnapshot(ctx.store, name, to, principal)
      const comparison = await compareSnapshots(ctx.store, name, from, to, key)
      return {
        from: snapshotSummary(comparison.from),
        to: snapshotSummary(comparison.to),
        ...comparison.diff,
      }
    },
  },
  {
    method: 'PUT',
    url: '/api/queries/:name/snapshot-retention',
    operationId: 'setSnapshotRetention',
    reply: json(SnapshotRetentionReply),
    access: 'editor',
    tag: 'snapshots',
    summary:
      "Sets how many of the query's snapshots are kept (`keepLast`, `maxAgeSeconds`; null: no such limit), or `rule: null` for the default; applies it at once.",
    body: RetentionBody,
    handler: async (request, _reply, ctx) => {
      const name = byName(request)
      const { rule } = parseBody(RetentionBody, request.body)
      await loadSavedQuery(ctx.store, name)
      await ctx.store.snapshots.setRetention(name, rule ?? undefined)
      const pruned = await pruneSnapshots(ctx.store, name, ctx.now())
      if (pruned > 0) ctx.views.forget(name)
      return { ...(await retentionView(ctx.store, name)), pruned }
    },
  },
]
