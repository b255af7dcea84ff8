import { QuarryError } from '../domain/errors.js'
import { QuerySchema, type Query } from '../domain/query.js'
import {
  DEFAULT_SNAPSHOT_RETENTION,
  SNAPSHOT_MAX_BYTES,
  parseSnapshotRef,
  type SnapshotRef,
} from '../domain/snapshot.js'
import { columnsOf, type Row } from '../render/index.js'
import type { SnapshotInfo, SnapshotRetention, Store } from '../store/index.js'
import type { SnapshotSummary } from '../domain/snapshot.js'
import type { RunResult } from './result.js'
import { diffRows, type RowDiff } from './snapshot-diff.js'

/** What takeSnapshot freezes: a run's result, and what it ran with. */
export interface TakeSnapshotRequest {
  /** The query as it ran (loadQuery's: a named converter and template filled in), copied into the snapshot. */
  readonly query: Query
  readonly params: Readonly<Record<string, string>>
  /** The run's result with its rows (`rowsJson`): not one that streamed its rows away. */
  readonly result: RunResult
  /** Who takes it: a user's name, `cli`, or a schedule's own words (`schedule:NAME`). */
  readonly by: string
  /** Default: now. */
  readonly now?: Date
  /** Default: SNAPSHOT_MAX_BYTES. */
  readonly maxBytes?: number
}

/** A taken snapshot, and how many older ones the query's retention rule removed right after. */
export interface TakenSnapshot {
  readonly snapshot: SnapshotInfo
  readonly pruned: number
}

/**
 * Freezes a run's rows as a snapshot of its query (issue 16), then applies the query's retention
 * rule. The CLI (`quarry snapshot take`), the API and a schedule all call this with a result they
 * ran; the snapshot keeps a copy of the query as it ran, so it outlives edits of the query and
 * deletes of the converter or template it used.
 *
 * A result larger than `maxBytes` (its rows' JSON text) is refused with QUARRY_SNAPSHOT_TOO_LARGE
 * before anything is stored.
 *
 * @example
 * const loaded = await loadQuery(store, 'open-bugs')
 * const result = await runQuery(deps, { query: loaded, params })
 * await takeSnapshot(store, { query: loaded.query, params, result, by: 'schedule:nightly' })
 */
export async function takeSnapshot(store: Store, request: TakeSnapshotRequest): Promise<TakenSnapshot> {
  const { query, params, result, by } = request
  const now = request.now ?? new Date()
  const maxBytes = request.maxBytes ?? SNAPSHOT_MAX_BYTES
  if (result.rowsJson === '' && result.rowCount > 0) {
    // A caller's bug, not a user's: the rows went to onRows and were not kept.
    throw new TypeError('takeSnapshot needs a result that kept its rows (run without onRows)')
  }
  const rowsJson = result.rowsJson === '' ? '[]' : result.rowsJson
  const bytes = Buffer.byteLength(rowsJson)
  if (bytes > maxBytes) {
    throw new QuarryError(
      'QUARRY_SNAPSHOT_TOO_LARGE',
      `The result of "${query.name}" is ${megabytes(bytes)} as JSON; a snapshot takes at most ` +
        `${megabytes(maxBytes)}. Narrow the query (parameters, fields, a page cap) and take it again.`,
    )
  }
  const rows = JSON.parse(rowsJson) as Row[]
  const snapshot = await store.snapshots.create({
    query: query.name,
    takenAt: now,
    takenBy: by,
    params,
    definition: query,
    fetchedAt: result.fetchedAt,
    notices: result.notices,
    columns: columnsOf(rows),
    rowCount: rows.length,
    rowsJson,
  })
  const pruned = await pruneSnapshots(store, query.name, now)
  return { snapshot, pruned }
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
}

/**
 * The rule a query's snapshots are kept by: its own, else DEFAULT_SNAPSHOT_RETENTION.
 *
 * @example (await retentionOf(store, 'open-bugs')).keepLast // 100
 */
export async function retentionOf(store: Store, query: string): Promise<SnapshotRetention> {
  return (await store.snapshots.retention(query)) ?? DEFAULT_SNAPSHOT_RETENTION
}

/** Applies the query's retention rule now; returns how many snapshots it removed. */
export async function pruneSnapshots(store: Store, query: string, now: Date = new Date()): Promise<number> {
  return store.snapshots.prune(query, await retentionOf(store, query), now)
}

/**
 * Applies every query's retention rule (the server's maintenance tick): a rule with a maximum age
 * removes snapshots as they age, even when no new one is taken.
 */
export async function pruneAllSnapshots(store: Store, now: Date = new Date()): Promise<number> {
  let removed = 0
  for (const query of await store.snapshots.queries()) removed += await pruneSnapshots(store, query, now)
  return removed
}

