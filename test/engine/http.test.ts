import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import { runQuery } from '../../src/engine/index.js'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'

let api: ApiServer
let other: ApiServer
let engine: TestEngine
beforeAll(async () => {
  other = await startApiServer()
  api = await startApiServer({ redirectTarget: other.url })
})
afterAll(async () => {
  await api.close()
  await other.close()
})
beforeEach(async () => {
  engine = await startTestEngine({
    retry: { maxRetries: 4, baseDelayMs: 10, maxDelayMs: 100, maxTotalWaitMs: 2500 },
  })
  await engine.addDatasource({
    name: 'api',
    type: 'rest',
    baseUrl: api.url,
    auth: { type: 'bearer', token: 'secret-token' },
    headers: [{ name: 'X-Private', value: 'private-value', secret: true }],
    maxResponseBytes: 100_000,
  })
})
afterEach(async () => {
  await engine.close()
})

async function run(
  path: string,
  params: Record<string, string> = {},
  declared: { name: string; type?: 'string' | 'list' | 'integer' }[] = [],
) {
  await engine.addQuery({ name: 'q', datasource: 'api', path, params: declared })
  return runQuery(engine, { query: 'q', params })
}

async function failure(path: string): Promise<Error> {
  const error = await run(path).catch((e: unknown) => e)
  if (!(error instanceof Error)) throw new Error(`expected ${path} to fail`)
  return error
}

describe('responses', () => {
  it('turns XML into JSON, as PocketQuery does', async () => {
    const rows = JSON.parse((await run('/xml')).rowsJson) as Record<string, unknown>[]
    expect(JSON.stringify(rows)).toContain('A-2')
  })

  it('refuses an HTML page with its status and an excerpt', async () => {
    const error = await failure('/html')
    expect(isQuarryError(error, 'QUARRY_UPSTREAM_NOT_JSON')).toBe(true)
    expect(error.message).toContain('answered 200 with text/html')
    expect(error.message).toContain('Sign in Your session expired.')
  })

  it('says what the API said on an error status', async () => {
    const error = await failure('/server-error')
    expect(isQuarryError(error, 'QUARRY_UPSTREAM_STATUS')).toBe(true)
    expect(error.message).toContain('answered 500: Something broke upstream.')
  })

  it('masks credentials an API echoes in its error', async () => {
    const error = await failure('/echo-error')
    expect(error.message).toContain('bad request with')
    expect(error.message).not.toContain('secret-token')
    expect(error.message).toContain('••••••')
  })

  it('refuses a body over the byte limit', async () => {
    expect(isQuarryError(await failure('/huge'), 'QUARRY_UPSTREAM_TOO_LARGE')).toBe(true)
  })
})

describe('retries', () => {
  it('waits at least a second on Retry-After: 0 and then succeeds', async () => {
    const started = Date.now()
    const rows = JSON.parse((await run('/flaky')).rowsJson) as { attempts: number }[]
    expect(rows[0]?.attempts).toBe(3)
    // Two waits of at least 1 s each: Retry-After 0 is a minimum of 1 s, never "now".
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
  })

  it('gives up on 429 when the total wait budget is spent, and says so', async () => {
    const error = await failure('/always-429')
    expect(isQuarryError(error, 'QUARRY_RATE_LIMITED')).toBe(true)
  })
})

describe('redirects', () => {
  it('never forward credentials to another origin', async () => {
    await run('/redirect-out')
    const arrived = other.requests.at(-1)
    expect(arrived?.url).toBe('/echo')
    expect(arrived?.headers.authorization).toBeUndefined()
    expect(arrived?.headers['x-private']).toBeUndefined()
  })

  it('keep credentials on the same origin', async () => {
    await run('/redirect-home')
    expect(api.requests.at(-1)?.headers.authorization).toBe('Bearer secret-token')
  })
})

describe('parameter binding', () => {
  it('keeps every value inside its query parameter', async () => {
    await run('/echo?q=:q&n=:n', { q: 'a&b=c#d?e', n: '7' }, [{ name: 'q' }, { name: 'n', type: 'integer' }])
    const sent = new URL(api.requests.at(-1)?.url ?? '', api.url)
    expect(Object.fromEntries(sent.searchParams)).toEqual({ q: 'a&b=c#d?e', n: '7' })
  })

  it('keeps a path value inside its segment', async () => {
    await run('/echo/:id', { id: '../admin?x=1' }, [{ name: 'id' }]).catch(() => undefined)
    expect(api.requests.at(-1)?.url).toBe('/echo/..%2Fadmin%3Fx%3D1')
  })

  it('refuses a dot segment as a path value', async () => {
    const error = await run('/echo/:id', { id: '..' }, [{ name: 'id' }]).catch((e: unknown) => e)
    expect(isQuarryError(error, 'QUARRY_PARAM_TYPE')).toBe(true)
  })

  it('names the parameter and type on a bad value', async () => {
    const error = await run('/echo?n=:n', { n: 'ten' }, [{ name: 'n', type: 'integer' }]).catch(
      (e: unknown) => e,
    )
    expect((error as Error).message).toBe('Parameter "n" must be an integer, got "ten".')
  })
})

describe('cache', () => {
  it('serves a second run from the cache within the TTL, and --refresh bypasses it', async () => {
    await engine.addQuery({ name: 'cached', datasource: 'api', path: '/echo?c=1', cacheTtlSeconds: 300 })
    const before = api.hits.get('/echo') ?? 0
    const first = await runQuery(engine, { query: 'cached' })
    const second = await runQuery(engine, { query: 'cached' })
    expect(first.fromCache).toBe(false)
    expect(second.fromCache).toBe(true)
    expect(second.rowsJson).toBe(first.rowsJson)
    expect((api.hits.get('/echo') ?? 0) - before).toBe(1)
    await runQuery(engine, { query: 'cached', refresh: true })
    expect((api.hits.get('/echo') ?? 0) - before).toBe(2)
  })

  it('lets concurrent identical runs share one upstream fetch', async () => {
    await engine.addQuery({ name: 'shared', datasource: 'api', path: '/echo?c=2' })
    const before = api.hits.get('/echo') ?? 0
    await Promise.all(Array.from({ length: 20 }, () => runQuery(engine, { query: 'shared' })))
    expect((api.hits.get('/echo') ?? 0) - before).toBe(1)
  })
})
