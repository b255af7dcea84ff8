import { mkdtempSync, rmSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { serveProcess, stopProcess, type ServeProcess } from '../helpers/serve-process.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

/**
 * Issue 18: two `quarry serve` processes on one PostgreSQL share an uncached run across servers, not
 * only within one: of the viewers asking both servers for the same rows at once, one request reaches
 * the upstream. The upstream holds its answers for a second, so every viewer's request is in while the
 * first run still goes on.
 */

const HOLD_MS = 1_000
let schema: TestSchema
let upstream: Upstream
let engine: TestEngine
let dataDir: string
let servers: ServeProcess[] = []
/** Upstream requests by parameter value (`s`). */
const hitsBy = new Map<string, number>()
/** Answers the test holds back (s=dead): released by the test, or by the asking server's death. */
const held: ServerResponse[] = []

const answer = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

beforeAll(async () => {
  schema = await createTestSchema()
  dataDir = mkdtempSync(join(tmpdir(), 'quarry-flight-servers-'))
  upstream = await startUpstream((req, res) => {
    const s = new URL(req.url ?? '/', 'http://local').searchParams.get('s') ?? '?'
    const hits = (hitsBy.get(s) ?? 0) + 1
    hitsBy.set(s, hits)
    if (s === 'dead' && hits === 1) return void held.push(res)
    setTimeout(() => {
      if (s.startsWith('bad')) answer(res, 404, { message: 'no such thing' })
      else answer(res, 200, [{ s, hits }])
    }, HOLD_MS)
  })
  engine = await startTestEngine({}, { databaseUrl: schema.url })
  await engine.addDatasource({ name: 'api', type: 'rest', baseUrl: upstream.url })
  await engine.addQuery({
    name: 'flight',
    datasource: 'api',
    path: '/rows?s=:s',
    params: [{ name: 's', visitorInput: { pattern: '[a-z0-9]+' } }],
    cacheTtlSeconds: 600,
    visibility: { public: true },
  })
  servers = await Promise.all([0, 1].map(() => serveProcess({ databaseUrl: schema.url, dataDir })))
}, 30_000)
afterAll(async () => {
  for (const res of held) res.destroy()
  await Promise.all(servers.map((server) => stopProcess(server.child)))
  await engine.close()
  await upstream.close()
  await schema.drop()
  rmSync(dataDir, { recursive: true, force: true })
})

/** The view page of `s` (its rows uncached until a run stores them), and the error code it shows, if any. */
const view = async (server: ServeProcess, s: string) => {
  const response = await fetch(`${server.url}/v/flight?s=${s}`)
  const body = await response.text()
  return { status: response.status, body, code: /\((QUARRY_[A-Z_]+)\)/.exec(body)?.[1] }
}

/** Four viewers of `s` at once, two on each server. */
const fourViewers = (s: string) =>
  Promise.all([0, 1, 0, 1].map((index) => view(servers[index] as ServeProcess, s)))

describe('two servers on one PostgreSQL', () => {
  it('send one upstream request for the viewers of one parameter value on both servers', async () => {
    const values = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6']
    const views = await Promise.all(values.map(fourViewers))
    for (const [index, s] of values.entries()) {
      expect(hitsBy.get(s), s).toBe(1)
      // Every viewer sees the one run's rows.
      for (const seen of views[index] ?? []) {
        expect(seen.status).toBe(200)
        expect(seen.body).toContain(`>${s}<`)
      }
    }
  }, 30_000)

  it('give the viewers waiting on a failed run a coded error of their own, not a hang', async () => {
    const views = await fourViewers('bad1')
    const seen = new Set(views.map(({ status, code }) => `${status} ${code}`))
    expect([...seen]).toEqual([expect.stringMatching(/^[45]\d\d QUARRY_UPSTREAM_/)])
    // The claimer's server ran it once; the other server's waiters, told it failed, once more at most.
    expect(hitsBy.get('bad1')).toBeLessThanOrEqual(2)
  }, 30_000)

  it('free a run whose claiming server dies: the other server runs it, not waiting for a lease', async () => {
    const [first, second] = servers as [ServeProcess, ServeProcess]
    const orphaned = view(first, 'dead').catch(() => 'cut off')
    await expect.poll(() => hitsBy.get('dead'), { timeout: 10_000 }).toBe(1)
    const waiting = view(second, 'dead')
    await stopProcess(first.child, 'SIGKILL')
    expect(await orphaned).toBe('cut off')
    expect(await waiting).toMatchObject({ status: 200, code: undefined })
    expect(hitsBy.get('dead')).toBe(2)
  }, 30_000)
})
