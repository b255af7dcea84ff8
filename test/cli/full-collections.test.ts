import { runInNewContext } from 'node:vm'
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fullCollectionsByDownload, fullCollectionsByOutput } from '../../src/cli/full-collections.js'
import { runQuery } from '../../src/engine/index.js'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { startTestEngine } from '../helpers/engine.js'

const nextTask = () => new Promise((resolve) => setImmediate(resolve))

describe('full collections in quarry run', () => {
  let api: ApiServer
  beforeAll(async () => {
    api = await startApiServer()
  })
  afterAll(async () => {
    await api.close()
  })

  it('collects once per threshold of page text, counting from the last collection', () => {
    let collections = 0
    const onPage = fullCollectionsByDownload(100, () => collections++)
    onPage(1, 60)
    expect(collections).toBe(0)
    onPage(2, 60)
    expect(collections).toBe(1)
    // 20 left over from the last collection does not count towards the next.
    onPage(3, 90)
    expect(collections).toBe(1)
    onPage(4, 10)
    expect(collections).toBe(2)
    // A SQL batch has no text length: it never collects.
    for (let pages = 5; pages < 1000; pages++) onPage(pages)
    expect(collections).toBe(2)
  })

  it('collects once per threshold of output written, counting from the last collection', () => {
    let collections = 0
    const written = fullCollectionsByOutput(100, () => collections++)
    written(99)
    expect(collections).toBe(0)
    written(1)
    expect(collections).toBe(1)
    // One chunk larger than the threshold is one collection, and nothing carries over.
    written(350)
    expect(collections).toBe(2)
    written(99)
    expect(collections).toBe(2)
  })

  it("is given each REST page's text length by a real run", async () => {
    const engine = await startTestEngine()
    try {
      await engine.addDatasource({ name: 'api', type: 'rest', baseUrl: api.url })
      await engine.addQuery({
        name: 'q',
        datasource: 'api',
        path: '/cursor',
        pagination: { type: 'cursor', cursorPath: 'paging.next', cursorParam: 'cursor', itemsPath: 'data' },
      })
      const sizes: number[] = []
      let collections = 0
      const policy = fullCollectionsByDownload(1000, () => collections++)
      const result = await runQuery(engine, {
        query: 'q',
        onPage: (pages, chars) => {
          sizes.push(chars ?? 0)
          policy(pages, chars)
        },
      })
      // 103 items, 20 a page: 6 pages of about 500 characters each.
      expect(result.pages).toBe(6)
      expect(sizes).toHaveLength(6)
      for (const size of sizes) expect(size).toBeGreaterThan(100)
      let expected = 0
      let since = 0
      for (const size of sizes) {
        since += size
        if (since >= 1000) {
          expected++
          since = 0
        }
      }
      expect(expected).toBeGreaterThan(0)
      expect(collections).toBe(expected)
    } finally {
      await engine.close()
    }
  })

  it("runs V8's full collection without leaving gc() to this context, new ones or worker threads", async () => {
    const exposedBefore = typeof (globalThis as { gc?: unknown }).gc
    // Nothing but the WeakRef holds the object.
    const ref = new WeakRef({ big: new Array(1000).fill(1) })
    // A WeakRef keeps its target alive to the end of the task that made or read it.
    await nextTask()
    fullCollectionsByDownload(1)(1, 1)
    expect(ref.deref()).toBeUndefined()

    expect(typeof (globalThis as { gc?: unknown }).gc).toBe(exposedBefore)
    expect(runInNewContext('typeof gc')).toBe('undefined')
    const inWorker = await new Promise((resolve, reject) => {
      const worker = new Worker("require('node:worker_threads').parentPort.postMessage(typeof gc)", {
        eval: true,
      })
      worker.once('message', resolve).once('error', reject)
    })
    expect(inWorker).toBe('undefined')
  })
})
