import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { openStore, rotateSecretKey, type Store } from '../../src/store/index.js'
import { envelopeKeyId, keyIdOf } from '../../src/store/secrets.js'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { OTHER_KEY, TEST_KEY, connectionInput } from './harness.js'

/**
 * Issue 19: `quarry secrets rotate-key` reseals every secret with a new key while a second process on
 * the same PostgreSQL store keeps reading secrets and refreshing a connection's tokens under its lock:
 * it never fails, no token save is lost, and after --finish only the new key opens the store.
 */

let dir: string
let schema: TestSchema
const stores: Store[] = []
const NEW_KEY_ID = keyIdOf(Buffer.from(OTHER_KEY, 'base64'))

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-rotate-'))
  schema = await createTestSchema()
})
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()))
  await schema.drop()
  rmSync(dir, { recursive: true, force: true })
})

async function open(secretKey: string): Promise<Store> {
  const store = await openStore({ databaseUrl: schema.url, secretKey, dataDir: dir })
  stores.push(store)
  return store
}

/** The key ids of every sealed value in the store. */
async function sealedWith(): Promise<string[]> {
  const rows = await schema.pool.query<{ value: string }>(
    `select secrets as value from datasources union all select tokens from connections where tokens is not null
     union all select value from meta where key = 'secret_key_check'`,
  )
  return [...new Set(rows.rows.map((row) => envelopeKeyId(row.value) ?? 'none'))]
}

