import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import type { RestDatasourceInput } from '../../src/domain/datasource.js'
import { runQuery } from '../../src/engine/index.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { addSimJira, patchConnection } from '../helpers/jira.js'
import { advance, startTestSim, stats } from '../helpers/sim.js'

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
})
afterEach(async () => {
  await engine.close()
})

async function echo(auth: RestDatasourceInput['auth'], extra: Partial<RestDatasourceInput> = {}) {
  await engine.addDatasource({ name: 'api', type: 'rest', baseUrl: api.url, auth, ...extra })
  await engine.addQuery({ name: 'echo', datasource: 'api', path: '/echo' })
  await runQuery(engine, { query: 'echo' })
  return api.requests.at(-1) as NonNullable<ApiServer['requests'][number]>
}

describe('static credentials', () => {
  it('send none for auth none', async () => {
    const sent = await echo({ type: 'none' })
    expect(sent.headers.authorization).toBeUndefined()
  })

  it('send HTTP Basic', async () => {
    const sent = await echo({ type: 'basic', username: 'ann', password: 'pa:ss' })
    expect(sent.headers.authorization).toBe(`Basic ${Buffer.from('ann:pa:ss').toString('base64')}`)
  })

  it('send an API key in a header', async () => {
    const sent = await echo({ type: 'api-key', in: 'header', name: 'X-Api-Key', value: 'k-123' })
    expect(sent.headers['x-api-key']).toBe('k-123')
  })

  it('send an API key in the query string', async () => {
    const sent = await echo({ type: 'api-key', in: 'query', name: 'api_key', value: 'k&1=2' })
    expect(new URL(sent.url, api.url).searchParams.get('api_key')).toBe('k&1=2')
  })

  it('send a bearer token', async () => {
    const sent = await echo({ type: 'bearer', token: 'tok-1' })
    expect(sent.headers.authorization).toBe('Bearer tok-1')
  })

  it('send custom headers, secret or not', async () => {
    const sent = await echo(
      { type: 'none' },
      {
        headers: [
          { name: 'X-Team', value: 'blue' },
          { name: 'X-Secret', value: 's3', secret: true },
        ],
      },
    )
    expect(sent.headers['x-team']).toBe('blue')
    expect(sent.headers['x-secret']).toBe('s3')
  })
})

describe('OAuth 2.0 client credentials', () => {
  it('fetches a token once and reuses it from the store until it expires', async () => {
    await engine.addDatasource({
      name: 'cc',
      type: 'rest',
      baseUrl: api.url,
      auth: {
        type: 'oauth2-client-credentials',
        tokenUrl: `${api.url}/token`,
        clientId: 'cc-client',
        clientSecret: 'cc-secret',
      },
    })
    await engine.addQuery({ name: 'protected', datasource: 'cc', path: '/cc-protected' })
    const before = api.hits.get('/token') ?? 0
    const first = JSON.parse((await runQuery(engine, { query: 'protected' })).rowsJson) as { token: string }[]
    const second = JSON.parse((await runQuery(engine, { query: 'protected' })).rowsJson) as {
      token: string
    }[]
    expect(first[0]?.token).toMatch(/^Bearer cc-token-\d+$/)
    expect(second[0]?.token).toBe(first[0]?.token)
    expect((api.hits.get('/token') ?? 0) - before).toBe(1)
  })

  it('says what the token endpoint refused', async () => {
    await engine.addDatasource({
      name: 'cc',
      type: 'rest',
      baseUrl: api.url,
      auth: {
        type: 'oauth2-client-credentials',
        tokenUrl: `${api.url}/token`,
        clientId: 'cc-client',
        clientSecret: 'wrong',
      },
    })
    await engine.addQuery({ name: 'protected', datasource: 'cc', path: '/cc-protected' })
    const error = await runQuery(engine, { query: 'protected' }).catch((e: unknown) => e)
    expect(isQuarryError(error, 'QUARRY_OAUTH_TOKEN_ERROR')).toBe(true)
    expect((error as Error).message).toContain('/token')
    expect((error as Error).message).not.toContain('wrong')
  })
})

