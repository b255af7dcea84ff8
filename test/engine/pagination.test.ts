import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Pagination } from '../../src/domain/query.js'
import { runQuery } from '../../src/engine/index.js'
import { ITEM_COUNT, startApiServer, type ApiServer } from '../helpers/api-server.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'

let api: ApiServer
let engine: TestEngine
beforeAll(async () => {
  api = await startApiServer()
})
afterAll(async () => {
  await api.close()
})
beforeEach(async () => {
  engine = await startTestEngine()
  await engine.addDatasource({ name: 'api', type: 'rest', baseUrl: api.url })
})
afterEach(async () => {
  await engine.close()
})

async function ids(
  path: string,
  pagination: Pagination,
  extra: { maxPages?: number; maxRows?: number } = {},
) {
  await engine.addQuery({ name: 'q', datasource: 'api', path, pagination, ...extra })
  const result = await runQuery(engine, { query: 'q' })
  const rows = JSON.parse(result.rowsJson) as { id: number }[]
  return { ids: rows.map((row) => row.id), result }
}

const ALL = Array.from({ length: ITEM_COUNT }, (_, i) => i + 1)

describe('pagination rules', () => {
  it('offset: steps by what the server returned and fetches the rest in parallel, in order', async () => {
    const { ids: got, result } = await ids('/offset', {
      type: 'offset',
      pageSize: 100,
      totalPath: 'total',
      itemsPath: 'values',
      startParam: 'startAt',
      sizeParam: 'maxResults',
    })
    expect(got).toEqual(ALL)
    expect(result.pages).toBe(Math.ceil(ITEM_COUNT / 25))
  })

  it('page-number: until an empty page', async () => {
    const { ids: got } = await ids('/pages?size=10', {
      type: 'page-number',
      pageParam: 'page',
      firstPage: 1,
      itemsPath: 'items',
    })
    expect(got).toEqual(ALL)
  })

  it('cursor: read from a JSON path until it is null', async () => {
    const { ids: got } = await ids('/cursor', {
      type: 'cursor',
      cursorPath: 'paging.next',
      cursorParam: 'cursor',
      itemsPath: 'data',
    })
    expect(got).toEqual(ALL)
  })

  it('link-header: follows rel="next"', async () => {
    const { ids: got } = await ids('/linked', { type: 'link-header' })
    expect(got).toEqual(ALL)
  })

  it('fails with QUARRY_PAGINATION_LOOP when the API repeats a cursor (issue 11)', async () => {
    await engine.addQuery({
      name: 'q',
      datasource: 'api',
      path: '/same-cursor',
      pagination: { type: 'cursor', cursorPath: 'paging.next', cursorParam: 'cursor', itemsPath: 'data' },
    })
    await expect(runQuery(engine, { query: 'q' })).rejects.toMatchObject({
      code: 'QUARRY_PAGINATION_LOOP',
      message: expect.stringContaining('handed back a page token or link it had given before') as string,
    })
  })

  it('reports the page cap instead of truncating silently', async () => {
    const { ids: got, result } = await ids(
      '/cursor',
      { type: 'cursor', cursorPath: 'paging.next', cursorParam: 'cursor', itemsPath: 'data' },
      { maxPages: 2 },
    )
    expect(got.length).toBe(40)
    expect(result.notices.join(' ')).toContain('Stopped after 2 pages')
  })

  it('reports the page cap for parallel offset pages too', async () => {
    const { ids: got, result } = await ids(
      '/offset',
      {
        type: 'offset',
        pageSize: 25,
        totalPath: 'total',
        itemsPath: 'values',
        startParam: 'startAt',
        sizeParam: 'maxResults',
      },
      { maxPages: 3 },
    )
    expect(got.length).toBe(75)
    expect(result.notices.join(' ')).toContain('Stopped after 3 pages')
  })

  it('reports the row cap when it falls on a page boundary, and stops fetching there', async () => {
    const { ids: got, result } = await ids(
      '/cursor',
      { type: 'cursor', cursorPath: 'paging.next', cursorParam: 'cursor', itemsPath: 'data' },
      { maxRows: 40 },
    )
    expect(got).toEqual(ALL.slice(0, 40))
    expect(result.pages).toBe(2)
    expect(result.notices.join(' ')).toContain('Stopped at 40 rows')
  })

  it('reports the row cap', async () => {
    const { ids: got, result } = await ids('/linked', { type: 'link-header' }, { maxRows: 50 })
    expect(got).toEqual(ALL.slice(0, 50))
    expect(result.notices.join(' ')).toContain("Stopped at 50 rows (the query's maxRows)")
    // It stops fetching once the cap is reached: 2 of the 4 linked pages.
    expect(result.pages).toBe(2)
  })
})
