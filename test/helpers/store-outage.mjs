// Issue 18, done-when 8: the store's PostgreSQL stops under load. Two `quarry serve` processes share a
// PostgreSQL cluster of their own; the simulator is the upstream, with a 3LO connection whose access
// tokens live 3 s, so refreshes are in flight all along. While anonymous visitors open a public cached
// view, signed-in people open an uncached view (upstream request, token) and run a cached query through
// the API, PostgreSQL is stopped (`pg_ctl stop -m fast`) for `outageMs`, then started again. What every
// request got, how long it took and when each server served again are returned as figures, with the
// state afterwards (sessions, the cached result, the connection, the simulator's refresh counters, the
// scheduler). test/store/store-outage.test.ts asserts on them; bench/store-outage.mjs records them.
// Runs the built code (dist/, bin/quarry.js).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { DatasourceSchema, splitSecrets } from '../../dist/domain/datasource.js'
import { QuerySchema, queryRowOf } from '../../dist/domain/query.js'
import { ScheduleSchema } from '../../dist/domain/schedule.js'
import { createSchedule } from '../../dist/schedule/index.js'
import { hashPassword } from '../../dist/server/auth/password.js'
import { parseClientSpec } from '../../dist/sim/oauth/clients.js'
import { DEFAULT_SIM_OPTIONS, startSimulator } from '../../dist/sim/server.js'
import { STORE_CONNECT_TIMEOUT_MS } from '../../dist/store/postgres-dialect.js'
import { openStore } from '../../dist/store/index.js'
import { startPrivatePostgres } from './private-postgres.mjs'
import { freePort, serveQuarry, stopProcess } from './quarry-process.mjs'

const KEY = Buffer.alloc(32, 18).toString('base64')
const PASSWORD = 'outage-password-18'
const CLIENT = parseClientSpec('outage-app:outage-secret:http://localhost:8765/callback')
/** A request still unanswered after this long is counted as hung (and abandoned, so the run ends). */
export const HANG_MS = 20_000
/** Pauses between one worker's requests; an API worker stays under 120 runs a minute (its own user). */
const VIEW_PAUSE_MS = 40
const API_PAUSE_MS = 600

