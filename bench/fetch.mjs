// Fetch overhead: 100 pages from the simulator, every answer delayed a fixed
// 20 ms, fetched by Quarry's engine. Sequential (search/jql's nextPageToken)
// must take ≤ 1.10× the sum of the latencies (2 s); offset pages with a known
// total (the agile board API) at concurrency 4 ≤ 0.35× of it.
//   npm run bench:fetch
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { ConverterPool } from '../dist/convert/index.js'
import { DatasourceSchema, splitSecrets } from '../dist/domain/datasource.js'
import { QuerySchema } from '../dist/domain/query.js'
import { runQuery } from '../dist/engine/index.js'
import { openStore } from '../dist/store/index.js'
import { recordResult } from './results.mjs'
import { BENCH_CLIENT, consent, startSim } from './sim-process.mjs'

const LATENCY_MS = 20
const PAGES = 100
const ROUNDS = 5
const budget = PAGES * LATENCY_MS

// Enough issues for 100 pages of 100 on one project's board (acme's DEMO).
const sim = await startSim(['--issues', '60000', '--latency', String(LATENCY_MS), '--seed', '3'])
const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-'))
const store = await openStore({
  sqlitePath: join(dir, 'q.db'),
  secretKey: Buffer.alloc(32, 1).toString('base64'),
  dataDir: dir,
})
const converters = new ConverterPool()
try {
  const { tokens, cloudId } = await consent(
    sim.url,
    'read:jira-work read:board-scope:jira-software offline_access',
  )
  const auth = {
    type: 'oauth2-authorization-code',
    authorizeUrl: `${sim.url}/authorize`,
    tokenUrl: `${sim.url}/oauth/token`,
    clientId: BENCH_CLIENT.id,
    clientSecret: BENCH_CLIENT.secret,
    scopes: 'read:jira-work offline_access',
    redirectUri: BENCH_CLIENT.redirect,
  }
  for (const [name, api] of [
    ['jira', 'api/3'],
    ['agile', 'agile/1.0'],
  ]) {
    const datasource = DatasourceSchema.parse({
      name,
      type: 'rest',
      baseUrl: `${sim.url}/ex/jira/${cloudId}/rest/${api}`,
      auth,
    })
    const { config, secrets } = splitSecrets(datasource)
    await store.datasources.create({ name, type: 'rest', config, secrets })
    await store.connections.put(name, {
      tokens: { access_token: tokens.access_token, refresh_token: tokens.refresh_token },
      accessExpiresAt: new Date(Date.now() + 3000_000),
      status: 'connected',
      statusMessage: null,
      scope: tokens.scope,
      site: null,
      lastRefreshAt: new Date(),
      lastUsedAt: null,
    })
  }
  const add = async (query) => {
    const { name, datasource, ...definition } = QuerySchema.parse(query)
    await store.queries.create({ name, datasource, definition })
  }
  await add({
    name: 'sequential',
    datasource: 'jira',
    path: '/search/jql?jql=project%20in%20(DEMO,WEB,OPS)%20ORDER%20BY%20key&fields=key,summary&maxResults=100',
    pagination: { type: 'next-page-token' },
    maxPages: PAGES,
  })
  await add({
    name: 'parallel',
    datasource: 'agile',
    path: '/board/1/issue?fields=summary',
    pagination: { type: 'offset', pageSize: 100, itemsPath: 'issues', totalPath: 'total' },
    maxPages: PAGES,
    concurrency: 4,
  })
  const deps = { store, converters }
  const time = async (name) => {
    const times = []
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now()
      const result = await runQuery(deps, { query: name, refresh: true })
      times.push(performance.now() - started)
      if (result.pages !== PAGES) throw new Error(`${name}: expected ${PAGES} pages, got ${result.pages}`)
    }
    return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]
  }
  // The floor on this machine: a bare undici loop over the same pages (no auth, parsing only the token).
  const bare = async () => {
    const base = `${sim.url}/ex/jira/${cloudId}/rest/api/3/search/jql?jql=project%20in%20(DEMO,WEB,OPS)%20ORDER%20BY%20key&fields=key,summary&maxResults=100`
    const started = performance.now()
    let url = base
    for (let page = 0; page < PAGES; page++) {
      const response = await request(url, { headers: { authorization: `Bearer ${tokens.access_token}` } })
      const { nextPageToken } = await response.body.json()
      url = `${base}&nextPageToken=${encodeURIComponent(nextPageToken)}`
    }
    return performance.now() - started
  }
  await runQuery(deps, { query: 'sequential', refresh: true }) // warm up pools and JIT
  const floors = []
  for (let round = 0; round < ROUNDS; round++) floors.push(await bare())
  const floor = floors.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]
  const sequential = await time('sequential')
  const parallel = await time('parallel')
  const line =
    `${PAGES} pages at a fixed ${LATENCY_MS} ms latency (sum ${budget} ms): sequential nextPageToken **${(sequential / budget).toFixed(3)}×** the sum (target ≤ 1.10); ` +
    `offset with a known total at concurrency 4 **${(parallel / budget).toFixed(2)}×** (target ≤ 0.35); for scale, a bare undici loop over the same sequential pages takes ${(floor / budget).toFixed(3)}×; median of ${ROUNDS} runs`
  console.log(line)
  if (!process.argv.includes('--no-write'))
    recordResult('Engine: fetch overhead', 'npm run bench:fetch', line)
} finally {
  await converters.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
  sim.stop()
}
