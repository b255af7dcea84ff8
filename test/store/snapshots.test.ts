import { describe, expect, test } from 'vitest'
import { DatasourceSchema, splitSecrets } from '../../src/domain/datasource.js'
import { loadQuery, pruneAllSnapshots, takeSnapshot, type RunResult } from '../../src/engine/index.js'
import type { Store } from '../../src/store/index.js'
import { DIALECTS, useStoreTarget } from './harness.js'

/** Snapshots (issue 16) in the store, on both dialects: kept compressed, found by id or date, pruned. */

const CONVERTER = 'function convert(json) { return JSON.parse(json).items }'

async function queryWithLibrary(store: Store): Promise<void> {
  const { config, secrets } = splitSecrets(
    DatasourceSchema.parse({ type: 'rest', name: 'api', baseUrl: 'https://api.example.com' }),
  )
  await store.datasources.create({ name: 'api', type: 'rest', config, secrets })
  await store.converters.create({ name: 'items', content: CONVERTER })
  await store.queries.create({
    name: 'bugs',
    datasource: 'api',
    definition: { path: '/bugs', params: [{ name: 'project', type: 'string' }] },
    converterName: 'items',
  })
}

function result(rows: unknown[], fetchedAt = new Date('2026-12-01T08:00:00Z')): RunResult {
  return {
    query: 'bugs',
    rowsJson: JSON.stringify(rows),
    rowCount: rows.length,
    pages: 1,
    notices: [],
    fromCache: false,
    fetchedAt,
  }
}

/** Takes a snapshot of `bugs` at `at` with `rows`. */
async function take(store: Store, at: string, rows: unknown[] = [{ key: 'QA-1' }]) {
  const { query } = await loadQuery(store, 'bugs')
  return takeSnapshot(store, {
    query,
    params: { project: 'QA' },
    result: result(rows),
    by: 'ada',
    now: new Date(at),
  })
}

