import { createHash, randomBytes } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { Selectable } from 'kysely'
import type { StoreContext } from './context.js'
import { fromDbTime, fromJsonText, toDbTime, toJsonText, type SnapshotsTable } from './schema.js'
import type { SnapshotInfo, SnapshotInput, SnapshotRepo, SnapshotRetention } from './types.js'

/** Every column but the rows: what lists read. */
const INFO_COLUMNS = [
  'id',
  'query',
  'taken_at',
  'taken_by',
  'params',
  'definition',
  'definition_hash',
  'fetched_at',
  'notices',
  'columns',
  'row_count',
  'rows_bytes',
] as const

type InfoRow = Pick<Selectable<SnapshotsTable>, (typeof INFO_COLUMNS)[number]>

/**
 * A new snapshot id: 12 hex digits, never a date's shape, so `?snapshot=` can take either.
 *
 * @example newSnapshotId() // '3f9a0c17b2e4'
 */
function newSnapshotId(): string {
  return randomBytes(6).toString('hex')
}

/**
 * Snapshots (issue 16): a query's rows frozen with when, who, the parameters and a copy of the query
 * as it ran. Rows are kept as gzip'd JSON text (a result of Jira issues shrinks about tenfold) and
 * leave the store as text, as the cache's do.
 *
 * @example
 * const info = await store.snapshots.create({ query: 'open-bugs', takenAt: new Date(), takenBy: 'ada', … })
 * const rows = await store.snapshots.rowsJson('open-bugs', info.id)
 */
