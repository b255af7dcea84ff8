import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkDatasource } from '../../src/engine/index.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { addSimJira, storeConnection } from '../helpers/jira.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { authorizeUrl, exchange, startTestSim, type Tokens } from '../helpers/sim.js'

/**
 * Issue 15, done-when 1–4: on a per-user datasource each person runs with their own account. alice
 * and bob, connected as different simulator accounts, get their own `assignee = currentUser()` rows,
 * from the cache too, and bob never receives a byte of alice's result (API, view, rendered-page
 * cache, download).
 */

const CONVERTER = `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Summary: issue.fields.summary }))
}`

let sim: RunningSimulator
let server: TestServer
let alice: Browser
let bob: Browser
let carol: Browser

/** The simulator's account picker and consent form, answered as `login` on the first site. */
async function consentAs(login: string): Promise<Tokens> {
  const form = new URLSearchParams(new URL(authorizeUrl(sim)).searchParams)
  form.set('login', login)
  form.set('decision', 'accept')
  form.set('site', sim.context.world.sites[0]?.cloudId as string)
  const answer = await fetch(`${sim.url}/authorize/consent`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  })
  const code = new URL(answer.headers.get('location') as string).searchParams.get('code')
  if (!code) throw new Error(`consent as ${login} answered ${answer.status}`)
  return exchange(sim, code)
}

async function connectAs(user: string, login: string): Promise<void> {
  await storeConnection(server.engine.store, 'jira', await consentAs(login), { user })
}

beforeAll(async () => {
  // No auto-consent: each account is chosen on the simulator's account picker (`login`).
  sim = await startTestSim({ issues: 200, autoConsent: undefined })
  server = await startTestServer()
  // The shared connection (the simulator's default account) stays: a per-user run must never use it.
  await addSimJira(server.engine, sim, { tokens: await consentAs('carol') })
  const stored = await server.engine.store.datasources.get('jira')
  await server.engine.store.datasources.update('jira', {
    config: { ...(stored?.config as object), connectionMode: 'per-user' },
  })
  await server.engine.addQuery({
    name: 'mine',
    datasource: 'jira',
    path: '/search/jql?jql=assignee%20%3D%20currentUser()%20ORDER%20BY%20key&fields=summary&maxResults=100',
    pagination: { type: 'next-page-token' },
    converter: CONVERTER,
    cacheTtlSeconds: 300,
  })
  alice = await server.signIn('alice', 'viewer')
  bob = await server.signIn('bob', 'viewer')
  carol = await server.signIn('carol', 'viewer')
  await connectAs('alice', 'alice')
  await connectAs('bob', 'bob')
}, 30_000)
afterAll(async () => {
  await server.close()
  await sim.close()
})

interface RunReply {
  rows: { Key: string }[]
  fromCache: boolean
}

async function runAs(browser: Browser): Promise<RunReply> {
  const response = await server.as(browser, { method: 'POST', url: '/api/queries/mine/run', payload: {} })
  expect(response.statusCode).toBe(200)
  return response.json<RunReply>()
}

function keysOf(reply: RunReply): string[] {
  return reply.rows.map((row) => row.Key)
}

describe('a per-user datasource', () => {
  it("runs each person's query with their own account, through the API and from the cache", async () => {
    const first = { alice: await runAs(alice), bob: await runAs(bob) }
    expect(first.alice.fromCache).toBe(false)
    expect(first.bob.fromCache).toBe(false)
    const aliceKeys = keysOf(first.alice)
    const bobKeys = keysOf(first.bob)
    expect(aliceKeys.length).toBeGreaterThan(0)
    expect(bobKeys.length).toBeGreaterThan(0)
    expect(bobKeys.filter((key) => aliceKeys.includes(key))).toEqual([])

    const again = { bob: await runAs(bob), alice: await runAs(alice) }
    expect(again.bob.fromCache).toBe(true)
    expect(again.alice.fromCache).toBe(true)
    expect(keysOf(again.bob)).toEqual(bobKeys)
    expect(keysOf(again.alice)).toEqual(aliceKeys)
  })

  it("never sends bob alice's rows: not the view, not the rendered-page cache, not a download", async () => {
    const aliceKeys = keysOf(await runAs(alice))
    const alicePage = await server.as(alice, { url: '/v/mine' })
    expect(alicePage.statusCode).toBe(200)
    expect(alicePage.body).toContain(aliceKeys[0])
    // alice's page is now in the rendered-page cache; bob asks for the very same URL.
    for (const url of ['/v/mine', '/v/mine?embed=1', '/v/mine/rows.csv', '/v/mine/rows.json']) {
      const response = await server.as(bob, { url })
      expect(response.statusCode, url).toBe(200)
      for (const key of aliceKeys) expect(response.body, `${url} ${key}`).not.toMatch(new RegExp(`${key}\\b`))
    }
  })

  it('asks someone who has not connected to connect their own account (QUARRY_CONNECTION_REQUIRED)', async () => {
    const response = await server.as(carol, { method: 'POST', url: '/api/queries/mine/run', payload: {} })
    expect(response.statusCode).toBe(403)
    expect(response.json()).toEqual({
      error: {
        code: 'QUARRY_CONNECTION_REQUIRED',
        message: expect.stringContaining('Connect your jira account to see this'),
        datasource: 'jira',
      },
    })
    const page = await server.as(carol, { url: '/v/mine' })
    expect(page.body).toContain('QUARRY_CONNECTION_REQUIRED')
  })

  it('refuses a run for nobody (a visitor), and a public query on it', async () => {
    const admin = await server.signIn('admin', 'admin')
    const refused = await server.as(admin, {
      method: 'POST',
      url: '/api/queries',
      payload: {
        name: 'everyone',
        datasource: 'jira',
        path: '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key',
        visibility: { public: true },
      },
    })
    expect(refused.statusCode).toBe(409)
    expect(refused.json()).toMatchObject({ error: { code: 'QUARRY_PUBLIC_PER_USER' } })
    const snapshot = await server.as(admin, {
      method: 'POST',
      url: '/api/queries/mine/snapshots',
      payload: {},
    })
    expect(snapshot.json()).toMatchObject({ error: { code: 'QUARRY_CONNECTION_NO_VIEWER' } })
  })

  it("is tested with the admin's own connection, never the shared one its runs do not use", async () => {
    const dana = await server.signIn('dana', 'admin')
    const test = () => server.as(dana, { method: 'POST', url: '/api/datasources/jira/test', payload: {} })
    // The shared connection (carol's) works; dana has none of her own yet.
    const before = await test()
    expect(before.statusCode).toBe(200)
    expect(before.json()).toMatchObject({ ok: false })
    expect(before.json().message).toContain('Connect your jira account')

    await connectAs('dana', 'alice')
    const after = await test()
    expect(after.json()).toMatchObject({ ok: true })
    expect(after.json().message).toMatch(/^jira works/)
  })

  it('is not tested for nobody (the CLI): there is no connection to test, and the answer says where to', async () => {
    const answer = await checkDatasource(server.engine.store, 'jira')
    expect(answer.ok).toBe(false)
    expect(answer.message).toContain('jira runs per user (each person with their own jira account)')
    expect(answer.message).toContain('quarry datasource test jira --as USER')
    expect(answer.message).toContain('Test connection in the admin UI')
  })
})
