import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { openStore } from '../../src/store/index.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'

/**
 * Issue 19: `quarry secrets rotate-key`, run by the CLI in a process of its own on a PostgreSQL
 * store, while a server on the same store (started with the old key) keeps running a query whose
 * datasource needs its secret (a bearer token): no run fails, before, during or after.
 */

const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
let schema: TestSchema
let server: TestServer
let admin: Browser
let upstream: Server
let dir: string
let authorised = 0

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-rotate-server-'))
  upstream = createServer((request, response) => {
    const ok = request.headers.authorization === 'Bearer upstream-token'
    if (ok) authorised++
    response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
    response.end(JSON.stringify(ok ? [{ n: 1 }, { n: 2 }] : { error: 'no' }))
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  schema = await createTestSchema()
  server = await startTestServer({}, { databaseUrl: schema.url })
  admin = await server.signIn('ada', 'admin')
  const baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  await server.engine.addDatasource({
    name: 'api',
    type: 'rest',
    baseUrl,
    auth: { type: 'bearer', token: 'upstream-token' },
  })
  await server.engine.addQuery({ name: 'items', datasource: 'api', path: '/items' })
})
afterAll(async () => {
  await server.close()
  await schema.drop()
  await new Promise((resolve) => upstream.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

test(
  'a server keeps running a query that needs a secret while the CLI rotates the key',
  { timeout: 60_000 },
  async () => {
    const run = () =>
      server.as(admin, { method: 'POST', url: '/api/queries/items/run', payload: { refresh: true } })
    expect((await run()).statusCode).toBe(200)

    const newKeyFile = join(dir, 'new.key')
    const rotation = spawn(process.execPath, [bin, 'secrets', 'rotate-key', '--new-key-file', newKeyFile], {
      env: {
        ...process.env,
        QUARRY_DATABASE_URL: schema.url,
        QUARRY_SECRET_KEY: TEST_SECRET_KEY,
        XDG_DATA_HOME: dir,
      },
    })
    let output = ''
    rotation.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    rotation.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => rotation.on('exit', resolve))
    let done = false
    void exited.then(() => (done = true))

    const failures: string[] = []
    let during = 0
    while (!done) {
      const answer = await run()
      if (answer.statusCode !== 200) failures.push(answer.body)
      during++
    }
    expect(await exited, output).toBe(0)
    expect(output).toContain('resealed 1 datasources')
    for (let i = 0; i < 5; i++) {
      const answer = await run()
      if (answer.statusCode !== 200) failures.push(answer.body)
    }
    expect(failures).toEqual([])
    expect(during).toBeGreaterThan(0)
    expect(authorised).toBeGreaterThan(during)

    // The store is sealed with the new key now: a process started with it opens the secret.
    const fresh = await openStore({
      databaseUrl: schema.url,
      secretKey: readFileSync(newKeyFile, 'utf8').trim(),
      dataDir: dir,
    })
    try {
      expect((await fresh.datasources.get('api'))?.secrets).toEqual({ 'auth.token': 'upstream-token' })
    } finally {
      await fresh.close()
    }
  },
)