describe('OAuth 2.0 authorization code (3LO) against the simulator', () => {
  let sim: RunningSimulator
  beforeEach(async () => {
    sim = await startTestSim({ accessTtlSeconds: 600 })
  })
  afterEach(async () => {
    await sim.close()
  })

  async function connected(): Promise<void> {
    await addSimJira(engine, sim)
    await engine.addQuery({ name: 'me', datasource: 'jira', path: '/myself' })
  }

  it('uses the stored access token while it is fresh', async () => {
    await connected()
    await runQuery(engine, { query: 'me' })
    expect(await stats(sim)).toMatchObject({ refreshes: 0, invalidGrants: 0 })
  })

  it('refreshes an expired token once, stores the rotated refresh token, and keeps working', async () => {
    await connected()
    const before = await engine.store.connections.get('jira')
    // The simulator's clock moves; Quarry's does not: the token is refused, refreshed and retried.
    await advance(sim, 601)
    await runQuery(engine, { query: 'me' })
    const after = await engine.store.connections.get('jira')
    expect(after?.tokens.refresh_token).not.toBe(before?.tokens.refresh_token)
    expect(after?.version).toBeGreaterThan(before?.version ?? 0)
    await advance(sim, 601)
    await runQuery(engine, { query: 'me' })
    expect(await stats(sim)).toMatchObject({ refreshes: 2, invalidGrants: 0, revokedGrants: 0 })
  })

  it('shares one refresh among concurrent runs', async () => {
    await connected()
    // Distinct requests (identical runs would share one fetch anyway), all refused at once.
    await engine.addQuery({
      name: 'me-n',
      datasource: 'jira',
      path: '/myself?n=:n',
      params: [{ name: 'n', type: 'integer' }],
    })
    await advance(sim, 601)
    await Promise.all(
      Array.from({ length: 10 }, (_, n) => runQuery(engine, { query: 'me-n', params: { n: String(n) } })),
    )
    expect(await stats(sim)).toMatchObject({ refreshes: 1, invalidGrants: 0 })
  })

  it('marks the connection "needs consent" on invalid_grant, names the command, and does not ask again', async () => {
    await connected()
    await fetch(`${sim.url}/_sim/revoke?user=alice`, { method: 'POST' })
    const error = await runQuery(engine, { query: 'me' }).catch((e: unknown) => e)
    expect(isQuarryError(error, 'QUARRY_OAUTH_INVALID_GRANT')).toBe(true)
    expect((error as Error).message).toContain('quarry connect jira')
    expect((await engine.store.connections.get('jira'))?.status).toBe('needs_consent')
    // Issue 19: the lost grant is in the audit log, in the transaction that recorded it.
    const [lost] = await engine.store.audit.list({ kind: 'connection', object: 'jira' })
    expect(lost).toMatchObject({ action: 'needs-consent', actorName: 'system' })
    expect(lost?.changes).toContainEqual({ field: 'status', before: 'connected', after: 'needs_consent' })
    const tokenCalls = (await stats(sim)).requests['POST /oauth/token']
    const again = await runQuery(engine, { query: 'me' }).catch((e: unknown) => e)
    expect(isQuarryError(again, 'QUARRY_OAUTH_INVALID_GRANT')).toBe(true)
    expect((await stats(sim)).requests['POST /oauth/token']).toBe(tokenCalls)
  })

  it('takes a 403 for a token far from expiry as an answer, not a reason to refresh', async () => {
    await sim.close()
    sim = await startTestSim({ accessTtlSeconds: 600, expiredStatus: 403 })
    await connected()
    await advance(sim, 601)
    const error = await runQuery(engine, { query: 'me' }).catch((e: unknown) => e)
    expect(isQuarryError(error, 'QUARRY_AUTH_FAILED')).toBe(true)
    expect((await stats(sim)).refreshes).toBe(0)
  })

  it('refreshes on a 403 when the token is near its stored expiry (the gateway quirk)', async () => {
    await sim.close()
    sim = await startTestSim({ accessTtlSeconds: 600, expiredStatus: 403 })
    await connected()
    // Quarry believes the token has a minute left (inside the refresh margin it would still use it).
    await patchConnection(engine.store, 'jira', {
      accessExpiresAt: new Date(Date.now() + 70_000),
      lastRefreshAt: new Date(Date.now() - 3_600_000),
    })
    await advance(sim, 601)
    await runQuery(engine, { query: 'me' })
    expect(await stats(sim)).toMatchObject({ refreshes: 1, invalidGrants: 0 })
  })

  it('says a datasource without a connection is not connected yet', async () => {
    await connected()
    await engine.store.connections.remove('jira')
    const error = await runQuery(engine, { query: 'me' }).catch((e: unknown) => e)
    expect(isQuarryError(error, 'QUARRY_OAUTH_NOT_CONNECTED')).toBe(true)
    expect((error as Error).message).toContain('quarry connect jira')
  })
})
