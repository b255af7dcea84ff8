import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { forgetSessions, readSession, recentSession } from '../../src/server/auth/session-cache.js'
import { openStore, type Store } from '../../src/store/index.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'

const NOW = new Date('2026-12-03T12:00:00Z')
let dataDir: string
let store: Store

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'quarry-session-cache-'))
  store = await openStore({ dataDir, secretKey: TEST_SECRET_KEY })
  await store.accounts.createUser({ name: 'ada', role: 'viewer', groups: [], passwordHash: 'x' })
  await store.sessions.create('s1', 'ada', 'csrf-1', NOW, new Date(NOW.getTime() + 3_600_000))
})

afterEach(async () => {
  await store.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('a session read from the store', () => {
  it('is kept in memory for the next request', async () => {
    expect(await readSession(store, 's1', NOW)).toBeDefined()
    expect(recentSession(store, 's1', NOW.getTime())?.user.name).toBe('ada')
  })

  it('is not kept when a sign-out on this server ended it while the store was answering', async () => {
    // The same store, its session reads held until the sign-out below has happened.
    let answer!: () => void
    const signedOut = new Promise<void>((resolve) => (answer = resolve))
    const sessions = store.sessions
    const slow: Store = Object.create(store, {
      sessions: {
        value: Object.assign(Object.create(sessions), {
          get: async (id: string, now: Date) => {
            const session = await sessions.get(id, now)
            await signedOut
            return session
          },
        }),
      },
    })
    const reading = readSession(slow, 's1', NOW)
    await sessions.remove('s1')
    forgetSessions(slow)
    answer()
    // The request that asked before the sign-out goes on with what it read; no later one gets it from memory.
    expect(await reading).toBeDefined()
    expect(recentSession(slow, 's1', NOW.getTime())).toBeUndefined()
  })
})
