import { describe, expect, test } from 'vitest'
import type { Store, StoredConnection } from '../../src/store/index.js'
import { connectionInput, deferred, DIALECTS, sleep, useStoreTarget } from './harness.js'

async function withDatasources(store: Store, ...names: string[]): Promise<Store> {
  for (const name of names) await store.datasources.create({ name, type: 'rest', config: {}, secrets: {} })
  return store
}

/** A read-modify-write of a counter kept in the tokens, slow enough to interleave if the lock let it. */
function increment(store: Store, datasource: string, log: string[], who: string): Promise<StoredConnection> {
  return store.connections.withLock(datasource, async (current, save) => {
    log.push(`enter ${who}`)
    const count = Number(current?.tokens.count ?? '0')
    await sleep(5)
    const saved = await save(connectionInput({ count: String(count + 1), by: who }))
    log.push(`exit ${who}`)
    return saved
  })
}

/** Every enter is followed by the exit of the same holder: no two holders ever overlapped. */
function expectNoOverlap(log: string[]): void {
  expect(log.length % 2).toBe(0)
  for (let i = 0; i < log.length; i += 2) {
    const who = log[i]?.replace(/^enter /, '')
    expect([log[i], log[i + 1]]).toEqual([`enter ${who}`, `exit ${who}`])
  }
}