for (const dialect of DIALECTS) {
  describe(`snapshots (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('a snapshot keeps the rows, parameters, who and when, and the query as it ran', async () => {
      const store = await target().open()
      await queryWithLibrary(store)
      const rows = Array.from({ length: 500 }, (_, i) => ({
        key: `QA-${i}`,
        summary: 'The same words again',
      }))
      const { snapshot } = await take(store, '2026-12-01T09:00:00Z', rows)
      expect(snapshot).toMatchObject({
        query: 'bugs',
        takenBy: 'ada',
        params: { project: 'QA' },
        rowCount: 500,
        columns: ['key', 'summary'],
        takenAt: new Date('2026-12-01T09:00:00Z'),
        fetchedAt: new Date('2026-12-01T08:00:00Z'),
      })
      expect(snapshot.id).toMatch(/^[0-9a-f]{12}$/)
      expect(snapshot.definitionHash).toMatch(/^[0-9a-f]{64}$/)
      // The named converter is copied in: the snapshot says what produced its rows.
      expect(snapshot.definition).toMatchObject({
        name: 'bugs',
        converter: CONVERTER,
        converterName: 'items',
      })
      expect(JSON.parse((await store.snapshots.rowsJson('bugs', snapshot.id))!)).toEqual(rows)

      const [listed] = await store.snapshots.list('bugs')
      expect(listed).toEqual(snapshot)
      // Stored gzip'd: repetitive rows take a small part of their JSON size.
      expect(listed!.rowsBytes).toBe(JSON.stringify(rows).length)
      expect(listed!.storedBytes).toBeLessThan(listed!.rowsBytes / 5)
    })

    test('a snapshot outlives an edit of the query and the delete of its converter', async () => {
      const store = await target().open()
      await queryWithLibrary(store)
      const { snapshot } = await take(store, '2026-12-01T09:00:00Z')
      await store.queries.update('bugs', { definition: { path: '/other' }, converterName: null })
      await store.converters.remove('items')
      const kept = await store.snapshots.get('bugs', snapshot.id)
      expect(kept?.definition).toMatchObject({ path: '/bugs', converter: CONVERTER })
      expect(kept?.definitionHash).toBe(snapshot.definitionHash)
      const again = await take(store, '2026-12-02T09:00:00Z')
      expect(again.snapshot.definitionHash).not.toBe(snapshot.definitionHash)
    })

    test('a rename carries the snapshots and the rule along; a delete keeps them under the old name', async () => {
      const store = await target().open()
      await queryWithLibrary(store)
      const { snapshot } = await take(store, '2026-12-01T09:00:00Z')
      await store.snapshots.setRetention('bugs', { keepLast: 3, maxAgeSeconds: null })
      await store.queries.update('bugs', { name: 'defects' })
      expect(await store.snapshots.list('bugs')).toEqual([])
      expect((await store.snapshots.list('defects')).map((s) => s.id)).toEqual([snapshot.id])
      expect(await store.snapshots.retention('defects')).toEqual({ keepLast: 3, maxAgeSeconds: null })
      await store.queries.remove('defects')
      expect((await store.snapshots.list('defects')).map((s) => s.id)).toEqual([snapshot.id])
      expect(await store.snapshots.queries()).toEqual(['defects'])
    })

    test('by date: the newest taken on or before the moment; none before the first', async () => {
      const store = await target().open()
      await queryWithLibrary(store)
      const first = (await take(store, '2026-11-30T10:00:00Z')).snapshot
      const second = (await take(store, '2026-12-01T23:00:00Z')).snapshot
      const third = (await take(store, '2026-12-03T01:00:00Z')).snapshot
      const at = (iso: string) => store.snapshots.latestAtOrBefore('bugs', new Date(iso))
      expect((await at('2026-12-01T23:59:59.999Z'))?.id).toBe(second.id)
      expect((await at('2026-12-01T22:59:59Z'))?.id).toBe(first.id)
      expect((await at('2026-12-09T00:00:00Z'))?.id).toBe(third.id)
      expect(await at('2026-11-30T09:59:59Z')).toBeUndefined()
      expect((await store.snapshots.list('bugs')).map((s) => s.id)).toEqual([third.id, second.id, first.id])
    })

    test('retention: keep the newest N when one is taken; a maximum age on the maintenance tick', async () => {
      const store = await target().open()
      await queryWithLibrary(store)
      await store.snapshots.setRetention('bugs', { keepLast: 2, maxAgeSeconds: null })
      const ids: string[] = []
      for (const day of ['01', '02', '03', '04']) {
        const { snapshot, pruned } = await take(store, `2026-12-${day}T09:00:00Z`)
        ids.push(snapshot.id)
        expect(pruned).toBe(day > '02' ? 1 : 0)
      }
      expect((await store.snapshots.list('bugs')).map((s) => s.id)).toEqual([ids[3], ids[2]])

      await store.snapshots.setRetention('bugs', { keepLast: null, maxAgeSeconds: 2 * 86_400 })
      expect(await pruneAllSnapshots(store, new Date('2026-12-05T10:00:00Z'))).toBe(1)
      expect((await store.snapshots.list('bugs')).map((s) => s.id)).toEqual([ids[3]])
    })

    test('removing one answers whether it existed; a result over the size limit is refused, nothing stored', async () => {
      const store = await target().open()
      await queryWithLibrary(store)
      const { snapshot } = await take(store, '2026-12-01T09:00:00Z')
      expect(await store.snapshots.remove('bugs', snapshot.id)).toBe(true)
      expect(await store.snapshots.remove('bugs', snapshot.id)).toBe(false)
      const { query } = await loadQuery(store, 'bugs')
      await expect(
        takeSnapshot(store, {
          query,
          params: {},
          result: result([{ key: 'x'.repeat(2000) }]),
          by: 'ada',
          maxBytes: 1000,
        }),
      ).rejects.toMatchObject({
        code: 'QUARRY_SNAPSHOT_TOO_LARGE',
        message: expect.stringContaining('at most'),
      })
      expect(await store.snapshots.list('bugs')).toEqual([])
    })
  })
}