/**
 * The snapshot a reference names (an id, `latest`, a day or a time: parseSnapshotRef), or
 * QUARRY_SNAPSHOT_NOT_FOUND saying how to list the query's snapshots.
 *
 * @example (await findSnapshot(store, 'open-bugs', '2026-12-01')).takenAt // the day's last, or an earlier one
 */
export async function findSnapshot(store: Store, query: string, text: string): Promise<SnapshotInfo> {
  const ref = parseSnapshotRef(text)
  if (ref === undefined) {
    throw new QuarryError(
      'QUARRY_SNAPSHOT_NOT_FOUND',
      `"${text}" names no snapshot: give a snapshot id (12 hex digits), latest, a day (2026-12-01) ` +
        `or a time (2026-12-01T09:00:00Z). List them with: quarry snapshot list ${query}`,
    )
  }
  const found = await lookUp(store, query, ref)
  if (found === undefined) {
    const what =
      ref.kind === 'id'
        ? `no snapshot ${ref.id}`
        : ref.kind === 'latest'
          ? 'no snapshots'
          : `no snapshot taken on or before ${text}`
    throw new QuarryError(
      'QUARRY_SNAPSHOT_NOT_FOUND',
      `The query "${query}" has ${what}. List them with: quarry snapshot list ${query}`,
    )
  }
  return found
}

/** Later than any snapshot, and still four-digit years: SQLite compares times as ISO text. */
const END_OF_TIME = new Date('9999-12-31T23:59:59.999Z')

function lookUp(store: Store, query: string, ref: SnapshotRef): Promise<SnapshotInfo | undefined> {
  if (ref.kind === 'id') return store.snapshots.get(query, ref.id)
  return store.snapshots.latestAtOrBefore(query, ref.kind === 'at' ? ref.at : END_OF_TIME)
}

/** A snapshot's rows as one JSON array text; QUARRY_SNAPSHOT_NOT_FOUND when it was removed meanwhile. */
export async function snapshotRowsJson(store: Store, snapshot: SnapshotInfo): Promise<string> {
  const text = await store.snapshots.rowsJson(snapshot.query, snapshot.id)
  if (text === undefined) {
    throw new QuarryError(
      'QUARRY_SNAPSHOT_NOT_FOUND',
      `The snapshot ${snapshot.id} of "${snapshot.query}" was removed (by its retention rule or by hand).`,
    )
  }
  return text
}

/** Two snapshots of a query compared, and the snapshots themselves. */
export interface SnapshotComparison {
  readonly from: SnapshotInfo
  readonly to: SnapshotInfo
  readonly diff: RowDiff
}

/**
 * Compares two snapshots of a query by a key column: default the first column of the newer one.
 *
 * @example const { diff } = await compareSnapshots(store, 'open-bugs', '2026-11-01', 'latest', 'Key')
 */
export async function compareSnapshots(
  store: Store,
  query: string,
  fromRef: string,
  toRef: string,
  key?: string,
): Promise<SnapshotComparison> {
  const from = await findSnapshot(store, query, fromRef)
  const to = await findSnapshot(store, query, toRef)
  const before = JSON.parse(await snapshotRowsJson(store, from)) as Row[]
  const after = JSON.parse(await snapshotRowsJson(store, to)) as Row[]
  const column = key ?? to.columns[0] ?? from.columns[0] ?? 'id'
  return { from, to, diff: diffRows(before, after, column) }
}

/**
 * A snapshot as the CLI's JSON and the API show it: times as ISO text, without the query's copy.
 *
 * @example snapshotSummary(info).takenAt // '2026-12-01T09:00:00.000Z'
 */
export function snapshotSummary(snapshot: SnapshotInfo): SnapshotSummary {
  return {
    id: snapshot.id,
    query: snapshot.query,
    takenAt: snapshot.takenAt.toISOString(),
    takenBy: snapshot.takenBy,
    params: { ...snapshot.params },
    definitionHash: snapshot.definitionHash,
    fetchedAt: snapshot.fetchedAt.toISOString(),
    notices: [...snapshot.notices],
    columns: [...snapshot.columns],
    rowCount: snapshot.rowCount,
    rowsBytes: snapshot.rowsBytes,
    storedBytes: snapshot.storedBytes,
  }
}

/**
 * The query a snapshot ran, parsed from its copy: as a query that holds its converter and template
 * itself (the copy has both filled in; the names they came from are left out, since a query may not
 * name one and hold one). Undefined when the copy does not parse any more (a later Quarry changed the
 * schema): then only admins and editors see the snapshot, and the view shows it as a table.
 *
 * @example snapshotQuery(info)?.visibility.roles // ['viewer']
 */
export function snapshotQuery(snapshot: SnapshotInfo): Query | undefined {
  const {
    converterName: _converter,
    templateName: _template,
    ...own
  } = snapshot.definition as Record<string, unknown>
  const parsed = QuerySchema.safeParse(own)
  return parsed.success ? parsed.data : undefined
}