for (const dialect of DIALECTS) {
  describe(`connections.withLock (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('fn gets the current connection, and what it saves is committed with a new version', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      await store.connections.put('jira', connectionInput({ refresh_token: 'rt-1' }))
      const result = await store.connections.withLock('jira', async (current, save) => {
        expect(current).toMatchObject({ version: 1, tokens: { refresh_token: 'rt-1' } })
        const saved = await save(connectionInput({ refresh_token: 'rt-2' }, { lastRefreshAt: new Date() }))
        expect(saved).toMatchObject({ version: 2, tokens: { refresh_token: 'rt-2' } })
        return 'done'
      })
      expect(result).toBe('done')
      expect(await store.connections.get('jira')).toMatchObject({
        version: 2,
        tokens: { refresh_token: 'rt-2' },
      })
    })

    test('with no connection yet, fn gets undefined and the first save is version 1', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      const saved = await store.connections.withLock('jira', async (current, save) => {
        expect(current).toBeUndefined()
        return save(connectionInput({ access_token: 'a' }))
      })
      expect(saved.version).toBe(1)
    })

    test('a lock taken without a save leaves no connection behind', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      await store.connections.withLock('jira', async () => undefined)
      expect(await store.connections.get('jira')).toBeUndefined()
      expect(await store.connections.list()).toEqual([])
      const saved = await store.connections.withLock('jira', (_current, save) =>
        save(connectionInput({ a: '1' })),
      )
      expect(saved.version).toBe(1)
    })

    test('several saves in one fn each increment the version', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      const last = await store.connections.withLock('jira', async (_current, save) => {
        await save(connectionInput({ n: '1' }))
        await save(connectionInput({ n: '2' }))
        return save(connectionInput({ n: '3' }))
      })
      expect(last).toMatchObject({ version: 3, tokens: { n: '3' } })
    })

    test('a throw inside fn rolls back everything it saved', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      await store.connections.put('jira', connectionInput({ refresh_token: 'rt-1' }))
      const failure = new Error('token endpoint said 500')
      await expect(
        store.connections.withLock('jira', async (_current, save) => {
          await save(connectionInput({ refresh_token: 'rt-2' }))
          throw failure
        }),
      ).rejects.toBe(failure)
      expect(await store.connections.get('jira')).toMatchObject({
        version: 1,
        tokens: { refresh_token: 'rt-1' },
      })
      // and the lock is free again
      await store.connections.withLock('jira', async (current) => expect(current?.version).toBe(1))
    })

    test('a save fn did not await still lands before withLock resolves', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      await store.connections.withLock('jira', async (_current, save) => {
        void save(connectionInput({ refresh_token: 'rt-late' }))
      })
      expect((await store.connections.get('jira'))?.tokens).toEqual({ refresh_token: 'rt-late' })
    })

    test('two concurrent withLock calls in one store never overlap', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      const log: string[] = []
      await Promise.all(['a', 'b', 'c', 'd'].map((who) => increment(store, 'jira', log, who)))
      expectNoOverlap(log)
      expect(await store.connections.get('jira')).toMatchObject({ version: 4, tokens: { count: '4' } })
    })

    test('two stores on the same database (two processes) never overlap', async () => {
      const first = await withDatasources(await target().open(), 'jira')
      const second = await target().open()
      const log: string[] = []
      const rounds = 8
      await Promise.all([
        (async () => {
          for (let i = 0; i < rounds; i++) await increment(first, 'jira', log, `first-${i}`)
        })(),
        (async () => {
          for (let i = 0; i < rounds; i++) await increment(second, 'jira', log, `second-${i}`)
        })(),
      ])
      expectNoOverlap(log)
      expect(log.some((entry) => entry.startsWith('enter second'))).toBe(true)
      expect(await first.connections.get('jira')).toMatchObject({
        version: 2 * rounds,
        tokens: { count: String(2 * rounds) },
      })
    })

    test("the re-read after taking the lock sees the other holder's save", async () => {
      const first = await withDatasources(await target().open(), 'jira')
      const second = await target().open()
      await first.connections.put('jira', connectionInput({ refresh_token: 'rt-1' }))
      const entered = deferred()
      const proceed = deferred()
      const holder = first.connections.withLock('jira', async (current, save) => {
        expect(current?.tokens.refresh_token).toBe('rt-1')
        entered.resolve()
        await proceed.promise
        return save(connectionInput({ refresh_token: 'rt-2' }))
      })
      await entered.promise
      // The second holder read nothing yet: it waits for the lock, and then must see rt-2, not rt-1.
      let seen: StoredConnection | undefined
      const waiter = second.connections.withLock('jira', async (current) => {
        seen = current
      })
      // A sleep on purpose: "still waiting" has no event to await; 100 ms of nothing is the proof.
      await sleep(100)
      expect(seen).toBeUndefined()
      proceed.resolve()
      await holder
      await waiter
      expect(seen).toMatchObject({ version: 2, tokens: { refresh_token: 'rt-2' } })
    })

    test('reads through the store work inside fn', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      await store.datasources.update('jira', { secrets: { clientSecret: 'cs' } })
      const secret = await store.connections.withLock(
        'jira',
        async () => (await store.datasources.get('jira'))?.secrets.clientSecret,
      )
      expect(secret).toBe('cs')
    })

    if (dialect === 'postgres') {
      test('a lock on one datasource does not block another', async () => {
        const first = await withDatasources(await target().open(), 'jira', 'github')
        const second = await target().open()
        const entered = deferred()
        const proceed = deferred()
        const holder = first.connections.withLock('jira', async () => {
          entered.resolve()
          await proceed.promise
        })
        await entered.promise
        // Both in the same store and from another store (process), while jira is held:
        await first.connections.withLock('github', (_c, save) => save(connectionInput({ a: '1' })))
        await second.connections.withLock('github', (_c, save) => save(connectionInput({ a: '2' })))
        expect((await second.connections.get('github'))?.version).toBe(2)
        proceed.resolve()
        await holder
      })

      test("a lock on one person's connection does not block another person's", async () => {
        const store = await withDatasources(await target().open(), 'jira')
        const entered = deferred()
        const proceed = deferred()
        const holder = store.connections.withLock(
          'jira',
          async () => {
            entered.resolve()
            await proceed.promise
          },
          'alice',
        )
        await entered.promise
        await store.connections.withLock('jira', (_c, save) => save(connectionInput({ a: '1' })), 'bob')
        expect((await store.connections.get('jira', 'bob'))?.version).toBe(1)
        proceed.resolve()
        await holder
      })
    } else {
      test('a lock on one datasource makes another wait, then proceed (SQLite has one writer)', async () => {
        const first = await withDatasources(await target().open(), 'jira', 'github')
        const second = await target().open()
        const entered = deferred()
        const proceed = deferred()
        const log: string[] = []
        const holder = first.connections.withLock('jira', async () => {
          entered.resolve()
          await proceed.promise
          log.push('jira released')
        })
        await entered.promise
        const sameStore = first.connections.withLock('github', async () => log.push('github (same store)'))
        const otherStore = second.connections.withLock('github', async () => log.push('github (other store)'))
        // A sleep on purpose: "still waiting" has no event to await; 100 ms of nothing is the proof.
        await sleep(100)
        expect(log).toEqual([])
        proceed.resolve()
        await Promise.all([holder, sameStore, otherStore])
        expect(log[0]).toBe('jira released')
        expect(log.slice(1).sort()).toEqual(['github (other store)', 'github (same store)'])
      })
    }

    test("two people's locks on one datasource each guard their own connection", async () => {
      const first = await withDatasources(await target().open(), 'jira')
      const second = await target().open()
      const log: string[] = []
      const bump = (store: Store, user: string, who: string) =>
        store.connections.withLock(
          'jira',
          async (current, save) => {
            log.push(`enter ${who}`)
            const count = Number(current?.tokens.count ?? '0')
            await sleep(2)
            await save(connectionInput({ count: String(count + 1) }))
            log.push(`exit ${who}`)
          },
          user,
        )
      await Promise.all(
        [0, 1, 2].flatMap((i) => [
          bump(first, 'alice', `a1-${i}`),
          bump(second, 'alice', `a2-${i}`),
          bump(first, 'bob', `b1-${i}`),
          bump(second, 'bob', `b2-${i}`),
        ]),
      )
      for (const user of ['alice', 'bob']) {
        const prefix = user[0] as string
        expectNoOverlap(log.filter((entry) => entry.split(' ')[1]?.startsWith(prefix)))
        expect(await first.connections.get('jira', user)).toMatchObject({
          version: 6,
          tokens: { count: '6' },
        })
      }
      expect(await first.connections.get('jira')).toBeUndefined()
    })

    test('locks on different datasources commit independently', async () => {
      const store = await withDatasources(await target().open(), 'jira', 'github')
      await Promise.all([
        store.connections.withLock('jira', (_c, save) => save(connectionInput({ t: 'jira' }))),
        store.connections.withLock('github', (_c, save) => save(connectionInput({ t: 'github' }))),
      ])
      expect((await store.connections.list()).map((c) => c.tokens.t)).toEqual(['github', 'jira'])
    })

    test('waiting longer than lockTimeoutMs is QUARRY_STORE_LOCK_TIMEOUT, from another store', async () => {
      const first = await withDatasources(await target().open(), 'jira')
      const impatient = await target().open({ lockTimeoutMs: 300 })
      const entered = deferred()
      const proceed = deferred()
      const holder = first.connections.withLock('jira', async () => {
        entered.resolve()
        await proceed.promise
      })
      await entered.promise
      const started = Date.now()
      const error = await impatient.connections.withLock('jira', async () => 'never').catch((e: unknown) => e)
      expect(Date.now() - started).toBeGreaterThanOrEqual(250)
      expect(error).toMatchObject({ code: 'QUARRY_STORE_LOCK_TIMEOUT' })
      expect((error as Error).message).toMatch(/0\.3 s .*datasource "jira"/)
      proceed.resolve()
      await holder
      // The lock is usable again afterwards.
      await impatient.connections.withLock('jira', (_c, save) => save(connectionInput({ a: '1' })))
    })

    test('waiting longer than lockTimeoutMs is QUARRY_STORE_LOCK_TIMEOUT, within one store', async () => {
      const store = await withDatasources(await target().open({ lockTimeoutMs: 200 }), 'jira')
      const proceed = deferred()
      const entered = deferred()
      const holder = store.connections.withLock('jira', async () => {
        entered.resolve()
        await proceed.promise
      })
      await entered.promise
      await expect(store.connections.withLock('jira', async () => 'never')).rejects.toMatchObject({
        code: 'QUARRY_STORE_LOCK_TIMEOUT',
      })
      proceed.resolve()
      await holder
      expect(await store.connections.withLock('jira', async () => 'again')).toBe('again')
    })

    test('an unknown datasource is QUARRY_DATASOURCE_NOT_FOUND', async () => {
      const store = await target().open()
      await expect(store.connections.withLock('nope', async () => 'x')).rejects.toMatchObject({
        code: 'QUARRY_DATASOURCE_NOT_FOUND',
      })
    })

    test('writes through the store inside fn fail at once instead of waiting for their own lock', async () => {
      const store = await withDatasources(await target().open(), 'jira', 'github')
      await store.connections.withLock('jira', async () => {
        await expect(store.connections.markUsed('jira', new Date())).rejects.toMatchObject({
          code: 'QUARRY_STORE_LOCK_MISUSE',
          message: expect.stringContaining(
            'connections.markUsed was called inside connections.withLock("jira")',
          ),
        })
        await expect(store.cache.set('k', 'v', new Date(), new Date())).rejects.toMatchObject({
          code: 'QUARRY_STORE_LOCK_MISUSE',
        })
        await expect(store.connections.withLock('github', async () => 1)).rejects.toMatchObject({
          code: 'QUARRY_STORE_LOCK_MISUSE',
        })
      })
      // After the lock, the same writes work.
      await store.cache.set('k', 'v', new Date(), new Date(Date.now() + 1000))
    })

    test('save after fn has settled is refused: the lock is gone', async () => {
      const store = await withDatasources(await target().open(), 'jira')
      let leaked: ((input: ReturnType<typeof connectionInput>) => Promise<StoredConnection>) | undefined
      await store.connections.withLock('jira', async (_current, save) => {
        leaked = save
      })
      await expect(leaked?.(connectionInput({ a: '1' }))).rejects.toMatchObject({
        code: 'QUARRY_STORE_LOCK_MISUSE',
      })
      expect(await store.connections.get('jira')).toBeUndefined()
    })

    test('removing the connection while another holder waits still leaves that holder a real lock', async () => {
      const first = await withDatasources(await target().open(), 'jira')
      const second = await target().open()
      await first.connections.put('jira', connectionInput({ a: '1' }))
      const entered = deferred()
      const proceed = deferred()
      const log: string[] = []
      const holder = first.connections.withLock('jira', async () => {
        entered.resolve()
        await proceed.promise
        log.push('first out')
      })
      await entered.promise
      const remover = second.connections.remove('jira').then(() => log.push('removed'))
      const waiter = second.connections.withLock('jira', async (current) => {
        log.push(`second in (${current === undefined ? 'none' : current.version})`)
        // A sleep on purpose: a holder that takes a while, so another could slip in if the lock let it.
        await sleep(50)
        log.push('second out')
      })
      const third = first.connections.withLock('jira', async () => log.push('third in'))
      // A sleep on purpose: the remover and both waiters queue for the lock, which has no event to await.
      await sleep(50)
      proceed.resolve()
      await Promise.all([holder, remover, waiter, third])
      const secondIn = log.findIndex((entry) => entry.startsWith('second in'))
      expect(log.indexOf('second out')).toBe(secondIn + 1)
      expect(log[0]).toBe('first out')
    })
  })
}
