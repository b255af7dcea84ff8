import { DatabaseSync } from 'node:sqlite'
import { describe, expect, test } from 'vitest'
import { deferred, sleep, useStoreTarget } from './harness.js'

/** Holds SQLite's write lock from a connection outside the store (another process, in effect) until released. */
function holdWriteLock(path: string): { release: () => void } {
  const other = new DatabaseSync(path)
  other.exec('begin immediate')
  return {
    release() {
      other.exec('commit')
      other.close()
    },
  }
}

describe('SQLite busy handling', () => {
  const target = useStoreTarget('sqlite')
  const path = () => (target().location as { sqlitePath: string }).sqlitePath

  test('a write waits for another process’s lock without blocking the event loop', async () => {
    const store = await target().open()
    const lock = holdWriteLock(path())
    let ticks = 0
    const ticker = setInterval(() => ticks++, 10)
    try {
      const created = store.datasources.create({ name: 'jira', type: 'rest', config: {}, secrets: {} })
      // Time is what is tested: the other process holds the lock for 300 ms while the loop must tick.
      const released = sleep(300).then(() => lock.release())
      await Promise.all([created, released])
      // ~30 ticks if the loop ran freely while the write waited; a synchronous busy wait gives ~0.
      expect(ticks).toBeGreaterThanOrEqual(15)
      expect(await store.datasources.get('jira')).toBeDefined()
    } finally {
      clearInterval(ticker)
    }
  })

  test('a transaction (remove) also waits and then succeeds', async () => {
    const store = await target().open()
    await store.datasources.create({ name: 'jira', type: 'rest', config: {}, secrets: {} })
    const lock = holdWriteLock(path())
    // Time is what is tested: the lock is held for 200 ms, and the remove must wait it out.
    setTimeout(() => lock.release(), 200)
    await store.datasources.remove('jira')
    expect(await store.datasources.get('jira')).toBeUndefined()
  })

  test('waiting past the deadline is QUARRY_STORE_BUSY naming the store', async () => {
    const store = await target().open({ lockTimeoutMs: 150 })
    const lock = holdWriteLock(path())
    try {
      await expect(store.cache.set('k', 'v', new Date(), new Date())).rejects.toMatchObject({
        code: 'QUARRY_STORE_BUSY',
        message: expect.stringContaining(
          `cache.set gave up after 0.15 s: the SQLite store ${path()} stayed locked`,
        ),
      })
    } finally {
      lock.release()
    }
  })

  test('reads still work while a write of the same process waits for the lock', async () => {
    const store = await target().open()
    await store.datasources.create({ name: 'jira', type: 'rest', config: {}, secrets: { s: 'x' } })
    const entered = deferred()
    const proceed = deferred()
    // A withLock holder (the write lock) …
    const holder = store.connections.withLock('jira', async () => {
      entered.resolve()
      await proceed.promise
      // … reads while another task's write waits for it: the read must not queue behind that write.
      return store.datasources.get('jira')
    })
    await entered.promise
    const waitingWrite = store.cache.set('k', 'v', new Date(), new Date(Date.now() + 60_000))
    // A sleep on purpose: the write queues for the lock, which has no event to await.
    await sleep(50)
    proceed.resolve()
    const read = await Promise.race([holder, sleep(2_000).then(() => 'stuck' as const)])
    expect(read).not.toBe('stuck')
    await waitingWrite
  })
})