export { STORE_CONNECT_TIMEOUT_MS }

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** A consent as `quarry connect` makes it: authorize (the simulator consents for alice) and the code exchange. */
async function consent(sim) {
  const authorize = new URL('/authorize', sim.url)
  authorize.search = new URLSearchParams({
    audience: 'api.atlassian.com',
    client_id: CLIENT.clientId,
    scope: 'read:jira-work read:jira-user offline_access',
    redirect_uri: CLIENT.redirectUris[0],
    state: 'outage',
    response_type: 'code',
    prompt: 'consent',
  }).toString()
  const redirect = await fetch(authorize, { redirect: 'manual' })
  const code = new URL(redirect.headers.get('location')).searchParams.get('code')
  const answer = await fetch(`${sim.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'authorization_code',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      code,
      redirect_uri: CLIENT.redirectUris[0],
    }),
  })
  if (!answer.ok) throw new Error(`the code exchange answered ${answer.status}`)
  return answer.json()
}

/** The store as `quarry datasource add` / `connect` / `query add` / `user add` would leave it. */
async function setUp(databaseUrl, dataDir, sim, users) {
  const store = await openStore({ databaseUrl, secretKey: KEY, dataDir })
  try {
    const cloudId = sim.context.world.sites[0].cloudId
    const datasource = DatasourceSchema.parse({
      name: 'jira',
      type: 'rest',
      baseUrl: `${sim.url}/ex/jira/${cloudId}/rest/api/3`,
      testPath: '/myself',
      auth: {
        type: 'oauth2-authorization-code',
        authorizeUrl: `${sim.url}/authorize`,
        tokenUrl: `${sim.url}/oauth/token`,
        clientId: CLIENT.clientId,
        clientSecret: CLIENT.clientSecret,
        scopes: 'read:jira-work read:jira-user offline_access',
        redirectUri: CLIENT.redirectUris[0],
      },
    })
    const { config, secrets } = splitSecrets(datasource)
    await store.datasources.create({ name: 'jira', type: 'rest', config, secrets })
    const tokens = await consent(sim)
    await store.connections.put('jira', {
      tokens: { access_token: tokens.access_token, refresh_token: tokens.refresh_token },
      accessExpiresAt: new Date(Date.now() + tokens.expires_in * 1000),
      status: 'connected',
      statusMessage: null,
      scope: tokens.scope,
      site: null,
      lastRefreshAt: new Date(),
      lastUsedAt: null,
    })
    const search = '/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key&fields=summary'
    // `issues` is never cached: each view asks the simulator, with an access token that must be fresh.
    await store.queries.create(
      queryRowOf(
        QuerySchema.parse({
          name: 'issues',
          datasource: 'jira',
          path: `${search}&maxResults=:n`,
          params: [{ name: 'n', type: 'integer' }],
          cacheTtlSeconds: 0,
        }),
      ),
    )
    // `board` is cached for an hour and public: anonymous visitors open it, the API runs it.
    await store.queries.create(
      queryRowOf(
        QuerySchema.parse({
          name: 'board',
          datasource: 'jira',
          path: `${search}&maxResults=20`,
          cacheTtlSeconds: 3600,
          visibility: { public: true },
        }),
      ),
    )
    await createSchedule(
      store,
      ScheduleSchema.parse({ name: 'tick', query: 'issues', params: { n: '1' }, cron: '* * * * * *' }),
    )
    const passwordHash = await hashPassword(PASSWORD)
    for (const name of users)
      await store.accounts.createUser({ name, role: 'viewer', groups: [], passwordHash })
  } finally {
    await store.close()
  }
}

/** A server whose log keeps warnings and errors only (pino's levels 40 and up): every request is logged at 30. */
const serve = (databaseUrl, dataDir) =>
  serveQuarry({
    databaseUrl,
    dataDir,
    secretKey: KEY,
    quiet: false,
    keep: (line) => /"level":[4-6]\d/.test(line),
  })

async function signIn(server, name) {
  const answer = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: PASSWORD }),
  })
  if (answer.status !== 200) throw new Error(`signing in ${name} answered ${answer.status}`)
  const cookie = String(answer.headers.get('set-cookie')).split(';')[0]
  const { csrfToken } = await answer.json()
  return { name, cookie, csrfToken }
}

/** One request as the load records it: what came back, and when. */
async function request(server, kind, url, init) {
  const start = performance.now()
  const record = { server: server.index, kind, start, end: 0, status: 0, code: undefined, retryAfter: null }
  try {
    const answer = await fetch(url, { ...init, signal: AbortSignal.timeout(HANG_MS) })
    record.status = answer.status
    record.retryAfter = answer.headers.get('retry-after')
    const body = await answer.text()
    record.body = body
    if (answer.status !== 200) record.code = /QUARRY_[A-Z0-9_]+/.exec(body)?.[0]
  } catch (error) {
    record.code = error?.name === 'TimeoutError' ? 'HUNG' : `CLIENT:${error?.cause?.code ?? error?.name}`
  }
  record.end = performance.now()
  return record
}

function runPublicView(server) {
  return request(server, 'public view', `${server.url}/v/board`)
}

function runSignedInView(server, user, n) {
  return request(server, 'signed-in view', `${server.url}/v/issues?n=${n}`, {
    headers: { cookie: user.cookie },
  })
}

function runApi(server, user) {
  return request(server, 'API run', `${server.url}/api/queries/board/run`, {
    method: 'POST',
    headers: { cookie: user.cookie, 'x-csrf-token': user.csrfToken, 'content-type': 'application/json' },
    body: '{}',
  })
}

/** Ends of failed (not 200) requests after `from` on one server: it has recovered after the last one. */
function recoveryOf(records, server, back) {
  const after = records.filter((r) => r.server === server && r.start >= back)
  const failed = after.filter((r) => r.status !== 200)
  const firstOk = after.filter((r) => r.status === 200).sort((a, b) => a.end - b.end)[0]
  if (firstOk === undefined) return null
  const lastFailure = Math.max(back, ...failed.map((r) => r.end))
  return Math.max(lastFailure, firstOk.end) - back
}

function outcomeOf(record) {
  if (record.status === 200) return 'served (200)'
  return `${record.code ?? 'no code'} (${record.status || 'no answer'})`
}

function countBy(records, key) {
  const counts = {}
  for (const record of records) counts[key(record)] = (counts[key(record)] ?? 0) + 1
  return counts
}

/**
 * Runs the outage under load and returns its figures. `outageMs`: how long PostgreSQL stays down;
 * `warmMs` / `afterMs`: load before the stop and after the start.
 *
 * @example const figures = await runStoreOutage({ outageMs: 10_000 })
 */
export async function runStoreOutage({ outageMs = 10_000, warmMs = 2000, afterMs = 5000 } = {}) {
  const cluster = await startPrivatePostgres(await freePort())
  const dataDir = mkdtempSync(join(tmpdir(), 'quarry-store-outage-'))
  const sim = await startSimulator({
    ...DEFAULT_SIM_OPTIONS,
    issues: 60,
    clients: [CLIENT],
    autoConsent: { login: 'alice', sites: undefined },
    accessTtlSeconds: 3,
  })
  const servers = []
  try {
    const apiUsers = ['api-0', 'api-1']
    const viewUsers = ['view-0', 'view-1']
    await setUp(cluster.url, dataDir, sim, [...apiUsers, ...viewUsers])
    // Started side by side; one that started is stopped below even when the other failed to.
    const started = await Promise.allSettled([serve(cluster.url, dataDir), serve(cluster.url, dataDir)])
    for (const outcome of started) if (outcome.status === 'fulfilled') servers.push(outcome.value)
    const failed = started.find((outcome) => outcome.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    servers.forEach((server, index) => (server.index = index))
    const sessions = await Promise.all(
      servers.map((server, i) => Promise.all([signIn(server, apiUsers[i]), signIn(server, viewUsers[i])])),
    )
    // The cached result everyone reads: fetched once, before the load.
    const primed = await runApi(servers[0], sessions[0][0])
    if (primed.status !== 200)
      throw new Error(`the first run of board answered ${primed.status}: ${primed.body}`)
    const cachedRows = JSON.parse(primed.body).rows

    const records = []
    let loading = true
    const worker = async (next, pause) => {
      while (loading) {
        const record = await next()
        delete record.body
        records.push(record)
        await sleep(pause)
      }
    }
    let n = 0
    const workers = servers.flatMap((server, i) => [
      worker(() => runPublicView(server), VIEW_PAUSE_MS),
      worker(() => runSignedInView(server, sessions[i][1], (n++ % 20) + 1), VIEW_PAUSE_MS),
      worker(() => runApi(server, sessions[i][0]), API_PAUSE_MS),
    ])
    const t0 = performance.now()
    await sleep(warmMs)
    const stopBegan = performance.now()
    await cluster.stop()
    const stopped = performance.now()
    await sleep(outageMs)
    const startBegan = performance.now()
    await cluster.start()
    const back = performance.now()
    await sleep(afterMs)
    loading = false
    await Promise.all(workers)

    const during = records.filter((r) => r.end >= stopBegan && r.start <= back)
    const before = records.filter((r) => r.end < stopBegan)
    const after = records.filter((r) => r.start > back)

    // The state afterwards, through both servers.
    const sessionsIntact = []
    const cachedIntact = []
    const uncachedServed = []
    for (const [i, server] of servers.entries()) {
      for (const user of sessions[i]) {
        const answer = await request(server, 'session', `${server.url}/api/session`, {
          headers: { cookie: user.cookie },
        })
        sessionsIntact.push(answer.status === 200 && JSON.parse(answer.body).user?.name === user.name)
      }
      const cached = await runApi(server, sessions[i][0])
      const result = cached.status === 200 ? JSON.parse(cached.body) : undefined
      cachedIntact.push(result?.fromCache === true && isDeepStrictEqual(result.rows, cachedRows))
      uncachedServed.push((await runSignedInView(server, sessions[i][1], 7)).status === 200)
    }
    const store = await openStore({ databaseUrl: cluster.url, secretKey: KEY, dataDir })
    let connection
    let scheduledAfter
    try {
      const stored = await store.connections.get('jira')
      connection = { status: stored?.status, statusMessage: stored?.statusMessage ?? null }
      const runs = await store.schedules.runs('tick', 1000)
      const backAt = Date.now() - (performance.now() - back)
      scheduledAfter = runs.filter((run) => run.fireAt.getTime() > backAt && run.status === 'ok').length
    } finally {
      await store.close()
    }
    const counters = await (await fetch(`${sim.url}/_sim/stats`)).json()
    const latencies = during.map((r) => r.end - r.start)
    return {
      outageMs,
      stopMs: stopped - stopBegan,
      startMs: back - startBegan,
      loadMs: performance.now() - t0,
      boundMs: STORE_CONNECT_TIMEOUT_MS,
      requests: { before: before.length, during: during.length, after: after.length },
      duringByOutcome: countBy(during, outcomeOf),
      duringByKind: countBy(during, (r) => `${r.kind}: ${outcomeOf(r)}`),
      afterByOutcome: countBy(after, outcomeOf),
      unreachableWithoutRetryAfter: during.filter((r) => r.status === 503 && !r.retryAfter).length,
      maxLatencyDuringMs: Math.max(0, ...latencies),
      maxLatencyBeforeMs: Math.max(0, ...before.map((r) => r.end - r.start)),
      recoveryMs: servers.map((_, i) => recoveryOf(records, i, back)),
      serversAlive: servers.map(
        (server) => server.child.exitCode === null && server.child.signalCode === null,
      ),
      sessionsIntact,
      cachedIntact,
      uncachedServed,
      connection,
      scheduledAfter,
      sim: {
        refreshes: counters.refreshes,
        graceRefreshes: counters.graceRefreshes,
        invalidGrants: counters.invalidGrants,
        revokedGrants: counters.revokedGrants,
      },
      logs: servers.map((server) => server.log),
    }
  } finally {
    await Promise.all(servers.map((server) => stopProcess(server.child)))
    await sim.close()
    await cluster.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