describe('secrets rotate-key (postgres)', () => {
  test(
    'a second process keeps using secrets and refreshing tokens through the rotation',
    { timeout: 60_000 },
    async () => {
      const rotator = await open(TEST_KEY)
      await rotator.datasources.create({
        name: 'api',
        type: 'rest',
        config: {},
        secrets: { token: 'api-secret' },
      })
      await rotator.datasources.create({
        name: 'jira',
        type: 'rest',
        config: {},
        secrets: { clientSecret: 'c' },
      })
      await rotator.connections.put('jira', connectionInput({ count: '0' }))

      const child = spawn(
        process.execPath,
        [
          '--import',
          fileURLToPath(new URL('fixtures/resolve-ts.mjs', import.meta.url)),
          fileURLToPath(new URL('fixtures/secrets-child.mjs', import.meta.url)),
          JSON.stringify({ databaseUrl: schema.url, secretKey: TEST_KEY, dataDir: dir }),
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      )
      let rounds = 0
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        rounds = Number(/round (\d+)\n$/.exec(output)?.[1] ?? rounds)
      })
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
      const waitFor = async (target: number) => {
        while (rounds < target) {
          if (child.exitCode !== null) throw new Error(`the second process ended: ${output}`)
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
      }

      await waitFor(10)
      const before = rounds
      const summary = await rotateSecretKey(rotator, { newKey: OTHER_KEY })
      expect(summary.newKeyId).toBe(NEW_KEY_ID)
      expect(summary.resealed).toMatchObject({ datasources: 2, connections: 1 })
      await waitFor(rounds + 20)
      child.stdin.end()
      expect(await exited, output).toBe(0)
      expect(rounds).toBeGreaterThan(before + 20)

      // Every save of the second process counted: none was lost to the rotation's reseal.
      const fresh = await open(OTHER_KEY)
      expect((await fresh.connections.get('jira'))?.tokens).toEqual({ count: String(rounds) })
      // It learned the new key and sealed its saves with it.
      expect(await sealedWith()).toEqual([NEW_KEY_ID])

      const finished = await rotateSecretKey(fresh, { finish: true })
      expect(finished.oldKeyId).toBe(keyIdOf(Buffer.from(TEST_KEY, 'base64')))
      await expect(open(TEST_KEY)).rejects.toMatchObject({ code: 'QUARRY_SECRET_KEY_MISMATCH' })
      expect((await (await open(OTHER_KEY)).datasources.get('api'))?.secrets).toEqual({ token: 'api-secret' })
    },
  )

  test('finish refuses a process still on the old key, and a store with no rotation', async () => {
    const store = await open(TEST_KEY)
    await store.datasources.create({ name: 'api', type: 'rest', config: {}, secrets: { token: 'x' } })
    await expect(rotateSecretKey(store, { finish: true })).rejects.toMatchObject({
      code: 'QUARRY_KEY_ROTATION_STATE',
      message: expect.stringContaining('nothing to finish'),
    })
    await rotateSecretKey(store, { newKey: OTHER_KEY })
    const old = await open(TEST_KEY)
    await expect(rotateSecretKey(old, { finish: true })).rejects.toMatchObject({
      code: 'QUARRY_KEY_ROTATION_STATE',
      message: expect.stringContaining('runs with the old key'),
    })
    await expect(rotateSecretKey(old, { newKey: TEST_KEY })).rejects.toMatchObject({
      code: 'QUARRY_KEY_ROTATION_STATE',
    })
  })

  test("an alert's channel secrets are resealed under the new key", async () => {
    const store = await open(TEST_KEY)
    await store.datasources.create({ name: 'api', type: 'rest', config: {}, secrets: {} })
    await store.queries.create({ name: 'open-issues', datasource: 'api', definition: { path: '/issues' } })
    await store.alerts.create({
      name: 'blockers',
      query: 'open-issues',
      config: {},
      secrets: { slackUrl: 'https://hooks.slack.com/services/T000/B000/ROTATED' },
    })
    const summary = await rotateSecretKey(store, { newKey: OTHER_KEY })
    expect(summary.resealed.alerts).toBe(1)
    const fresh = await open(OTHER_KEY)
    await rotateSecretKey(fresh, { finish: true })
    const rows = await schema.pool.query<{ secrets: string }>(`select secrets from alerts`)
    expect(rows.rows.map((row) => envelopeKeyId(row.secrets))).toEqual([NEW_KEY_ID])
    expect((await fresh.alerts.get('blockers'))?.secrets).toEqual({
      slackUrl: 'https://hooks.slack.com/services/T000/B000/ROTATED',
    })
  })

  test("a subscription's SMTP login and unsubscribe key are resealed under the new key", async () => {
    const store = await open(TEST_KEY)
    await store.datasources.create({ name: 'api', type: 'rest', config: {}, secrets: {} })
    await store.queries.create({ name: 'open-issues', datasource: 'api', definition: { path: '/issues' } })
    await store.schedules.create({
      name: 'monday',
      query: 'open-issues',
      params: {},
      cron: '0 9 * * 1',
      timeZone: 'UTC',
      enabled: true,
      snapshot: false,
      nextRunAt: null,
    })
    const created = await store.subscriptions.create({
      name: 'weekly',
      schedule: 'monday',
      config: {},
      secrets: { password: 'ROTATED-SMTP' },
    })
    const summary = await rotateSecretKey(store, { newKey: OTHER_KEY })
    expect(summary.resealed.subscriptions).toBe(1)
    const fresh = await open(OTHER_KEY)
    await rotateSecretKey(fresh, { finish: true })
    const rows = await schema.pool.query<{ secrets: string }>(`select secrets from subscriptions`)
    expect(rows.rows.map((row) => envelopeKeyId(row.secrets))).toEqual([NEW_KEY_ID])
    expect((await fresh.subscriptions.get('weekly'))?.secrets).toEqual(created.secrets)
  })

  test('finish refuses while a column rotate-key does not know still holds values sealed with the old key', async () => {
    const store = await open(TEST_KEY)
    await rotateSecretKey(store, { newKey: OTHER_KEY })
    // A sealed value in a table resealAll does not cover, as a later migration's column would be.
    const oldId = keyIdOf(Buffer.from(TEST_KEY, 'base64'))
    await schema.pool.query(
      `insert into cache (key, value, stored_at, expires_at) values ('k', 'v1.${oldId}.aa.bb.cc', now(), now())`,
    )
    const fresh = await open(OTHER_KEY)
    await expect(rotateSecretKey(fresh, { finish: true })).rejects.toMatchObject({
      code: 'QUARRY_KEY_ROTATION_STATE',
      message: expect.stringContaining(`sealed with the old key ${oldId} in cache.value (1)`),
    })
    // The rotation stays open: the old key still opens the store.
    expect((await open(TEST_KEY)).dialect).toBe('postgres')
  })
})
