import { spawn, type ChildProcessByStdio } from 'node:child_process'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { connectionInput, DIALECTS, TEST_KEY, useStoreTarget } from './harness.js'

const fixtures = new URL('./fixtures/', import.meta.url)
const CHILDREN = 3
const ROUNDS = 20

/**
 * Starts a fixture script in a process of its own. It runs the store from its TypeScript sources
 * (Node 24 strips the types; resolve-ts.mjs maps `.js` imports to the `.ts` files), so there is no
 * build step and no stale dist/ to test by mistake.
 */
function spawnFixture(script: string, ...args: string[]): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(
    process.execPath,
    [
      '--import',
      fileURLToPath(new URL('resolve-ts.mjs', fixtures)),
      fileURLToPath(new URL(script, fixtures)),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, QUARRY_SECRET_KEY: TEST_KEY } },
  )
}

/** Explains the one failure that is about the machine, not the store. */
function hint(output: string): string {
  return output.includes('ERR_UNKNOWN_FILE_EXTENSION')
    ? ' (the fixtures run the TypeScript sources directly, which needs a Node.js that strips types: >= 22.18)'
    : ''
}

/** Runs lock-child.mjs to its end; rejects with its output unless it exits with 0. */
function runCounter(options: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnFixture('lock-child.mjs', JSON.stringify(options), String(ROUNDS))
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (code === 0) resolve()
      else reject(new Error(`lock-child.mjs exited with ${signal ?? code}${hint(output)}:\n${output}`))
    })
  })
}

for (const dialect of DIALECTS) {
  describe(`withLock across processes (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test(
      `${CHILDREN} processes × ${ROUNDS} locked increments give an exact count`,
      { timeout: 120_000 },
      async () => {
        const store = await target().open({ secretKey: TEST_KEY })
        await store.datasources.create({ name: 'counter', type: 'rest', config: {}, secrets: {} })

        const options = { ...target().location, dataDir: target().dataDir }
        await Promise.all(Array.from({ length: CHILDREN }, () => runCounter(options)))

        const connection = await store.connections.get('counter')
        expect(connection?.tokens.count).toBe(String(CHILDREN * ROUNDS))
        expect(connection?.version).toBe(CHILDREN * ROUNDS)
      },
    )

    test(
      'a process killed while holding the lock frees it, and its uncommitted save is gone',
      { timeout: 60_000 },
      async () => {
        const store = await target().open({ secretKey: TEST_KEY, lockTimeoutMs: 20_000 })
        await store.datasources.create({ name: 'jira', type: 'rest', config: {}, secrets: {} })
        await store.connections.put('jira', connectionInput({ refresh_token: 'rt-1' }))

        const child = spawnFixture(
          'die-in-lock.mjs',
          JSON.stringify({ ...target().location, dataDir: target().dataDir }),
        )
        let output = ''
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString()
            if (output.includes('saved')) resolve()
          })
          child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
          child.on('exit', (code) =>
            reject(new Error(`die-in-lock.mjs exited early (${code})${hint(output)}:\n${output}`)),
          )
        })
        child.kill('SIGKILL')

        // The dead holder's lock is gone at once (no wait for lockTimeoutMs), and so is what it saved:
        // the old refresh token is still current, which Atlassian's grace period honours (token invariant, rule 5).
        const started = Date.now()
        const current = await store.connections.withLock('jira', async (connection) => connection)
        expect(Date.now() - started).toBeLessThan(10_000)
        expect(current).toMatchObject({ version: 1, tokens: { refresh_token: 'rt-1' } })
      },
    )
  })
}