export class SqlSnapshotRepo implements SnapshotRepo {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  async create(input: SnapshotInput): Promise<SnapshotInfo> {
    const definition = toJsonText(input.definition, 'definition')
    const rows = gzipSync(input.rowsJson)
    const values = {
      id: newSnapshotId(),
      query: input.query,
      taken_at: toDbTime(input.takenAt, 'takenAt'),
      taken_by: input.takenBy,
      params: toJsonText(input.params, 'params'),
      definition,
      definition_hash: createHash('sha256').update(definition).digest('hex'),
      fetched_at: toDbTime(input.fetchedAt, 'fetchedAt'),
      notices: toJsonText(input.notices, 'notices'),
      columns: toJsonText(input.columns, 'columns'),
      row_count: input.rowCount,
      rows_bytes: Buffer.byteLength(input.rowsJson),
      rows,
    }
    return this.#context.run('snapshots.create', 'write', async () => {
      await this.#context.db.insertInto('snapshots').values(values).execute()
      return decode(values, rows.byteLength)
    })
  }

  async list(query: string): Promise<SnapshotInfo[]> {
    return this.#context.run('snapshots.list', 'read', async () => {
      const rows = await this.#infoQuery()
        .where('query', '=', query)
        .orderBy('taken_at', 'desc')
        .orderBy('id', 'desc')
        .execute()
      return rows.map((row) => decode(row, Number(row.stored_bytes)))
    })
  }

  async get(query: string, id: string): Promise<SnapshotInfo | undefined> {
    return this.#context.run('snapshots.get', 'read', async () => {
      const row = await this.#infoQuery().where('query', '=', query).where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : decode(row, Number(row.stored_bytes))
    })
  }

  async latestAtOrBefore(query: string, at: Date): Promise<SnapshotInfo | undefined> {
    const until = toDbTime(at, 'at')
    return this.#context.run('snapshots.latestAtOrBefore', 'read', async () => {
      const row = await this.#infoQuery()
        .where('query', '=', query)
        .where('taken_at', '<=', until)
        .orderBy('taken_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst()
      return row === undefined ? undefined : decode(row, Number(row.stored_bytes))
    })
  }

  async rowsJson(query: string, id: string): Promise<string | undefined> {
    return this.#context.run('snapshots.rowsJson', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('snapshots')
        .select('rows')
        .where('query', '=', query)
        .where('id', '=', id)
        .executeTakeFirst()
      return row === undefined ? undefined : gunzipSync(row.rows).toString('utf8')
    })
  }

  async remove(query: string, id: string): Promise<boolean> {
    return this.#context.run('snapshots.remove', 'write', async () => {
      const result = await this.#context.db
        .deleteFrom('snapshots')
        .where('query', '=', query)
        .where('id', '=', id)
        .executeTakeFirst()
      return result.numDeletedRows > 0n
    })
  }

  async retention(query: string): Promise<SnapshotRetention | undefined> {
    return this.#context.run('snapshots.retention', 'read', async () => {
      const row = await this.#context.db
        .selectFrom('snapshot_retention')
        .select(['keep_last', 'max_age_seconds'])
        .where('query', '=', query)
        .executeTakeFirst()
      if (row === undefined) return undefined
      return Object.freeze({
        keepLast: row.keep_last === null ? null : Number(row.keep_last),
        maxAgeSeconds: row.max_age_seconds === null ? null : Number(row.max_age_seconds),
      })
    })
  }

  async setRetention(query: string, rule: SnapshotRetention | undefined): Promise<void> {
    const updated = toDbTime(new Date(), 'now')
    return this.#context.run('snapshots.setRetention', 'write', async () => {
      if (rule === undefined) {
        await this.#context.db.deleteFrom('snapshot_retention').where('query', '=', query).execute()
        return
      }
      const values = { keep_last: rule.keepLast, max_age_seconds: rule.maxAgeSeconds, updated_at: updated }
      await this.#context.db
        .insertInto('snapshot_retention')
        .values({ query, ...values })
        .onConflict((conflict) => conflict.column('query').doUpdateSet(values))
        .execute()
    })
  }

  async prune(query: string, rule: SnapshotRetention, now: Date): Promise<number> {
    const oldest =
      rule.maxAgeSeconds === null
        ? undefined
        : toDbTime(new Date(now.getTime() - rule.maxAgeSeconds * 1000), 'now')
    return this.#context.run('snapshots.prune', 'write', async () =>
      this.#context.db.transaction().execute(async (tx) => {
        const kept = await tx
          .selectFrom('snapshots')
          .select(['id', 'taken_at'])
          .where('query', '=', query)
          .orderBy('taken_at', 'desc')
          .orderBy('id', 'desc')
          .execute()
        const doomed = kept
          .filter(
            (row, index) =>
              (rule.keepLast !== null && index >= rule.keepLast) ||
              (oldest !== undefined && fromDbTime(row.taken_at).getTime() < Date.parse(oldest)),
          )
          .map((row) => row.id)
        if (doomed.length === 0) return 0
        const result = await tx
          .deleteFrom('snapshots')
          .where('query', '=', query)
          .where('id', 'in', doomed)
          .executeTakeFirst()
        return Number(result.numDeletedRows)
      }),
    )
  }

  async queries(): Promise<string[]> {
    return this.#context.run('snapshots.queries', 'read', async () => {
      const rows = await this.#context.db.selectFrom('snapshots').select('query').distinct().execute()
      return rows.map((row) => row.query).sort()
    })
  }

  #infoQuery() {
    const db = this.#context.db
    return db
      .selectFrom('snapshots')
      .select(INFO_COLUMNS)
      .select((eb) => eb.fn<number | string>('length', ['rows']).as('stored_bytes'))
  }
}

function decode(row: InfoRow, storedBytes: number): SnapshotInfo {
  return Object.freeze({
    id: row.id,
    query: row.query,
    takenAt: fromDbTime(row.taken_at),
    takenBy: row.taken_by,
    params: fromJsonText(row.params) as Readonly<Record<string, string>>,
    definition: fromJsonText(row.definition),
    definitionHash: row.definition_hash,
    fetchedAt: fromDbTime(row.fetched_at),
    notices: fromJsonText(row.notices) as readonly string[],
    columns: fromJsonText(row.columns) as readonly string[],
    rowCount: Number(row.row_count),
    rowsBytes: Number(row.rows_bytes),
    storedBytes,
  })
}
